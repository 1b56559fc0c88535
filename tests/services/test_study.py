from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Card, Question, Review
from quizapp.scheduling import Grade
from quizapp.services import learners, study
from tests.helpers import NOW, get_user


@pytest.fixture
def trainee(session, make_user, demo_bank):
    make_user("trainee@example.com")
    return get_user("trainee@example.com")


def scope():
    return study.Scope(db.session.scalar(select(Question.bank_id).limit(1)))


def answer(
    user, grade=Grade.GOOD, now=NOW, token=None, question_id=None, version=None, response=None
):
    question_id = question_id or study.next_question_id(db.session, user, scope(), now)
    if version is None:
        version = study.view_card(db.session, user, question_id, now, fuzz=False).version
    return study.answer(
        db.session,
        user=user,
        question_id=question_id,
        grade=grade,
        seen_version=version,
        token=token or f"tok-{question_id}-{version}",
        response=response,
        duration_ms=1200,
        now=now,
        fuzz=False,
    )


def reviews(user):
    return db.session.scalar(
        select(func.count()).select_from(Review).where(Review.user_id == user.id)
    )


def test_new_cards_come_in_bank_order(trainee):
    first = study.next_question_id(db.session, trainee, scope(), NOW)
    assert db.session.get(Question, first).position == 0


def test_counts_start_with_the_daily_new_limit(trainee):
    counts = study.counts(db.session, trainee, scope(), NOW)
    assert (counts.new, counts.learning, counts.review) == (20, 0, 0)


def test_answering_moves_a_card_from_new_to_learning(trainee):
    answer(trainee, Grade.GOOD)
    counts = study.counts(db.session, trainee, scope(), NOW)
    assert counts.new == 19 and counts.learning == 1


def test_due_learning_cards_come_before_new_ones(trainee):
    first = answer(trainee, Grade.AGAIN).review.question_id
    later = NOW + timedelta(minutes=2)
    assert study.next_question_id(db.session, trainee, scope(), later) == first


def test_daily_new_limit_is_respected(trainee):
    trainee.new_per_day = 2
    db.session.commit()
    answer(trainee, Grade.EASY)
    answer(trainee, Grade.EASY)
    assert study.counts(db.session, trainee, scope(), NOW).new == 0
    assert study.next_question_id(db.session, trainee, scope(), NOW) is None
    tomorrow = NOW + timedelta(days=1)
    assert study.counts(db.session, trainee, scope(), tomorrow).new == 2


def test_review_log_keeps_what_the_optimiser_needs(trainee):
    review = answer(trainee, Grade.HARD).review
    assert review.rating == 2 and review.reviewed_at == NOW and review.duration_ms == 1200
    assert review.state_before is None and review.state_after == 1
    assert review.card_before["reps"] == 0


def test_same_submission_twice_is_recorded_once(trainee):
    question_id = study.next_question_id(db.session, trainee, scope(), NOW)
    first = answer(trainee, question_id=question_id, version=0, token="same")
    second = answer(trainee, question_id=question_id, version=0, token="same")
    assert not first.repeated and second.repeated
    assert second.review.id == first.review.id
    assert reviews(trainee) == 1


def test_answer_for_a_card_that_changed_is_refused(trainee):
    question_id = study.next_question_id(db.session, trainee, scope(), NOW)
    answer(trainee, question_id=question_id, version=0, token="tab-1")
    with pytest.raises(study.StaleAnswer):
        answer(trainee, question_id=question_id, version=0, token="tab-2")
    assert reviews(trainee) == 1
    card = db.session.scalar(select(Card).where(Card.question_id == question_id))
    assert card.reps == 1


def test_lapses_counted_and_leech_at_eight(trainee):
    question_id = answer(trainee, Grade.EASY).review.question_id
    now = NOW
    for _ in range(8):
        card = db.session.scalar(select(Card).where(Card.question_id == question_id))
        now = card.due
        answer(trainee, Grade.AGAIN, now=now, question_id=question_id)
        card = db.session.scalar(select(Card).where(Card.question_id == question_id))
        now = card.due
        answer(trainee, Grade.EASY, now=now, question_id=question_id)
    view = study.view_card(db.session, trainee, question_id, now, fuzz=False)
    assert view.memory.lapses == 8 and view.memory.is_leech


def test_undo_restores_the_card_and_removes_the_review(trainee):
    first = answer(trainee, Grade.GOOD).review
    question_id = first.question_id
    card = db.session.scalar(select(Card).where(Card.question_id == question_id))
    before = (card.state, card.step, card.due, card.reps)
    answer(trainee, Grade.EASY, now=card.due, question_id=question_id)
    undone = study.undo_last(db.session, user=trainee)
    assert undone.id == question_id
    db.session.refresh(card)
    assert (card.state, card.step, card.due, card.reps) == before
    assert reviews(trainee) == 1


def test_undo_with_nothing_to_undo(trainee):
    with pytest.raises(study.StudyError):
        study.undo_last(db.session, user=trainee)


def test_suspended_question_leaves_the_queue(trainee):
    question_id = study.next_question_id(db.session, trainee, scope(), NOW)
    study.set_suspended(db.session, user=trainee, question_id=question_id, suspended=True)
    assert study.next_question_id(db.session, trainee, scope(), NOW) != question_id
    study.set_suspended(db.session, user=trainee, question_id=question_id, suspended=False)
    assert study.next_question_id(db.session, trainee, scope(), NOW) == question_id


def test_scope_narrows_to_a_section_and_kind(trainee):
    narrowed = study.Scope(scope().bank_id, section="faq", kind="basic")
    question_id = study.next_question_id(db.session, trainee, narrowed, NOW)
    question = db.session.get(Question, question_id)
    assert (question.section, question.kind) == ("faq", "basic")
    assert study.counts(db.session, trainee, narrowed, NOW).new == 10


def test_one_learners_answers_do_not_touch_anothers_queue(trainee, make_user):
    make_user("other@example.com")
    other = get_user("other@example.com")
    answer(trainee, Grade.GOOD)
    assert study.counts(db.session, other, scope(), NOW).new == 20
    with pytest.raises(study.StudyError):
        study.undo_last(db.session, user=other)


def test_correctness_is_recorded_for_multiple_choice(trainee):
    narrowed = study.Scope(scope().bank_id, kind="mcq")
    question_id = study.next_question_id(db.session, trainee, narrowed, NOW)
    question = db.session.get(Question, question_id)
    right = answer(trainee, question_id=question_id, version=0, response=question.content["answer"])
    assert right.review.correct is True


def test_flag_needs_a_known_reason(trainee):
    question_id = study.next_question_id(db.session, trainee, scope(), NOW)
    with pytest.raises(study.StudyError):
        study.flag(
            db.session, user=trainee, question_id=question_id, reason="bogus", comment="", now=NOW
        )
    study.flag(
        db.session,
        user=trainee,
        question_id=question_id,
        reason="unclear",
        comment="Which hip?",
        now=NOW,
    )


def test_daily_load_counts_reviews_due_on_coming_days(trainee):
    first = answer(trainee, Grade.EASY).review
    second = answer(trainee, Grade.EASY).review
    cards = [db.session.get(Card, r.card_id) for r in (first, second)]
    assert {card.state for card in cards} == {2}
    # Counted in study days from today: a review is due from the start of its day.
    days = sorted(learners.study_day(trainee).days_between(NOW, card.due) for card in cards)
    load = learners.daily_load(db.session, trainee, NOW)
    assert sum(load(0, 400).values()) == 2 and set(load(0, 400)) == set(days)
    assert load(days[-1] + 1, 400) == {}
