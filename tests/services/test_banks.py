from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from quizapp.content.bankfile import load_bank as read_bank
from quizapp.extensions import db
from quizapp.models import Card, Question, Review
from quizapp.scheduling import Grade
from quizapp.services import banks, study
from tests.helpers import NOW, ROOT, TEST_BANK, answer_card, get_user

BANK = read_bank(TEST_BANK)
ARTICLE = (TEST_BANK.parent / BANK.article).read_text(encoding="utf-8")


def load(bank=BANK, now=NOW):
    return banks.load_bank(db.session, bank, article_text=ARTICLE, now=now)


def test_first_load_adds_every_question(session):
    report = load()
    assert len(report.added) == len(BANK.questions)
    assert session.scalar(select(func.count()).select_from(Question)) == len(BANK.questions)


def test_loading_twice_changes_nothing(session):
    load()
    before = {q.key: (q.content_hash, q.updated_at) for q in session.scalars(select(Question))}
    report = load(now=NOW + timedelta(days=1))
    assert (report.added, report.updated, report.retired) == ([], [], [])
    assert report.unchanged == len(BANK.questions)
    after = {q.key: (q.content_hash, q.updated_at) for q in session.scalars(select(Question))}
    assert after == before


def test_changed_text_updates_in_place_and_keeps_history(session, make_user):
    load()
    make_user()
    user = get_user("trainee@example.com")
    first = BANK.questions[0]
    question = session.scalar(select(Question).where(Question.key == first.id))
    view = study.view_card(session, user, question.id, NOW, fuzz=False)
    study.answer(
        session,
        user=user,
        question_id=question.id,
        grade=Grade.GOOD,
        seen_version=0,
        token="t1",
        response=None,
        duration_ms=None,
        now=NOW,
        fuzz=False,
    )
    assert view.version == 0

    edited = replace(first, answer="A corrected answer.")
    later = NOW + timedelta(days=2)
    report = load(replace(BANK, questions=(edited, *BANK.questions[1:])), now=later)

    assert report.updated == [first.id] and not report.added
    session.refresh(question)
    assert question.content["answer"] == "A corrected answer."
    assert question.updated_at == later
    card = session.scalar(select(Card).where(Card.question_id == question.id))
    assert card is not None and card.reps == 1  # the learner's history stays


def test_removed_question_is_retired_not_deleted_and_comes_back(session):
    load()
    gone = BANK.questions[-1]
    report = load(replace(BANK, questions=BANK.questions[:-1]))
    assert report.retired == [gone.id]
    row = session.scalar(select(Question).where(Question.key == gone.id))
    assert row is not None and row.retired
    assert load().updated == [gone.id]
    session.refresh(row)
    assert not row.retired


def test_loading_the_rebuilt_demo_bank_retires_the_old_families_and_keeps_history(
    session, make_user
):
    """The bank of the old generator (every kind) replaced by today's demo bank."""
    load()
    make_user()
    user = get_user("trainee@example.com")
    old = session.scalar(select(Question).where(Question.kind == "matching"))
    answer_card(user, old.id, Grade.GOOD)
    rebuilt = read_bank(ROOT / "cards" / "posterior-hip-pain.yaml")

    report = load(rebuilt, now=NOW + timedelta(days=1))

    assert "purpose-matching-terms" in report.retired
    active = session.scalars(select(Question.kind).where(Question.retired.is_(False))).all()
    assert set(active) <= {"basic", "mcq", "cloze", "matching"}
    assert session.scalar(select(Question.retired).where(Question.id == old.id))
    assert session.scalar(select(func.count()).select_from(Review)) == 1
    assert session.scalar(select(Card.reps).where(Card.question_id == old.id)) == 1
