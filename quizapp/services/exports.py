"""Anki exports of loaded banks, with each note dated by when its question last changed."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.content import bank as content
from quizapp.export.anki import write_package
from quizapp.models import Assignment, Bank, Question
from quizapp.services.assignments import question_set
from quizapp.services.banks import content_hash


def change_times(session: Session, banks: Sequence[content.Bank]) -> dict[tuple[str, str], int]:
    """When each question last changed, as the database knows it.

    A question the database does not have in this form (edited but not loaded yet) is
    left out, so it takes the export time: newer than any earlier export of it.
    """
    times: dict[tuple[str, str], int] = {}
    for bank in banks:
        stored = {
            row.key: row
            for row in session.scalars(select(Question).join(Bank).where(Bank.slug == bank.id))
        }
        for question in bank.questions:
            row = stored.get(question.id)
            if row is not None and row.content_hash == content_hash(question.to_dict()):
                times[bank.id, question.id] = int(row.updated_at.timestamp())
    return times


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


def export_anki(
    session: Session, banks: Sequence[content.Bank], path: Path, *, now: datetime
) -> None:
    """Write an .apkg whose notes update in Anki exactly when their questions changed."""
    write_package(banks, path, timestamp=now.timestamp(), modified=change_times(session, banks))
