from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Card, Question
from quizapp.scheduling import Grade
from quizapp.services import stats
from tests.helpers import NOW, answer_card, get_user


@pytest.fixture
def trainee(session, make_user, demo_bank):
    make_user("trainee@example.com")
    return get_user("trainee@example.com")


def questions(count):
    return list(db.session.scalars(select(Question.id).order_by(Question.position).limit(count)))


def card(user, question_id):
    return db.session.scalar(
        select(Card).where(Card.user_id == user.id, Card.question_id == question_id)
    )


def answer_when_due(user, question_id, grade):
    due = card(user, question_id).due
    answer_card(user, question_id, grade, due)
    return due


def test_no_history_means_no_charts(trainee):
    result = stats.learner_stats(db.session, user=trainee, now=NOW)
    assert not result.has_history and result.cards == 0
    assert len(result.days) == 365 and result.reviews_in_span == 0
    assert sum(day.count for day in result.forecast) == 0
    assert not result.has_retention and result.sections == []


def test_three_answers_on_one_day_count_three_for_that_day(trainee):
    for minutes, question_id in zip((0, 5, 10), questions(3), strict=True):
        answer_card(trainee, question_id, Grade.GOOD, NOW + timedelta(minutes=minutes))
    result = stats.learner_stats(db.session, user=trainee, now=NOW + timedelta(hours=1))
    assert result.days[-1].day == NOW.date() and result.days[-1].count == 3
    assert result.reviews_in_span == 3 and result.days_studied == 1
    assert result.total_reviews == 3


def test_answers_before_four_belong_to_the_previous_study_day(trainee):
    early = NOW.replace(hour=2)
    answer_card(trainee, questions(1)[0], Grade.GOOD, early)
    result = stats.learner_stats(db.session, user=trainee, now=NOW)
    assert {day.day: day.count for day in result.days}[NOW.date() - timedelta(days=1)] == 1


def test_forecast_counts_cards_on_the_day_they_fall_due(trainee):
    easy, good = questions(3)[:2], questions(3)[2]
    for question_id in easy:
        answer_card(trainee, question_id, Grade.EASY, NOW)
    answer_card(trainee, good, Grade.GOOD, NOW)  # a learning step: due again today
    due = card(trainee, easy[0]).due
    result = stats.learner_stats(db.session, user=trainee, now=NOW)
    by_day = {day.day: day.count for day in result.forecast}
    assert len(result.forecast) == 30 and result.forecast[0].day == NOW.date()
    assert by_day[NOW.date()] == 1
    assert by_day[stats.study_date(trainee, due)] == 2
    assert sum(by_day.values()) == 3


def test_overdue_cards_count_for_today(trainee):
    question_id = questions(1)[0]
    answer_card(trainee, question_id, Grade.EASY, NOW)
    later = card(trainee, question_id).due + timedelta(days=3)
    result = stats.learner_stats(db.session, user=trainee, now=later)
    assert result.forecast[0].count == 1


def test_true_retention_counts_passes_on_review_cards_young_and_mature(trainee):
    passed, failed, mature = questions(3)
    for question_id in (passed, failed, mature):
        answer_card(trainee, question_id, Grade.EASY, NOW)  # straight to review, about 8 days
    answer_when_due(trainee, passed, Grade.GOOD)
    answer_when_due(trainee, failed, Grade.AGAIN)
    answer_when_due(trainee, mature, Grade.EASY)
    interval = card(trainee, mature).due - card(trainee, mature).last_review
    assert interval >= timedelta(days=21)
    last = answer_when_due(trainee, mature, Grade.HARD)

    result = stats.learner_stats(db.session, user=trainee, now=last)
    weeks = [week for week in result.retention if week.total]
    assert sum(week.young_total for week in weeks) == 3
    assert sum(week.young_passed for week in weeks) == 2
    assert sum(week.mature_total for week in weeks) == 1
    assert sum(week.mature_passed for week in weeks) == 1
    assert result.desired_retention == pytest.approx(0.9)
    # The first answers (on new cards) never count towards true retention.
    assert result.total_reviews == 7


def test_stability_and_strength_cover_the_learners_cards(trainee):
    ids = questions(4)
    for question_id in ids:
        answer_card(trainee, question_id, Grade.EASY, NOW)
    result = stats.learner_stats(db.session, user=trainee, now=NOW + timedelta(days=1))
    assert sum(b.count for b in result.stability) == 4
    sections = {s.section: s for s in result.sections}
    expected = {db.session.get(Question, q).section for q in ids}
    assert set(sections) == expected
    assert sum(s.cards for s in sections.values()) == 4
    assert all(0.9 < s.retrievability < 1 for s in sections.values())


def test_another_learners_answers_are_not_counted(trainee, make_user):
    make_user("other@example.com")
    other = get_user("other@example.com")
    answer_card(other, questions(1)[0], Grade.EASY, NOW)
    result = stats.learner_stats(db.session, user=trainee, now=NOW)
    assert not result.has_history and result.cards == 0
