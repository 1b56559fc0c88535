"""The review loop's actions sent several times at once: one applies, the rest are told so."""

from __future__ import annotations

from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Card, Flag, Review, User
from quizapp.scheduling import Grade
from quizapp.services import banks, study
from tests.helpers import NOW, answer_card, get_user
from tests.races import together

OK = {"done", "StudyError", "busy"}


def _first_question(app, demo_bank) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        user = get_user("trainee@example.com")
        bank = banks.find_bank(db.session, demo_bank)
        question_id = study.next_question_id(db.session, user, study.Scope(bank.id), NOW)
        return user.id, question_id


def test_undo_sent_many_times_at_once_takes_back_one_answer(app, make_user, demo_bank):
    make_user()
    user_id, question_id = _first_question(app, demo_bank)
    with app.app_context():
        user = get_user("trainee@example.com")
        answer_card(user, question_id, Grade.GOOD)
        answer_card(user, question_id, Grade.GOOD, NOW.replace(hour=10))

    calls = [lambda s: study.undo_last(s, user=s.get(User, user_id)) for _ in range(4)]
    # Each waits before its first write, whichever the flush sends first.
    outcomes = together(app, calls, hold_at=("UPDATE cards", "DELETE FROM reviews"))
    assert set(outcomes) <= OK, outcomes
    assert outcomes.count("done") == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Review)) == 1


def test_suspending_an_unseen_question_many_times_at_once_makes_one_card(app, make_user, demo_bank):
    make_user()
    user_id, question_id = _first_question(app, demo_bank)
    calls = [
        lambda s: study.set_suspended(
            s, user=s.get(User, user_id), question_id=question_id, suspended=True
        )
        for _ in range(4)
    ]
    outcomes = together(app, calls, hold_at=("INSERT INTO cards",))
    assert set(outcomes) <= OK, outcomes
    with app.app_context():
        cards = db.session.scalars(select(Card).where(Card.question_id == question_id)).all()
        assert len(cards) == 1 and cards[0].suspended


def test_a_flag_sent_many_times_at_once_is_one_flag(app, make_user, demo_bank):
    make_user()
    user_id, question_id = _first_question(app, demo_bank)
    calls = [
        lambda s: study.flag(
            s,
            user=s.get(User, user_id),
            question_id=question_id,
            reason="wrong",
            comment="twice",
            now=NOW,
        )
        for _ in range(4)
    ]
    outcomes = together(app, calls, hold_at=("INSERT INTO flags",))
    assert set(outcomes) <= OK, outcomes
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Flag)) == 1


def test_flagging_again_edits_the_learners_flag(session, make_user, demo_bank):
    make_user()
    user = get_user("trainee@example.com")
    bank = banks.find_bank(session, demo_bank)
    question_id = study.next_question_id(session, user, study.Scope(bank.id), NOW)
    study.flag(session, user=user, question_id=question_id, reason="wrong", comment="a", now=NOW)
    later = NOW.replace(hour=11)
    study.flag(
        session, user=user, question_id=question_id, reason="unclear", comment="b", now=later
    )
    flags = session.scalars(select(Flag)).all()
    assert [(f.reason, f.comment, f.created_at, f.updated_at) for f in flags] == [
        ("unclear", "b", NOW, later)
    ]
    assert study.my_flag(session, user=user, question_id=question_id).comment == "b"
