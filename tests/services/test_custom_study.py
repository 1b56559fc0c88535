from datetime import timedelta

from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Card, Question, Review
from quizapp.scheduling import Grade
from quizapp.services import study
from quizapp.services.study import Custom
from tests.helpers import NOW, answer_card, get_user


def setup_user(make_user):
    make_user()
    return get_user("trainee@example.com")


def bank_id():
    return db.session.scalar(select(Question.bank_id).limit(1))


def test_cram_walks_a_section_in_order_whatever_is_due(session, make_user, demo_bank):
    user = setup_user(make_user)
    scope = study.Scope(bank_id(), section="pros_cons", in_order=True)
    seen, after = [], None
    while (
        qid := study.next_question_id(
            db.session,
            user,
            study.Scope(bank_id(), section="pros_cons", in_order=True, after=after),
            NOW,
        )
    ) is not None:
        question = db.session.get(Question, qid)
        seen.append(qid)
        after = question.position
    assert len(seen) == 12 and len(set(seen)) == 12
    assert study.counts(db.session, user, scope, NOW).review == 12
    assert db.session.scalar(select(func.count()).select_from(Card)) == 0  # nothing scheduled


def test_failed_today_and_incorrect_only(session, make_user, demo_bank):
    user = setup_user(make_user)
    questions = list(
        db.session.scalars(
            select(Question).where(Question.kind == "mcq").order_by(Question.position).limit(3)
        )
    )
    answer_card(user, questions[0].id, Grade.AGAIN, response="a wrong option")
    answer_card(user, questions[1].id, Grade.GOOD, response=questions[1].content["answer"])
    answer_card(user, questions[2].id, Grade.AGAIN)
    failed = study.custom_questions(db.session, user, Custom.FAILED, now=NOW)
    assert set(failed) == {questions[0].id, questions[2].id}
    assert study.custom_questions(db.session, user, Custom.INCORRECT, now=NOW) == (questions[0].id,)
    answer_card(
        user,
        questions[0].id,
        Grade.GOOD,
        now=NOW + timedelta(minutes=5),
        response=questions[0].content["answer"],
    )
    assert study.custom_questions(db.session, user, Custom.FAILED, now=NOW) == (questions[2].id,)
    assert study.custom_questions(db.session, user, Custom.INCORRECT, now=NOW) == ()
    assert (
        study.custom_questions(db.session, user, Custom.FAILED, now=NOW + timedelta(days=1)) == ()
    )


def test_study_ahead_takes_reviews_due_within_a_week(session, make_user, demo_bank):
    user = setup_user(make_user)
    first = db.session.scalar(select(Question.id).where(Question.position == 0))
    answer_card(user, first, Grade.EASY)
    card = db.session.scalar(select(Card))
    later = NOW + timedelta(days=2)
    assert card.state == 2 and timedelta(days=2) < card.due - NOW < timedelta(days=9)
    assert study.custom_questions(db.session, user, Custom.AHEAD, now=NOW - timedelta(days=5)) == ()
    assert study.custom_questions(db.session, user, Custom.AHEAD, now=later) == (first,)
    assert study.next_question_id(db.session, user, study.Scope(bank_id()), later) != first
    assert db.session.scalar(select(func.count()).select_from(Review)) == 1
