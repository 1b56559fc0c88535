"""Anki exports of loaded banks; each note is dated by its question's `changed` time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.content import bank as content
from quizapp.export.anki import write_package
from quizapp.models import Assignment, Bank, Question
from quizapp.services.assignments import question_set


def loaded_bank(session: Session, bank: Bank) -> content.Bank:
    """A bank as loaded in the database: its active questions, in bank order."""
    questions = session.scalars(
        select(Question)
        .where(Question.bank_id == bank.id, Question.retired.is_(False))
        .order_by(Question.position)
    )
    return content.Bank(
        id=bank.slug,
        topic=bank.topic,
        article="",
        questions=tuple(content.Question.from_dict(q.content) for q in questions),
    )


def assignment_bank(session: Session, assignment: Assignment) -> content.Bank:
    """An assignment's question set as a bank, named after the assignment."""
    return content.Bank(
        id=assignment.bank.slug,
        topic=f"{assignment.bank.topic} – {assignment.title}",
        article="",
        questions=tuple(
            content.Question.from_dict(q.content) for q in question_set(session, assignment)
        ),
    )


def export_anki(banks: Sequence[content.Bank], path: Path, *, now: datetime) -> None:
    """Write an .apkg whose notes update in Anki exactly when their questions changed."""
    write_package(banks, path, timestamp=now.timestamp())
