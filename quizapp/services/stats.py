"""A learner's statistics page: read their reviews and cards, hand the maths to scheduling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quizapp import scheduling
from quizapp.content.bank import Section
from quizapp.models import Card, Question, Review, User
from quizapp.scheduling import stats as maths
from quizapp.services import statements
from quizapp.services.cards import memory_of
from quizapp.services.learners import settings_for, study_day


@dataclass(frozen=True)
class LearnerStats:
    today: date
    total_reviews: int
    cards: int
    days: list[maths.DayCount]
    forecast: list[maths.DayCount]
    retention: list[maths.RetentionWeek]
    desired_retention: float
    stability: list[maths.Bin]
    sections: list[maths.SectionStrength]

    @property
    def has_history(self) -> bool:
        return self.total_reviews > 0

    @property
    def reviews_in_span(self) -> int:
        return sum(day.count for day in self.days)

    @property
    def days_studied(self) -> int:
        return sum(1 for day in self.days if day.count)

    @property
    def has_retention(self) -> bool:
        return any(week.total for week in self.retention)


def study_date(user: User, moment: datetime) -> date:
    """The learner's study day a moment belongs to (their zone and rollover, as in the queue)."""
    return study_day(user).date(moment)


def learner_stats(session: Session, *, user: User, now: datetime) -> LearnerStats:
    """Everything the statistics page shows for one learner at `now`."""
    day = study_day(user)
    today = day.date(now)
    since = day.start_of(today - timedelta(days=maths.HEATMAP_DAYS - 1))
    rows = session.execute(
        select(Review.reviewed_at, Review.rating, Review.state_before, Review.card_before).where(
            Review.user_id == user.id, Review.reviewed_at >= since
        )
    ).all()
    answers = [
        maths.Answer(
            day=day.date(at), rating=rating, state_before=before, interval_days=_interval(card)
        )
        for at, rating, before, card in rows
    ]
    total = session.scalar(
        select(func.count()).select_from(Review).where(Review.user_id == user.id)
    )
    cards = session.execute(
        select(Card, Question.section)
        .join(Question, Card.question_id == Question.id)
        .where(
            Card.user_id == user.id,
            Card.last_review.is_not(None),
            Card.suspended.is_(False),
            statements.VISIBLE,
        )
    ).all()
    settings = settings_for(user, fuzz=False)
    strength = maths.section_strength(
        (section, scheduling.retrievability(settings, memory_of(card), now))
        for card, section in cards
    )
    return LearnerStats(
        today=today,
        total_reviews=total or 0,
        cards=len(cards),
        days=maths.daily_counts((answer.day for answer in answers), today=today),
        forecast=maths.forecast((day.date(card.due) for card, _ in cards if card.due), today=today),
        retention=maths.weekly_retention(answers, today=today),
        desired_retention=user.desired_retention,
        stability=maths.stability_bins(card.stability for card, _ in cards if card.stability),
        sections=sorted(strength, key=lambda s: _section_order(s.section)),
    )


def section_label(value: str) -> str:
    try:
        return Section(value).label
    except ValueError:
        return value


def _section_order(value: str) -> int:
    order = [section.value for section in Section]
    return order.index(value) if value in order else len(order)


def _interval(card_before: dict[str, Any]) -> float | None:
    """The interval the card had been given when it was answered, in days."""
    due, last = card_before.get("due"), card_before.get("last_review")
    if not due or not last:
        return None
    return (datetime.fromisoformat(due) - datetime.fromisoformat(last)).total_seconds() / 86400
