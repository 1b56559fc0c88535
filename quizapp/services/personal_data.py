"""A learner's own data, for them to download: settings, schedule, reviews, flags, exams."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.models import (
    Bank,
    Card,
    ExamAttempt,
    ExtraNewCards,
    Flag,
    Question,
    Review,
    User,
)
from quizapp.services import presets
from quizapp.services.classes import classes_joined


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def learner_data(session: Session, user: User, *, now: datetime) -> dict[str, Any]:
    """Everything quizapp keeps about this learner, and nothing about anyone else."""
    own_presets, banks = presets.overview(session, user)
    keys = {
        question_id: (slug, key)
        for question_id, slug, key in session.execute(
            select(Question.id, Bank.slug, Question.key).join(Bank)
        )
    }

    def question(question_id: int) -> dict[str, str]:
        slug, key = keys[question_id]
        return {"bank": slug, "question": key}

    return {
        "exported_at": now.isoformat(),
        "account": {
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "created_at": _when(user.created_at),
        },
        "settings": {
            "desired_retention": user.desired_retention,
            "new_per_day": user.new_per_day,
            "reviews_per_day": user.reviews_per_day,
            "fsrs_parameters": user.fsrs_parameters,
            "timezone": user.timezone,
            "day_starts_at": user.day_starts_at,
            "leech_action": user.leech_action,
            "learning_steps_seconds": user.learning_steps,
            "relearning_steps_seconds": user.relearning_steps,
            "maximum_interval": user.maximum_interval,
            "presets": [
                {
                    "name": preset.name,
                    "desired_retention": preset.desired_retention,
                    "new_per_day": preset.new_per_day,
                    "reviews_per_day": preset.reviews_per_day,
                    "learning_steps_seconds": preset.learning_steps,
                    "relearning_steps_seconds": preset.relearning_steps,
                    "maximum_interval": preset.maximum_interval,
                    "banks": [bank.slug for bank, chosen in banks if chosen == preset.id],
                }
                for preset in own_presets
            ],
        },
        "classes": [classroom.name for classroom in classes_joined(session, user)],
        "extra_new_cards": [
            {"study_day_start": _when(extra.day_start), "extra": extra.extra}
            for extra in session.scalars(
                select(ExtraNewCards).where(ExtraNewCards.user_id == user.id)
            )
        ],
        "cards": [
            {
                **question(card.question_id),
                "state": card.state,
                "step": card.step,
                "stability": card.stability,
                "difficulty": card.difficulty,
                "due": _when(card.due),
                "last_review": _when(card.last_review),
                "reps": card.reps,
                "lapses": card.lapses,
                "suspended": card.suspended,
            }
            for card in session.scalars(select(Card).where(Card.user_id == user.id))
        ],
        "reviews": [
            {
                **question(review.question_id),
                "rating": review.rating,
                "reviewed_at": _when(review.reviewed_at),
                "duration_ms": review.duration_ms,
                "state_before": review.state_before,
                "state_after": review.state_after,
                "response": review.response,
                "correct": review.correct,
                "given_in": review.source,
            }
            for review in session.scalars(
                select(Review).where(Review.user_id == user.id).order_by(Review.reviewed_at)
            )
        ],
        "flags": [
            {
                **question(flag.question_id),
                "reason": flag.reason,
                "comment": flag.comment,
                "created_at": _when(flag.created_at),
                "updated_at": _when(flag.updated_at),
            }
            for flag in session.scalars(select(Flag).where(Flag.user_id == user.id))
        ],
        "exam_attempts": [
            {
                "assignment": attempt.assignment.title,
                "number": attempt.number,
                "started_at": _when(attempt.started_at),
                "finished_at": _when(attempt.finished_at),
                "score": attempt.score,
                "answers": {
                    "{bank}/{question}".format(**question(int(qid))): response
                    for qid, response in (attempt.responses or {}).items()
                },
                "late_answers": {
                    "{bank}/{question}".format(**question(int(qid))): response
                    for qid, response in (attempt.late or {}).items()
                },
                "marked_for_review": [
                    "{bank}/{question}".format(**question(qid))
                    for qid in attempt.review_marks or []
                ],
            }
            for attempt in session.scalars(
                select(ExamAttempt).where(ExamAttempt.user_id == user.id)
            )
        ],
    }
