"""The review loop: the queue, answering, undo, flags and suspension.

An answer carries the card version the learner saw and a token minted for the
page. A repeated token (double click, browser retry) returns the answer already
recorded; a stale version (another tab answered first) is refused. Both are
enforced by the database as well, so concurrent requests cannot apply twice.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import case, exists, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from quizapp import scheduling
from quizapp.content import bank as content
from quizapp.content.responses import is_correct
from quizapp.models import Bank, Card, Flag, Question, Review, User
from quizapp.scheduling import Grade, MemoryState

DAY_ROLLOVER_HOUR = 4
LEARN_AHEAD = timedelta(minutes=20)
LEARNING_STATES = (1, 3)
REVIEW_STATE = 2
FLAG_REASONS = {"wrong": "The answer is wrong", "unclear": "The question is unclear"}


class Custom(StrEnum):
    """Custom study, as in Anki: sessions outside the normal queue."""

    CRAM = "cram"
    FAILED = "failed"
    AHEAD = "ahead"
    INCORRECT = "incorrect"

    @property
    def label(self) -> str:
        return _CUSTOM_LABELS[self]


_CUSTOM_LABELS = {
    Custom.CRAM: "Cram: go through every question (the schedule is left alone)",
    Custom.FAILED: "Review the cards I failed today",
    Custom.AHEAD: "Study ahead: reviews due in the next 7 days",
    Custom.INCORRECT: "Only questions I last answered incorrectly",
}
STUDY_AHEAD = timedelta(days=7)


class StudyError(ValueError):
    """An action that cannot be applied; the message is for the learner."""


class StaleAnswer(StudyError):
    """The card changed since the page was shown; nothing was recorded."""


@dataclass(frozen=True)
class Scope:
    """Narrows a study session to one bank, and optionally a section, kind or question set."""

    bank_id: int
    section: str | None = None
    kind: str | None = None
    question_ids: tuple[int, ...] | None = None
    first: tuple[int, ...] = ()  # questions of overdue assignments, served before the rest
    # Custom study: walk the questions in bank order whatever their due dates.
    in_order: bool = False
    after: int | None = None  # the bank position last shown in such a walk


@dataclass(frozen=True)
class Counts:
    new: int
    learning: int
    review: int

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review


@dataclass(frozen=True)
class CardView:
    """Everything a page needs to show one card and its grade buttons."""

    question_id: int
    position: int
    question: content.Question
    version: int
    memory: MemoryState
    intervals: dict[Grade, timedelta]
    suspended: bool
    token: str


@dataclass(frozen=True)
class Answered:
    review: Review
    repeated: bool


def settings_for(user: User, *, fuzz: bool) -> scheduling.Settings:
    parameters = tuple(user.fsrs_parameters) if user.fsrs_parameters else None
    return scheduling.Settings(
        desired_retention=user.desired_retention, parameters=parameters, fuzz=fuzz
    )


def day_start(now: datetime) -> datetime:
    """Start of the study day (UTC, rolling over at 04:00 as Anki does)."""
    start = now.replace(hour=DAY_ROLLOVER_HOUR, minute=0, second=0, microsecond=0)
    return start if now >= start else start - timedelta(days=1)


def daily_load(session: Session, user: User, now: datetime) -> Callable[[int, int], dict[int, int]]:
    """A lookup of the reviews already due on days `low` to `high` from `now`.

    The scheduler asks only when it fuzzes an interval, and only for the fuzz window.
    """

    def load(low: int, high: int) -> dict[int, int]:
        dues = session.scalars(
            select(Card.due).where(
                Card.user_id == user.id,
                Card.state == REVIEW_STATE,
                Card.due >= now + timedelta(days=low),
                Card.due < now + timedelta(days=high + 1),
            )
        )
        return dict(Counter((due - now).days for due in dues))

    return load


def memory_of(card: Card | None) -> MemoryState:
    if card is None:
        return MemoryState()
    return MemoryState(
        state=card.state,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
        reps=card.reps,
        lapses=card.lapses,
    )


def _snapshot(memory: MemoryState) -> dict[str, Any]:
    return {
        "state": memory.state,
        "step": memory.step,
        "stability": memory.stability,
        "difficulty": memory.difficulty,
        "due": memory.due.isoformat() if memory.due else None,
        "last_review": memory.last_review.isoformat() if memory.last_review else None,
        "reps": memory.reps,
        "lapses": memory.lapses,
    }


def _restore(card: Card, snapshot: dict[str, Any]) -> None:
    for name in ("state", "step", "stability", "difficulty", "reps", "lapses"):
        setattr(card, name, snapshot[name])
    for name in ("due", "last_review"):
        setattr(card, name, datetime.fromisoformat(snapshot[name]) if snapshot[name] else None)


def apply_memory(card: Card, memory: MemoryState) -> None:
    card.state, card.step = memory.state, memory.step
    card.stability, card.difficulty = memory.stability, memory.difficulty
    card.due, card.last_review = memory.due, memory.last_review
    card.reps, card.lapses = memory.reps, memory.lapses


def _in_scope(scope: Scope) -> list[Any]:
    conditions = [Question.bank_id == scope.bank_id, Question.retired.is_(False)]
    if scope.section:
        conditions.append(Question.section == scope.section)
    if scope.kind:
        conditions.append(Question.kind == scope.kind)
    if scope.question_ids is not None:
        conditions.append(Question.id.in_(scope.question_ids))
    return conditions


def _priority(scope: Scope) -> Any:
    if not scope.first:
        return literal(0)
    return case((Question.id.in_(scope.first), 0), else_=1)


def studied_today(session: Session, user: User, now: datetime) -> tuple[int, int]:
    """(new cards introduced, reviews of review cards) since the study day began."""
    rows = session.execute(
        select(Review.state_before, func.count())
        .where(Review.user_id == user.id, Review.reviewed_at >= day_start(now))
        .group_by(Review.state_before)
    ).all()
    by_state = {state: count for state, count in rows}
    return by_state.get(None, 0), by_state.get(REVIEW_STATE, 0)


def _seen(user: User) -> Any:
    """A card row for this user and question that blocks it from the new queue."""
    return exists().where(
        Card.user_id == user.id,
        Card.question_id == Question.id,
        (Card.last_review.is_not(None)) | Card.suspended,
    )


def _due_cards(
    session: Session, user: User, scope: Scope, states: tuple[int, ...], until: datetime
):
    return (
        select(Card)
        .join(Question, Card.question_id == Question.id)
        .where(
            Card.user_id == user.id,
            Card.suspended.is_(False),
            Card.last_review.is_not(None),
            Card.state.in_(states),
            Card.due <= until,
            *_in_scope(scope),
        )
        .order_by(_priority(scope), Card.due, Card.id)
    )


def counts(
    session: Session,
    user: User,
    scope: Scope,
    now: datetime,
    *,
    today: tuple[int, int] | None = None,
) -> Counts:
    """New (within today's limit), learning (due within the learn-ahead window) and due reviews.

    In custom study everything left in the walk counts as due. `today` is what
    `studied_today` gave, when the caller already has it.
    """
    new_today, reviews_today = today or studied_today(session, user, now)

    def count(query: Any) -> int:
        return session.scalar(select(func.count()).select_from(query.subquery())) or 0

    if scope.in_order:
        return Counts(new=0, learning=0, review=count(_walk(user, scope)))

    learning = count(_due_cards(session, user, scope, LEARNING_STATES, now + LEARN_AHEAD))
    review = count(_due_cards(session, user, scope, (REVIEW_STATE,), now))
    unseen = count(select(Question.id).where(*_in_scope(scope), ~_seen(user)))
    return Counts(
        new=max(0, min(unseen, user.new_per_day - new_today)),
        learning=learning,
        review=max(0, min(review, user.reviews_per_day - reviews_today)),
    )


def _card_row(session: Session, user_id: int, question_id: int) -> Card | None:
    return session.scalar(
        select(Card).where(Card.user_id == user_id, Card.question_id == question_id)
    )


def _walk(user: User, scope: Scope) -> Any:
    """The questions left in a custom-study walk, in bank order."""
    suspended = exists().where(
        Card.user_id == user.id, Card.question_id == Question.id, Card.suspended
    )
    query = select(Question.id).where(*_in_scope(scope), ~suspended)
    if scope.after is not None:
        query = query.where(Question.position > scope.after)
    return query.order_by(Question.position)


def next_question_id(
    session: Session,
    user: User,
    scope: Scope,
    now: datetime,
    *,
    today: tuple[int, int] | None = None,
) -> int | None:
    """Due learning cards, then due reviews, then new cards within today's limits."""
    if scope.in_order:
        return session.scalar(_walk(user, scope).limit(1))
    new_today, reviews_today = today or studied_today(session, user, now)
    learning = session.scalars(_due_cards(session, user, scope, LEARNING_STATES, now).limit(1))
    if card := learning.first():
        return card.question_id
    if reviews_today < user.reviews_per_day:
        due = session.scalars(_due_cards(session, user, scope, (REVIEW_STATE,), now).limit(1))
        if card := due.first():
            return card.question_id
    if new_today < user.new_per_day:
        new = session.scalar(
            select(Question.id)
            .where(*_in_scope(scope), ~_seen(user))
            .order_by(_priority(scope), Question.position)
            .limit(1)
        )
        if new is not None:
            return new
    ahead = session.scalars(
        _due_cards(session, user, scope, LEARNING_STATES, now + LEARN_AHEAD).limit(1)
    )
    card = ahead.first()
    return card.question_id if card else None


def available(session: Session, user: User, scope: Scope, question_id: int) -> bool:
    """Whether the question is in the scope and not suspended by this learner."""
    in_scope = session.scalar(
        select(Question.id).where(Question.id == question_id, *_in_scope(scope))
    )
    card = _card_row(session, user.id, question_id)
    return in_scope is not None and not (card and card.suspended)


def view_card(
    session: Session, user: User, question_id: int, now: datetime, *, fuzz: bool
) -> CardView:
    """The card for one question, as this learner sees it now."""
    question = session.get(Question, question_id)
    if question is None or question.retired:
        raise StudyError("This question is not available.")
    card = _card_row(session, user.id, question_id)
    memory = memory_of(card)
    intervals = scheduling.preview(
        settings_for(user, fuzz=fuzz), card_id=card.id if card else 0, memory=memory, now=now
    )
    return CardView(
        question_id=question.id,
        position=question.position,
        question=content.Question.from_dict(question.content),
        version=card.version if card else 0,
        memory=memory,
        intervals=intervals,
        suspended=bool(card and card.suspended),
        token=secrets.token_urlsafe(16),
    )


def answer(
    session: Session,
    *,
    user: User,
    question_id: int,
    grade: Grade,
    seen_version: int,
    token: str,
    response: str | None,
    duration_ms: int | None,
    now: datetime,
    fuzz: bool,
) -> Answered:
    """Record one answer once, or refuse it if the card changed since it was shown."""
    recorded = _recorded(session, user.id, token)
    if recorded is not None:
        return Answered(recorded, repeated=True)
    question = session.get(Question, question_id)
    if question is None or question.retired:
        raise StudyError("This question is not available.")
    card = _card_row(session, user.id, question_id)
    if (card.version if card else 0) != seen_version:
        raise StaleAnswer(_STALE)
    try:
        if card is None:
            card = Card(user_id=user.id, question_id=question_id)
            session.add(card)
            session.flush()
        memory = memory_of(card)
        outcome = scheduling.review(
            settings_for(user, fuzz=fuzz),
            card_id=card.id,
            memory=memory,
            grade=grade,
            now=now,
            load=daily_load(session, user, now) if fuzz else None,
        )
        apply_memory(card, outcome.after)
        review = Review(
            user_id=user.id,
            card_id=card.id,
            question_id=question_id,
            token=token,
            rating=int(grade),
            reviewed_at=now,
            duration_ms=duration_ms,
            state_before=None if memory.is_new else memory.state,
            state_after=outcome.after.state,
            stability_after=outcome.after.stability,
            difficulty_after=outcome.after.difficulty,
            response=response,
            correct=is_correct(content.Question.from_dict(question.content), response),
            card_before=_snapshot(memory),
        )
        session.add(review)
        session.commit()
    except (IntegrityError, StaleDataError):
        session.rollback()
        recorded = _recorded(session, user.id, token)
        if recorded is not None:
            return Answered(recorded, repeated=True)
        raise StaleAnswer(_STALE) from None
    return Answered(review, repeated=False)


_STALE = (
    "This card changed since it was shown (perhaps answered in another tab), "
    "so this answer was not recorded."
)


def _recorded(session: Session, user_id: int, token: str) -> Review | None:
    return session.scalar(select(Review).where(Review.user_id == user_id, Review.token == token))


def undo_last(session: Session, *, user: User) -> Question:
    """Take back the learner's latest answer, restoring the card as it was."""
    review = session.scalar(
        select(Review).where(Review.user_id == user.id).order_by(Review.id.desc()).limit(1)
    )
    if review is None:
        raise StudyError("There is no answer to undo.")
    card = session.get(Card, review.card_id)
    assert card is not None
    _restore(card, review.card_before)
    question = card.question
    session.delete(review)
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise StudyError("That card changed meanwhile; try again.") from None
    return question


def set_suspended(session: Session, *, user: User, question_id: int, suspended: bool) -> None:
    """Suspend (or resume) a question for this learner only."""
    if session.get(Question, question_id) is None:
        raise StudyError("This question is not available.")
    card = _card_row(session, user.id, question_id)
    if card is None:
        card = Card(user_id=user.id, question_id=question_id)
        session.add(card)
    card.suspended = suspended
    session.commit()


def flag(session: Session, *, user: User, question_id: int, reason: str, comment: str) -> None:
    if reason not in FLAG_REASONS:
        raise StudyError("Choose why you are flagging the question.")
    if session.get(Question, question_id) is None:
        raise StudyError("This question is not available.")
    session.add(
        Flag(user_id=user.id, question_id=question_id, reason=reason, comment=comment.strip())
    )
    session.commit()


def bank_overview(session: Session, user: User, now: datetime) -> list[tuple[Bank, Counts]]:
    banks = session.scalars(select(Bank).order_by(Bank.topic))
    return [(bank, counts(session, user, Scope(bank.id), now)) for bank in banks]


def update_settings(
    session: Session,
    *,
    user: User,
    desired_retention: float,
    new_per_day: int,
    reviews_per_day: int,
) -> None:
    user.desired_retention = scheduling.validate_retention(desired_retention)
    user.new_per_day, user.reviews_per_day = new_per_day, reviews_per_day
    session.commit()


def scope_options(session: Session, bank_id: int) -> tuple[list[str], list[str]]:
    """The sections and kinds a bank's active questions have, for narrowing a session."""
    rows = session.execute(
        select(Question.section, Question.kind)
        .where(Question.bank_id == bank_id, Question.retired.is_(False))
        .distinct()
    ).all()
    present = {value for row in rows for value in row}
    sections = [s.value for s in content.Section if s.value in present]
    kinds = [k.value for k in content.Kind if k.value in present]
    return sections, kinds


def custom_questions(
    session: Session, user: User, custom: Custom, *, now: datetime, tag: str | None = None
) -> tuple[int, ...] | None:
    """The questions a custom session covers; None where the whole scope is covered."""
    if custom is Custom.AHEAD:
        return tuple(
            session.scalars(
                select(Card.question_id).where(
                    Card.user_id == user.id,
                    Card.state == REVIEW_STATE,
                    Card.due <= now + STUDY_AHEAD,
                )
            )
        )
    if custom in (Custom.FAILED, Custom.INCORRECT):
        query = select(Review).where(Review.user_id == user.id).order_by(Review.id)
        if custom is Custom.FAILED:
            query = query.where(Review.reviewed_at >= day_start(now))
        else:
            query = query.where(Review.correct.is_not(None))
        latest = {review.question_id: review for review in session.scalars(query)}
        if custom is Custom.FAILED:
            return tuple(qid for qid, review in latest.items() if review.rating == Grade.AGAIN)
        return tuple(qid for qid, review in latest.items() if review.correct is False)
    if tag:
        rows = session.execute(select(Question.id, Question.content))
        return tuple(qid for qid, content in rows if tag in content.get("tags", ()))
    return None
