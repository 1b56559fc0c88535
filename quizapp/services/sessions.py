"""A study session: what a study page's query asks for, checked and turned into a scope.

Every study page (card, answer side, options) and every action that returns to one
(answer, undo, flag, suspend) carries the session in the same query parameters,
`Asked.params()`; `start` is the one call that turns them into the queue's scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from quizapp.models import Assignment, User
from quizapp.services import assignments
from quizapp.services.study import (
    Custom,
    OpenedBank,
    Scope,
    StudyError,
    custom_questions,
    outside_exams,
)

MAX_TAG = 100


class NoSuchAssignment(StudyError):
    """The session names an assignment the learner has not got open in this bank."""


@dataclass(frozen=True)
class Asked:
    """A study session as its query asks for it; unknown values are left out."""

    section: str | None = None
    kind: str | None = None
    assignment_id: int | None = None
    custom: Custom | None = None
    tag: str | None = None
    reschedule: bool = False
    # Custom study walks the bank in order: it goes on after this position.
    after: int | None = None

    @classmethod
    def parse(
        cls,
        *,
        section: str | None,
        kind: str | None,
        assignment_id: int | None,
        custom: str | None,
        tag: str | None,
        reschedule: str | None,
        after: int | None,
    ) -> Asked:
        try:
            chosen = Custom(custom) if custom else None
        except ValueError:
            chosen = None
        return cls(
            section=section or None,
            kind=kind or None,
            assignment_id=assignment_id,
            custom=chosen,
            tag=((tag or "").strip()[:MAX_TAG] or None) if chosen else None,
            reschedule=chosen is not None and reschedule == "1",
            after=after if chosen else None,
        )

    def params(self) -> dict[str, str]:
        """The query parameters that keep the session (`after` travels with an answer)."""
        values = {
            "section": self.section,
            "kind": self.kind,
            "assignment": str(self.assignment_id) if self.assignment_id else None,
            "custom": self.custom.value if self.custom else None,
            "tag": self.tag,
            "reschedule": "1" if self.reschedule else None,
        }
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class StudySession:
    scope: Scope
    asked: Asked
    assignment: Assignment | None = None

    @property
    def params(self) -> dict[str, str]:
        return self.asked.params()


def start(
    session: Session,
    *,
    user: User,
    bank: OpenedBank,
    asked: Asked,
    now: datetime,
    sections: Sequence[str] = (),
    kinds: Sequence[str] = (),
) -> StudySession:
    """The session's scope: the narrowing (only to a section or kind the bank has, of
    `sections` and `kinds`), an open assignment's questions, a custom study's choice, the
    learner's overdue assignment questions first, and none of an open exam's questions.

    Raises NoSuchAssignment for an assignment the learner has not got open in this bank.
    """
    asked = replace(
        asked,
        section=asked.section if asked.section in sections else None,
        kind=asked.kind if asked.kind in kinds else None,
    )
    question_ids = None
    assignment = None
    if asked.assignment_id is not None:
        assignment = assignments.open_assignment_for(
            session, user=user, assignment_id=asked.assignment_id
        )
        if assignment is None or assignment.bank_id != bank.id:
            raise NoSuchAssignment("That assignment is not open to you in this bank.")
        question_ids = assignments.question_ids(session, assignment)
    if asked.custom is not None:
        chosen = custom_questions(session, user, asked.custom, now=now, tag=asked.tag)
        if chosen is not None:
            question_ids = (
                chosen if question_ids is None else tuple(set(chosen) & set(question_ids))
            )
    first = (
        assignments.overdue_questions(session, user, bank_id=bank.id, now=now)
        if bank.overdue
        else ()
    )
    scope = Scope(
        bank.id,
        asked.section,
        asked.kind,
        question_ids,
        first,
        in_order=asked.custom is not None,
        after=asked.after,
        exams_left_out=not bank.in_exam,
    )
    return StudySession(outside_exams(session, user, scope, now), asked, assignment)
