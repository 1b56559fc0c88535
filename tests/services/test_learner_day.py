"""Each learner's own day: time zone and rollover hour, and the leech action."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Card, Question
from quizapp.scheduling import Grade
from quizapp.services import accounts, learners, study
from tests.helpers import PASSWORD, get_user

# 03:30 in Tokyo (18:30 UTC): still the day before, with the day starting at 04:00 there.
BEFORE_TOKYO_ROLLOVER = datetime(2026, 3, 2, 18, 30, tzinfo=UTC)
AFTER_TOKYO_ROLLOVER = BEFORE_TOKYO_ROLLOVER + timedelta(hours=1)


@pytest.fixture
def trainee(session, make_user, demo_bank):
    make_user("trainee@example.com")
    return get_user("trainee@example.com")


def scope():
    return study.Scope(db.session.scalar(select(Question.bank_id).limit(1)))


def answer(user, now, grade=Grade.GOOD, question_id=None):
    question_id = question_id or study.next_question_id(db.session, user, scope(), now)
    view = study.view_card(db.session, user, question_id, now, fuzz=False)
    return study.answer(
        db.session,
        user=user,
        question_id=question_id,
        grade=grade,
        seen_version=view.version,
        token=f"tok-{question_id}-{view.version}",
        response=None,
        duration_ms=1000,
        now=now,
        fuzz=False,
    )


def settings(user, **changes):
    values = {
        "desired_retention": user.desired_retention,
        "new_per_day": user.new_per_day,
        "reviews_per_day": user.reviews_per_day,
        "timezone": user.timezone,
        "day_starts_at": user.day_starts_at,
        "leech_action": user.leech_action,
        **changes,
    }
    learners.update_settings(db.session, user=user, **values)


def test_the_daily_new_limit_renews_at_the_learners_own_rollover(trainee):
    settings(trainee, new_per_day=1, timezone="Asia/Tokyo", day_starts_at=4)
    answer(trainee, BEFORE_TOKYO_ROLLOVER)
    assert study.counts(db.session, trainee, scope(), BEFORE_TOKYO_ROLLOVER).new == 0
    assert study.counts(db.session, trainee, scope(), AFTER_TOKYO_ROLLOVER).new == 1


def test_in_utc_the_same_two_moments_are_one_day(trainee):
    settings(trainee, new_per_day=1)
    answer(trainee, BEFORE_TOKYO_ROLLOVER)
    assert study.counts(db.session, trainee, scope(), AFTER_TOKYO_ROLLOVER).new == 0


def test_a_review_is_due_from_the_start_of_the_learners_day(trainee):
    settings(trainee, timezone="America/Los_Angeles", day_starts_at=4)
    start = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # 20:00 on 2 March in California
    question_id = answer(trainee, start, Grade.AGAIN).review.question_id
    answer(trainee, start + timedelta(minutes=1), question_id=question_id)
    answer(trainee, start + timedelta(minutes=12), question_id=question_id)
    card = db.session.scalar(select(Card).where(Card.question_id == question_id))
    assert card.state == 2
    # Due from 04:00 in California on the next study day, not 24 hours after the answer.
    assert card.due == datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    assert study.counts(db.session, trainee, scope(), card.due).review == 1
    assert study.counts(db.session, trainee, scope(), card.due - timedelta(minutes=1)).review == 0


def test_an_unknown_zone_is_refused_and_nothing_changes(trainee):
    with pytest.raises(learners.SettingsError, match="not a time zone"):
        settings(trainee, timezone="Mars/Olympus_Mons")
    db.session.rollback()
    assert get_user("trainee@example.com").timezone == "UTC"


def test_registration_takes_the_browsers_zone_or_utc(session):
    tokyo = accounts.register(
        db.session, email="a@example.com", name="A", password=PASSWORD, timezone="Asia/Tokyo"
    )
    bogus = accounts.register(
        db.session, email="b@example.com", name="B", password=PASSWORD, timezone="<script>"
    )
    assert (tokyo.timezone, bogus.timezone) == ("Asia/Tokyo", "UTC")


def _lapse_until_leech(user, question_id, now):
    """Fail a review card again and again; returns the last answer and the time after it."""
    for _ in range(8):
        card = db.session.scalar(select(Card).where(Card.question_id == question_id))
        now = max(now, card.due) + timedelta(minutes=1)
        result = answer(user, now, Grade.AGAIN, question_id=question_id)
        now += timedelta(minutes=11)
        answer(user, now, Grade.GOOD, question_id=question_id)  # relearnt: back to review
    return result


@pytest.mark.parametrize("action", ["tag", "suspend"])
def test_the_eighth_lapse_marks_a_leech_and_suspends_it_if_chosen(trainee, action):
    settings(trainee, leech_action=action)
    start = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    question_id = answer(trainee, start, Grade.EASY).review.question_id
    result = _lapse_until_leech(trainee, question_id, start)
    card = db.session.scalar(select(Card).where(Card.question_id == question_id))
    assert card.lapses == 8 and result.leech
    assert card.suspended is (action == "suspend") and result.suspended is (action == "suspend")
