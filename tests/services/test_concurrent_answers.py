"""Answers for one card arriving at the same moment, from threads with their own connections.

Each thread waits, just before its first write to the card, until every thread has
read the card: the database alone must then decide which answer applies.
"""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from quizapp.extensions import db
from quizapp.models import Card, Question, Review, User
from quizapp.scheduling import Grade
from quizapp.services import study
from tests.helpers import NOW, answer_card, get_user

CARD_WRITES = ("UPDATE cards", "INSERT INTO cards")


def answer_together(app: Flask, user_id: int, question_id: int, tokens: list[str]) -> list[str]:
    """Answer the card once per token, all at once; each outcome in token order."""
    with app.app_context():
        user = db.session.get(User, user_id)
        version = study.view_card(db.session, user, question_id, NOW, fuzz=False).version
        engine = db.engine
    everyone_read = threading.Barrier(len(tokens), timeout=20)
    waited = threading.local()

    def hold_first_card_write(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith(CARD_WRITES) and not getattr(waited, "done", False):
            waited.done = True
            everyone_read.wait()

    outcomes = ["hung"] * len(tokens)

    def tab(number: int, token: str) -> None:
        with app.app_context():
            try:
                answered = study.answer(
                    db.session,
                    user=db.session.get(User, user_id),
                    question_id=question_id,
                    grade=Grade.GOOD,
                    seen_version=version,
                    token=token,
                    response=None,
                    duration_ms=900,
                    now=NOW,
                    fuzz=False,
                )
                outcomes[number] = "repeated" if answered.repeated else "recorded"
            except study.StaleAnswer:
                outcomes[number] = "refused"
            except Exception as error:
                outcomes[number] = f"failed: {error!r}"

    event.listen(engine, "before_cursor_execute", hold_first_card_write)
    try:
        threads = [threading.Thread(target=tab, args=job) for job in enumerate(tokens)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(engine, "before_cursor_execute", hold_first_card_write)
    return outcomes


def stored(user_id: int, question_id: int) -> tuple[int, int]:
    """(reviews of the card, the card's version)."""
    count = db.session.scalar(
        select(func.count())
        .select_from(Review)
        .where(Review.user_id == user_id, Review.question_id == question_id)
    )
    version = db.session.scalar(
        select(Card.version).where(Card.user_id == user_id, Card.question_id == question_id)
    )
    return count, version


@pytest.fixture
def learner(app, make_user, demo_bank) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """A learner and two questions: one never seen, one answered once."""
    user_id = make_user("trainee@example.com")
    with app.app_context():
        first, second = db.session.scalars(
            select(Question.id).order_by(Question.position).limit(2)
        ).all()
        answer_card(get_user("trainee@example.com"), second, Grade.GOOD)
    return user_id, first, second


@pytest.mark.parametrize("seen", ["new", "reviewed"])
def test_two_tabs_answering_at_once_record_one_answer(app, learner, seen):
    user_id, new_question, reviewed_question = learner
    question_id = new_question if seen == "new" else reviewed_question
    before = 0 if seen == "new" else 1

    outcomes = answer_together(app, user_id, question_id, ["tab-1", "tab-2"])

    assert sorted(outcomes) == ["recorded", "refused"]
    with app.app_context():
        reviews, version = stored(user_id, question_id)
    assert (reviews, version) == (before + 1, before + 2)


def test_a_double_click_landing_twice_at_once_is_recorded_once(app, learner):
    user_id, question_id, _ = learner

    outcomes = answer_together(app, user_id, question_id, ["click", "click"])

    assert sorted(outcomes) == ["recorded", "repeated"]
    with app.app_context():
        assert stored(user_id, question_id)[0] == 1
