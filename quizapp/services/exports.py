"""Anki exports of loaded banks; each note is dated by its question's `changed` time."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fsrs import State
from fsrs.scheduler import DEFAULT_PARAMETERS
from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.content import bank as content
from quizapp.export.anki import CardSchedule, LoggedReview, write_package
from quizapp.models import Assignment, Bank, Card, Question, Review, User
from quizapp.scheduling import LEARNING_STEPS, RELEARNING_STEPS
from quizapp.services import statements
from quizapp.services.assignments import question_set
from quizapp.services.learners import settings_for


def loaded_bank(session: Session, bank: Bank) -> content.Bank:
    """A bank as loaded in the database: its active questions, in bank order."""
    questions = session.scalars(
        select(Question)
        .where(Question.bank_id == bank.id, statements.LIVE)
        .order_by(Question.position)
    )
    return content.Bank(
        id=bank.slug,
        topic=bank.topic,
        article="",
        questions=tuple(content.Question.from_dict(q.content) for q in questions),
    )


def _plain(title: str) -> str:
    """A title as the plain text a deck name is: markup dropped, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>?", " ", title)).split())


def assignment_bank(session: Session, assignment: Assignment) -> content.Bank:
    """An assignment's question set as a bank, named after the assignment (as text)."""
    return content.Bank(
        id=assignment.bank.slug,
        topic=f"{assignment.bank.topic} – {_plain(assignment.title)}",
        article="",
        questions=tuple(
            content.Question.from_dict(q.content) for q in question_set(session, assignment)
        ),
    )


def export_anki(banks: Sequence[content.Bank], path: Path, *, now: datetime) -> None:
    """Write an .apkg whose notes update in Anki exactly when their questions changed."""
    write_package(banks, path, timestamp=now.timestamp())


def _steps_left(card: Card) -> int:
    steps = LEARNING_STEPS if card.state == State.Learning.value else RELEARNING_STEPS
    return max(1, len(steps) - (card.step or 0))


def personal_schedules(
    session: Session, *, user: User, bank: Bank
) -> dict[tuple[str, str], CardSchedule]:
    """The learner's schedule of each question of a bank they have studied, for Anki.

    Each card carries its FSRS memory state, due date and every answer in its review log,
    so Anki carries on where quizapp left off.
    """
    settings = settings_for(user, fuzz=False)
    decay = (settings.parameters or DEFAULT_PARAMETERS)[20]
    rows = session.execute(
        select(Card, Question.key)
        .join(Question, Card.question_id == Question.id)
        .where(
            Card.user_id == user.id,
            Question.bank_id == bank.id,
            statements.LIVE,
            Card.last_review.is_not(None),
        )
    ).all()
    histories: dict[int, list[Review]] = defaultdict(list)
    for review in session.scalars(
        select(Review)
        .where(Review.card_id.in_([card.id for card, _ in rows]))
        .order_by(Review.reviewed_at, Review.id)
    ):
        histories[review.card_id].append(review)
    schedules = {}
    for card, key in rows:
        history = histories[card.id]
        # Each answer's interval runs to the due date the next answer found.
        dues = [
            datetime.fromisoformat(later.card_before["due"])
            if later.card_before.get("due")
            else later.reviewed_at
            for later in history[1:]
        ] + [card.due]
        schedules[bank.slug, key] = CardSchedule(
            state=card.state,
            steps_left=_steps_left(card),
            stability=card.stability,
            difficulty=card.difficulty,
            due=card.due,
            last_review=card.last_review,
            reps=card.reps,
            lapses=card.lapses,
            desired_retention=user.desired_retention,
            decay=decay,
            suspended=card.suspended,
            reviews=tuple(
                LoggedReview(
                    at=review.reviewed_at,
                    rating=review.rating,
                    duration_ms=review.duration_ms,
                    state_before=review.state_before,
                    interval=due - review.reviewed_at,
                )
                for review, due in zip(history, dues, strict=True)
            ),
        )
    return schedules


def export_personal_anki(
    session: Session, *, user: User, bank: Bank, path: Path, now: datetime
) -> None:
    """Write a bank as an .apkg whose cards carry this learner's schedule and history."""
    write_package(
        [loaded_bank(session, bank)],
        path,
        timestamp=now.timestamp(),
        schedules=personal_schedules(session, user=user, bank=bank),
    )
