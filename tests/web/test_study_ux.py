"""What a learner sees around the review loop: limits, assignments, downloads, messages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from quizapp.extensions import db
from quizapp.models import Role
from quizapp.services import assignments, classes, learners, study
from quizapp.services.banks import find_bank
from tests.helpers import NOW, Auth, get_user
from tests.pages import csrf_token, form_action, hidden_inputs, text
from tests.small_bank import basics, load


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("quizapp.study.routes._now", lambda: NOW)


@pytest.fixture
def learner(app: Flask, make_user, auth: Auth) -> str:  # type: ignore[no-untyped-def]
    make_user()
    auth.login()
    return "trainee@example.com"


def study_one(client: FlaskClient, slug: str, rating: str = "3", **params: str) -> str:
    """Reveal and grade the card on screen; returns the front page it showed."""
    page = client.get(f"/banks/{slug}/study", query_string=params).get_data(as_text=True)
    back = client.get(f"/banks/{slug}/reveal", query_string=hidden_inputs(page, "front")).get_data(
        as_text=True
    )
    client.post(
        form_action(back, "grades"), data={**hidden_inputs(back, "grades"), "rating": rating}
    )
    return page


def set_new_limit(app: Flask, email: str, limit: int) -> None:
    with app.app_context():
        learners.update_settings(
            db.session,
            user=get_user(email),
            desired_retention=0.9,
            new_per_day=limit,
            reviews_per_day=200,
        )


def test_reaching_the_new_card_limit_says_why_and_offers_more_for_today(
    app: Flask, client: FlaskClient, learner: str
) -> None:
    slug = load(app, basics(5))
    set_new_limit(app, learner, 2)
    study_one(client, slug, "4")
    study_one(client, slug, "4")
    done = text(client.get(f"/banks/{slug}/study").get_data(as_text=True))
    assert "Congratulations" not in done
    assert "Today's new-card limit is reached" in done
    assert "You have studied today's limit of 2 new cards" in done
    assert "3 new cards of this bank wait for tomorrow" in done

    assert "0 new (daily limit reached)" in text(client.get("/").get_data(as_text=True))
    page = client.get(f"/banks/{slug}/study").get_data(as_text=True)
    response = client.post(
        f"/banks/{slug}/more-new", data={"extra": "2", "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302
    shown = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Today's limit is now 4 new cards" in shown
    assert "2 new 0 learning 0 due" in shown

    mine = client.get("/settings/my-data.json").json
    assert mine["extra_new_cards"] == [{"study_day_start": "2026-03-02T04:00:00+00:00", "extra": 2}]

    # Tomorrow the setting applies again.
    with app.app_context():
        scope = study.Scope(find_bank(db.session, slug).id)
        counts = study.counts(db.session, get_user(learner), scope, NOW + timedelta(days=1))
    assert counts.new == 2


def test_a_bad_extra_count_changes_nothing(app: Flask, client: FlaskClient, learner: str) -> None:
    slug = load(app, basics(3))
    page = client.get(f"/banks/{slug}/study").get_data(as_text=True)
    for extra in ("0", "-5", "abc", "100000"):
        response = client.post(
            f"/banks/{slug}/more-new",
            data={"extra": extra, "csrf_token": csrf_token(page)},
            follow_redirects=True,
        )
        assert "Choose between 1 and 500 more new cards" in text(response.get_data(as_text=True))
    assert "3 new 0 learning 0 due" in text(
        client.get(f"/banks/{slug}/study").get_data(as_text=True)
    )


def test_an_assignment_session_names_it_and_shows_the_pace(
    app: Flask, client: FlaskClient, learner: str, make_user
) -> None:  # type: ignore[no-untyped-def]
    slug = load(app, basics(12))
    make_user("teacher@example.com", role=Role.INSTRUCTOR)
    with app.app_context():
        room = classes.create_class(
            db.session, instructor=get_user("teacher@example.com"), name="Hips", now=NOW
        )
        classes.join(db.session, user=get_user(learner), code=room.join_code, now=NOW)
        assignment = assignments.create_assignment(
            db.session,
            room,
            bank=find_bank(db.session, slug),
            title="Week one",
            selection=assignments.Selection(),
            opens_at=NOW,
            due_at=NOW + timedelta(days=3),
            exam_at=None,
            target_kind="reviews",
            target_reviews=1,
            target_retention=0.9,
            target_share=0.8,
        )
        assignments.set_status(db.session, assignment, "open")
        assignment_id = assignment.id
    home = text(client.get("/").get_data(as_text=True))
    # 12 questions over 4 study days (today and the three before the due date).
    assert "3 new a day to finish by 5 Mar" in home
    page = text(
        client.get(f"/banks/{slug}/study", query_string={"assignment": assignment_id}).get_data(
            as_text=True
        )
    )
    assert "Studying the assignment Week one" in page
    assert "12 questions not started yet, 3 new a day to finish by 5 Mar" in page


def reveal_kind(client: FlaskClient, slug: str, kind: str, **answer: str) -> str:
    page = client.get(f"/banks/{slug}/study", query_string={"kind": kind}).get_data(as_text=True)
    fields = {**hidden_inputs(page, "front"), **answer}
    return client.get(f"/banks/{slug}/reveal", query_string=fields).get_data(as_text=True)


def test_the_back_of_a_card_shows_each_text_once(
    app: Flask, client: FlaskClient, learner: str
) -> None:
    slug = load(app)
    ordering = text(reveal_kind(client, slug, "ordering"))
    assert ordering.count("Take a history, then look at the gait.") == 1
    assert "Why" not in ordering.split("From the article")[0].split("Test movement")[-1]
    basic = text(reveal_kind(client, slug, "basic"))
    assert basic.count("The hip joins the pelvis to the thigh bone.") == 1


def test_a_typed_answer_is_compared_letter_by_letter_and_forgiven_a_typo(
    app: Flask, client: FlaskClient, learner: str
) -> None:
    slug = load(app)
    back = reveal_kind(client, slug, "cloze", typed="the sciatic nerbe.")
    assert 'id="verdict">Correct' in back
    assert 'data-default="true"' in back.split('value="3"')[1].split("</button>")[0]
    compared = back.split('id="compare"')[1].split("</div>")[0]
    assert '<span class="bad">b</span>' in compared
    assert '<span class="missed">v</span>' in compared
    wrong = reveal_kind(client, slug, "cloze", typed="femoral nerve")
    assert 'id="verdict">Not quite' in wrong


def test_downloading_a_narrowed_session_keeps_the_narrowing(
    app: Flask, client: FlaskClient, learner: str
) -> None:
    slug = load(app)
    # "All sections" sends an empty section: that narrows nothing.
    response = client.get(f"/banks/{slug}/anki.apkg", query_string={"section": "", "kind": "mcq"})
    assert response.status_code == 200
    assert f"filename={slug}-mcq.apkg" in response.headers["Content-Disposition"]
    missing = client.get(f"/banks/{slug}/anki.apkg", query_string={"section": "faq", "kind": "mcq"})
    assert missing.status_code == 302
    assert "section=faq" in missing.location and "kind=mcq" in missing.location


def test_a_retention_with_three_decimals_is_refused_not_rounded(
    app: Flask, client: FlaskClient, learner: str
) -> None:
    page = client.get("/settings").get_data(as_text=True)
    response = client.post(
        "/settings",
        data={
            "desired_retention": "0.855",
            "new_per_day": "20",
            "reviews_per_day": "200",
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code == 200
    assert "Use at most two decimal places" in text(response.get_data(as_text=True))
    with app.app_context():
        assert get_user(learner).desired_retention == 0.9


def test_choosing_another_grade_after_going_back_says_the_first_stands(
    app: Flask, client: FlaskClient, learner: str
) -> None:
    slug = load(app)
    back = reveal_kind(client, slug, "basic")
    fields = hidden_inputs(back, "grades")
    client.post(form_action(back, "grades"), data={**fields, "rating": "3"})
    again = client.post(
        form_action(back, "grades"), data={**fields, "rating": "1"}, follow_redirects=True
    )
    shown = text(again.get_data(as_text=True))
    assert (
        "You had already graded that card Good; that grade stands and Again was not recorded"
        in shown
    )
    same = client.post(
        form_action(back, "grades"), data={**fields, "rating": "3"}, follow_redirects=True
    )
    assert "already graded" not in text(same.get_data(as_text=True))


def test_cram_counts_what_is_left_in_the_session(
    app: Flask, client: FlaskClient, learner: str
) -> None:
    slug = load(app, basics(4))
    page = text(client.get(f"/banks/{slug}/study?custom=cram").get_data(as_text=True))
    assert "4 left" in page and "due" not in page.split("Narrow this session")[0]
