"""Personalise a learner's scheduler: fit FSRS parameters to their reviews, then reschedule."""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp import jobs
from quizapp.jobs import JobState
from quizapp.models import Question, Review, User
from quizapp.scheduling import Settings, optimize
from quizapp.scheduling.optimize import Answer, Fit, OptimizeError
from quizapp.services import cards, presets
from quizapp.services.cards import CardChanged
from quizapp.services.learners import settings_for, study_day


@dataclass(frozen=True)
class Optimized:
    fit: Fit
    rescheduled: int

    @property
    def stored(self) -> bool:
        return self.fit.improved

    def summary(self) -> str:
        fit = self.fit
        losses = (
            f"on your latest {fit.held_out} reviews, which the fit did not see: log loss "
            f"{fit.old_loss:.4f} with the old parameters, {fit.new_loss:.4f} with the new"
        )
        if not self.stored:
            return (
                f"Personalised parameters did not predict better ({losses}), "
                "so nothing was changed."
            )
        return (
            f"Scheduler personalised from {fit.usable} reviews: {losses} "
            f"({fit.improvement:.1%} lower). {self.rescheduled} cards were rescheduled."
        )


def answers_of(session: Session, user: User) -> list[Answer]:
    rows = session.execute(
        select(Review.card_id, Review.rating, Review.reviewed_at, Review.duration_ms)
        .where(Review.user_id == user.id)
        .order_by(Review.reviewed_at, Review.id)
    ).all()
    return [Answer(*row) for row in rows]


def optimize_user(session: Session, *, user: User, fuzz: bool) -> Optimized:
    """Fit the learner's parameters; keep them only if they predict unseen reviews better.

    Raises OptimizeError (too few reviews, optimiser not installed) with a message for people.
    """
    current = tuple(user.fsrs_parameters) if user.fsrs_parameters else None
    fit = optimize.fit(answers_of(session, user), current, day=study_day(user))
    if not fit.improved:
        return Optimized(fit, rescheduled=0)
    user.fsrs_parameters = list(fit.new)
    try:
        rescheduled = _reschedule(session, user, fuzz=fuzz)
        session.commit()
    except CardChanged:
        session.rollback()
        raise OptimizeError(
            "A card was answered while the scheduler was being personalised; "
            "nothing was changed. Try again."
        ) from None
    return Optimized(fit, rescheduled=rescheduled)


def _reschedule(session: Session, user: User, *, fuzz: bool) -> int:
    """Recompute every reviewed card's state and due date as if always scheduled this way.

    Fitting takes seconds, so the reviews are read again, after the cards: an answer given
    meanwhile is replayed, and one given from now on makes the card refuse the new state.
    """
    stored = cards.load(session, user_id=user.id)
    histories = optimize.by_card(answers_of(session, user))
    reviewed = [card for card in stored.values() if card.card_id in histories]
    ids = [card.question_id for card in reviewed]
    banks = dict(
        session.execute(select(Question.id, Question.bank_id).where(Question.id.in_(ids))).all()
    )
    by_bank: dict[int, Settings] = {}
    for card in reviewed:
        bank_id = banks[card.question_id]
        if bank_id not in by_bank:
            options = presets.for_bank(session, user, bank_id)
            by_bank[bank_id] = settings_for(user, fuzz=fuzz, options=options)
        history = histories[card.card_id]
        memory = optimize.replay(by_bank[bank_id], card_id=card.card_id, answers=history)
        cards.save(session, card, memory=memory)
    return len(reviewed)


JOB = "optimize"
_NO_QUEUE = (
    "Background jobs are not available right now (the queue cannot be reached), "
    "so nothing was started. Try again later."
)


def request_fit(redis: Redis, *, user: User) -> tuple[JobState, bool]:
    """Queue fitting the learner's scheduler unless a fit is already queued or running.

    Returns the job's state and whether this call queued it.
    """
    try:
        return jobs.enqueue(redis, JOB, key=str(user.id), user_id=user.id)
    except RedisError:
        raise OptimizeError(_NO_QUEUE) from None


def fit_state(redis: Redis, *, user: User) -> JobState:
    """The learner's latest fit: queued, started, finished (with its message) or failed;
    status "unavailable" when the queue cannot be reached."""
    try:
        return jobs.state(redis, JOB, key=str(user.id))
    except RedisError:
        return JobState(jobs.job_id(JOB, str(user.id)), "unavailable")


def optimize_task(*, user_id: int) -> dict[str, object]:
    """The background job: fit one learner's parameters and say how it went.

    Returns {"stored": bool, "message": str}; a history that cannot be fitted is a
    finished job whose message says why, not a failure.
    """
    from flask import current_app

    from quizapp.extensions import db

    session = db.session
    user = session.get(User, user_id)
    if user is None:
        return {"stored": False, "message": "This account no longer exists."}
    try:
        result = optimize_user(session, user=user, fuzz=current_app.config["SCHEDULER_FUZZ"])
    except OptimizeError as error:
        session.rollback()
        return {"stored": False, "message": str(error)}
    return {"stored": result.stored, "message": result.summary()}
