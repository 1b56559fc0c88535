"""The learner's own question browser: search, filters, unsuspend, forget and history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from quizapp.extensions import db
from quizapp.models import Card, Question, Review
from quizapp.scheduling import LEECH_LAPSES, Grade
from quizapp.services import study
from tests.helpers import NOW, Auth, answer_card, get_user
from tests.pages import csrf_token, text
from tests.small_bank import KINDS, load


@pytest.fixture
def ids(app: Flask, make_user, auth: Auth) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The small bank, a learner with some history, and another learner."""
    load(app, KINDS)
    make_user()
    make_user("other@example.com")
    auth.login()
    with app.app_context():
        by_key = {q.key: q.id for q in db.session.query(Question)}
        me, other = get_user("trainee@example.com"), get_user("other@example.com")
        answer_card(me, by_key["small-mcq"], Grade.GOOD, response="Hip")
        answer_card(other, by_key["small-mcq"], Grade.AGAIN, response="Knee")
        study.set_suspended(
            db.session, user=me, question_id=by_key["small-true-false"], suspended=True
        )
        study.flag(
            db.session,
            user=me,
            question_id=by_key["small-cloze"],
            reason="unclear",
            comment="",
            now=NOW,
        )
        study.flag(
            db.session,
            user=other,
            question_id=by_key["small-basic"],
            reason="wrong",
            comment="Secret note",
            now=NOW,
        )
        leech = by_key["small-ordering"]
        answer_card(me, leech, Grade.GOOD)
        card = db.session.query(Card).filter_by(user_id=me.id, question_id=leech).one()
        card.lapses = LEECH_LAPSES
        db.session.commit()
    return by_key


def listed(client: FlaskClient, **query: str) -> str:
    return text(client.get("/browse", query_string=query).get_data(as_text=True))


def test_search_and_filters_find_the_learners_own_questions(
    client: FlaskClient, ids: dict[str, int]
) -> None:
    assert "6 questions" in listed(client)
    found = listed(client, q="ball socket")
    assert "1 question." in found and "Which is a ball-and-socket joint?" in found
    cloze = listed(client, q="sciatic")
    assert "Pain at the back of the hip often comes from the Sciatic nerve" in cloze
    assert "{{c1::" not in cloze
    assert "The hip is a hinge joint." in listed(client, show="suspended")
    assert "1 question." in listed(client, show="suspended")
    flagged = listed(client, show="flagged")
    assert "1 question." in flagged and "Sciatic nerve" in flagged  # not the other's flag
    leeches = listed(client, show="leech")
    assert "1 question." in leeches and "Put the steps" in leeches
    assert "4 questions" in listed(client, show="new")
    assert "2 questions" in listed(client, show="learning")
    assert "0 questions" in listed(client, show="review")


def test_unsuspending_from_the_browser(
    app: Flask, client: FlaskClient, ids: dict[str, int]
) -> None:
    page = client.get("/browse?show=suspended").get_data(as_text=True)
    response = client.post(
        f"/questions/{ids['small-true-false']}/suspend",
        data={"csrf_token": csrf_token(page), "suspended": "0", "back_to_browser": "1"},
    )
    assert response.location.endswith(f"/browse/questions/{ids['small-true-false']}")
    assert "0 questions" in listed(client, show="suspended")


def test_history_shows_only_the_learners_own_answers_and_flags(
    client: FlaskClient, ids: dict[str, int]
) -> None:
    mcq = text(client.get(f"/browse/questions/{ids['small-mcq']}").get_data(as_text=True))
    assert "Your answers (1)" in mcq and "Good Right Hip" in mcq
    assert "Knee" not in mcq
    basic = text(client.get(f"/browse/questions/{ids['small-basic']}").get_data(as_text=True))
    assert "Secret note" not in basic and "You have not answered this question yet" in basic
    assert client.get("/browse/questions/99999").status_code == 404


def test_forgetting_needs_confirmation_and_keeps_the_history(
    app: Flask, client: FlaskClient, ids: dict[str, int]
) -> None:
    url = f"/browse/questions/{ids['small-mcq']}"
    page = client.get(url).get_data(as_text=True)
    refused = client.post(
        f"{url}/forget", data={"csrf_token": csrf_token(page)}, follow_redirects=True
    )
    assert "Tick the box to confirm" in text(refused.get_data(as_text=True))
    done = client.post(
        f"{url}/forget",
        data={"csrf_token": csrf_token(page), "confirm": "y"},
        follow_redirects=True,
    )
    shown = text(done.get_data(as_text=True))
    assert "Forgotten: the question is new for you again" in shown
    assert "Status New" in shown and "Your answers (1)" in shown
    with app.app_context():
        me = get_user("trainee@example.com")
        card = db.session.query(Card).filter_by(user_id=me.id, question_id=ids["small-mcq"]).one()
        assert card.last_review is None and card.reps == 0
        assert db.session.query(Review).filter_by(user_id=me.id).count() == 2
        # The card is studied as new again.
        view = study.view_card(
            db.session, me, ids["small-mcq"], NOW + timedelta(minutes=1), fuzz=False
        )
        assert view.memory.is_new
