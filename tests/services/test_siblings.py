"""Siblings, questions asking one fact, are never both studied on one day."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from quizapp.content.bank import Bank, Kind, Question, Section
from quizapp.extensions import db
from quizapp.models import Question as StoredQuestion
from quizapp.models import User
from quizapp.scheduling import Grade
from quizapp.services import banks, browse, study
from tests.helpers import NOW, answer_card, get_user

ARTICLE = "Hip MRI shows a labral tear. Hip MRI takes about 30 to 45 minutes."
SOURCE = ("Hip MRI shows a labral tear.",)
BANK = Bank(
    id="siblings",
    topic="Hip MRI",
    article="siblings.txt",
    questions=(
        Question(
            id="tear-cloze",
            kind=Kind.CLOZE,
            section=Section.PURPOSE,
            prompt="Hip MRI shows a {{c1::labral tear}}.",
            source=SOURCE,
            fact="tear",
        ),
        Question(
            id="tear-basic",
            kind=Kind.BASIC,
            section=Section.PURPOSE,
            prompt="What tear does hip MRI show?",
            answer="A labral tear.",
            source=SOURCE,
            fact="tear",
        ),
        Question(
            id="time-cloze",
            kind=Kind.CLOZE,
            section=Section.PURPOSE,
            prompt="Hip MRI takes about {{c1::30 to 45 minutes}}.",
            source=("Hip MRI takes about 30 to 45 minutes.",),
            fact="time",
        ),
    ),
)


def _ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        banks.load_bank(db.session, BANK, article_text=ARTICLE, now=NOW)
        rows = db.session.execute(select(StoredQuestion.key, StoredQuestion.id)).all()
        return dict(rows)  # type: ignore[arg-type]


def _studying() -> tuple[User, study.Scope]:
    """The trainee and the whole bank as their study scope (inside an app context)."""
    bank_id = db.session.scalar(select(StoredQuestion.bank_id).limit(1))
    return get_user("trainee@example.com"), study.Scope(bank_id)


def test_a_sibling_waits_for_the_next_day(app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user()
    ids = _ids(app)
    with app.app_context():
        user, scope = _studying()
        assert study.next_question_id(db.session, user, scope, NOW) == ids["tear-cloze"]
        answer_card(user, ids["tear-cloze"], Grade.EASY, NOW)

        assert study.next_question_id(db.session, user, scope, NOW) == ids["time-cloze"]
        answer_card(user, ids["time-cloze"], Grade.EASY, NOW)
        assert study.next_question_id(db.session, user, scope, NOW) is None
        assert study.counts(db.session, user, scope, NOW).new == 0

        tomorrow = NOW + timedelta(days=1)
        assert study.next_question_id(db.session, user, scope, tomorrow) == ids["tear-basic"]


def test_loading_records_each_question_fact(app: Flask) -> None:
    _ids(app)
    with app.app_context():
        facts = dict(db.session.execute(select(StoredQuestion.key, StoredQuestion.fact)).all())
    assert facts == {"tear-cloze": "tear", "tear-basic": "tear", "time-cloze": "time"}


def test_a_due_review_waits_while_its_sibling_was_reviewed_today(app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user()
    ids = _ids(app)
    with app.app_context():
        user, scope = _studying()
        answer_card(user, ids["tear-cloze"], Grade.EASY, NOW)
        answer_card(user, ids["time-cloze"], Grade.EASY, NOW)
        answer_card(user, ids["tear-basic"], Grade.EASY, NOW + timedelta(days=1))
        later = NOW + timedelta(days=400)  # all three are review cards due by now
        assert study.counts(db.session, user, scope, later).review == 3
        first = study.next_question_id(db.session, user, scope, later)
        assert first == ids["tear-cloze"]  # the longest overdue
        answer_card(user, first, Grade.GOOD, later)
        # Its sibling waits for tomorrow; the other fact's question does not.
        assert study.counts(db.session, user, scope, later).review == 1
        assert study.next_question_id(db.session, user, scope, later) == ids["time-cloze"]
        answer_card(user, ids["time-cloze"], Grade.GOOD, later)
        assert study.next_question_id(db.session, user, scope, later) is None
        tomorrow = later + timedelta(days=1)
        assert study.next_question_id(db.session, user, scope, tomorrow) == ids["tear-basic"]


def test_a_question_is_not_held_back_by_its_own_answer(app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user()
    ids = _ids(app)
    with app.app_context():
        user, scope = _studying()
        answer_card(user, ids["tear-cloze"], Grade.EASY, NOW)
        answer_card(user, ids["time-cloze"], Grade.EASY, NOW)
        browse.forget(db.session, user=user, question_id=ids["tear-cloze"])
        # Forgotten the same day, it is new again; only its sibling waits for tomorrow.
        assert study.counts(db.session, user, scope, NOW).new == 1
        assert study.next_question_id(db.session, user, scope, NOW) == ids["tear-cloze"]
