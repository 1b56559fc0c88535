"""Banks in the database: loading bank files by question ID (keeping every learner's
history), their maintainers, and the maintainers' edits to questions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quizapp.content import bank as content
from quizapp.content.bank import format_changed
from quizapp.content.check import check_bank_data
from quizapp.models import Bank, BankMaintainer, Question, Role, User
from quizapp.services import statements


@dataclass
class LoadReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.retired)} retired, {self.unchanged} unchanged"
        )


def content_hash(data: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def load_bank(
    session: Session,
    bank: content.Bank,
    *,
    article_text: str,
    now: datetime,
    maintainer: User | None = None,
) -> LoadReport:
    """Insert or update a bank's questions by ID; retire (never delete) the missing ones.

    A new bank records `maintainer` as who loaded it; `maintainer` is made one of the
    bank's maintainers either way.
    """
    report = LoadReport()
    row = session.scalar(select(Bank).where(Bank.slug == bank.id))
    if row is None:
        row = Bank(
            slug=bank.id,
            topic=bank.topic,
            article=article_text,
            loaded_at=now,
            loaded_by_id=maintainer.id if maintainer else None,
        )
        session.add(row)
        session.flush()
    if maintainer is not None and not _is_maintainer(session, maintainer, row):
        session.add(BankMaintainer(bank_id=row.id, user_id=maintainer.id, added_at=now))
    row.topic, row.article = bank.topic, article_text
    existing = {
        q.key: q for q in session.scalars(select(Question).where(Question.bank_id == row.id))
    }
    for position, question in enumerate(bank.questions):
        data = question.to_dict()
        digest = content_hash(data)
        stored = existing.pop(question.id, None)
        if stored is None:
            session.add(
                Question(
                    bank_id=row.id,
                    key=question.id,
                    position=position,
                    kind=question.kind.value,
                    section=question.section.value,
                    content=data,
                    content_hash=digest,
                    fact=question.fact or None,
                    created_at=now,
                    updated_at=now,
                )
            )
            report.added.append(question.id)
        elif stored.content_hash != digest or stored.retired or stored.position != position:
            if stored.content_hash != digest or stored.retired:
                stored.updated_at = now
                report.updated.append(question.id)
            else:
                report.unchanged += 1
            stored.content, stored.content_hash = data, digest
            stored.kind, stored.section = question.kind.value, question.section.value
            stored.fact = question.fact or None
            stored.position, stored.retired = position, False
        else:
            report.unchanged += 1
    for stale in existing.values():
        if not stale.retired:
            stale.retired = True
            stale.updated_at = now
            report.retired.append(stale.key)
    if report.added or report.updated or report.retired:
        row.loaded_at = now
    session.commit()
    return report


def list_banks(session: Session) -> list[Bank]:
    return list(session.scalars(select(Bank).order_by(Bank.topic)))


def find_bank(session: Session, slug: str) -> Bank | None:
    if "\x00" in slug:  # no bank is named so, and PostgreSQL refuses to compare it
        return None
    return session.scalar(statements.bank(), {"slug": slug})


def as_content(question: Question) -> content.Question:
    return content.Question.from_dict(question.content)


class BankError(ValueError):
    """A change to a bank's maintainers that cannot be made; the message is for the user."""


def _is_maintainer(session: Session, user: User, bank: Bank) -> bool:
    return (
        session.scalar(
            select(BankMaintainer.id).where(
                BankMaintainer.bank_id == bank.id, BankMaintainer.user_id == user.id
            )
        )
        is not None
    )


def can_maintain(session: Session, user: User, bank: Bank) -> bool:
    """Whether `user` may edit and retire the bank's questions: admins, and its maintainers.

    Any instructor may assign any bank; changing it changes it for every class using it.
    """
    return user.is_admin or _is_maintainer(session, user, bank)


def maintainers(session: Session, bank: Bank) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(BankMaintainer, BankMaintainer.user_id == User.id)
            .where(BankMaintainer.bank_id == bank.id)
            .order_by(User.name)
        )
    )


def add_maintainer(session: Session, bank: Bank, *, by: User, email: str, now: datetime) -> User:
    """A maintainer (or an admin) makes another instructor a maintainer of the bank."""
    if not can_maintain(session, by, bank):
        raise BankError("Only the bank's maintainers can add maintainers.")
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.role not in (Role.INSTRUCTOR.value, Role.ADMIN.value):
        raise BankError("No instructor has that email.")
    if not _is_maintainer(session, user, bank):
        session.add(BankMaintainer(bank_id=bank.id, user_id=user.id, added_at=now))
        try:
            session.commit()
        except IntegrityError:  # added by someone else at the same moment
            session.rollback()
    return user


class NotMaintainer(BankError):
    """Only the bank's maintainers (and admins) may change its questions."""


def _require_maintainer(session: Session, user: User, question: Question) -> None:
    if not can_maintain(session, user, question.bank):
        raise NotMaintainer(
            "Only this bank's maintainers can change its questions: it is shared by every "
            "class that uses it. Ask one of them, or an admin."
        )


def edit_question(
    session: Session,
    question: Question,
    *,
    by: User,
    prompt: str,
    answer: str | None,
    explanation: str,
    now: datetime,
) -> None:
    """Change a question's text in place: it keeps its ID, so learners keep their history."""
    _require_maintainer(session, by, question)
    content = {**question.content, "prompt": prompt.strip(), "explanation": explanation.strip()}
    if not content["explanation"]:
        content.pop("explanation")
    if answer is not None:
        content["answer"] = answer.strip()
    problems = check_bank_data(
        {"format": 1, "id": "edit", "topic": "edit", "article": "edit", "questions": [content]},
        file="",
        article_text=None,
    )
    if problems:
        raise BankError("; ".join(f"{p.field}: {p.message}" for p in problems))
    content["changed"] = format_changed(now)
    question.content = content
    question.content_hash = content_hash(content)
    question.updated_at = now
    session.commit()


def set_retired(
    session: Session, question: Question, *, retired: bool, by: User, now: datetime
) -> None:
    """Retire a question (hidden from study, history kept) or bring it back."""
    _require_maintainer(session, by, question)
    question.retired = retired
    question.updated_at = now
    session.commit()
