"""Assignments: the question sets given to a class, and who may see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.content.kinds import MARKABLE
from quizapp.models import (
    Assignment,
    Bank,
    Classroom,
    Membership,
    Question,
    User,
)
from quizapp.services import statements
from quizapp.services.classes import INSTRUCTOR, TRAINEE

STATUSES = ("draft", "open", "closed")
TARGET_REVIEWS, TARGET_RETENTION = "reviews", "retention"


class AssignmentError(ValueError):
    """An assignment action that cannot be done; the message is for the user."""


class ExamSetError(AssignmentError):
    """The exam settings cannot work with the selected questions."""


@dataclass(frozen=True)
class Selection:
    """Which questions of a bank an assignment covers; empty filters take everything."""

    sections: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, list[str]]:
        return {
            name: list(getattr(self, name)) for name in ("sections", "kinds", "tags", "questions")
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Selection:
        return cls(
            **{
                name: tuple(data.get(name, ()))
                for name in ("sections", "kinds", "tags", "questions")
            }
        )

    def matches(self, question: Question) -> bool:
        tags = question.content.get("tags", [])
        return (
            (not self.sections or question.section in self.sections)
            and (not self.kinds or question.kind in self.kinds)
            and (not self.tags or any(tag in tags for tag in self.tags))
            and (not self.questions or question.key in self.questions)
        )


def create_assignment(
    session: Session,
    classroom: Classroom,
    *,
    bank: Bank,
    title: str,
    selection: Selection,
    opens_at: datetime,
    due_at: datetime,
    exam_at: datetime | None,
    target_kind: str,
    target_reviews: int,
    target_retention: float,
    target_share: float,
    exam_questions: int | None = None,
    exam_minutes: int = 20,
    exam_attempts: int = 1,
) -> Assignment:
    if due_at <= opens_at:
        raise AssignmentError("The due date must come after the opening date.")
    if target_kind not in (TARGET_REVIEWS, TARGET_RETENTION):
        raise AssignmentError("Choose a target.")
    assignment = Assignment(
        class_id=classroom.id,
        bank_id=bank.id,
        title=title.strip(),
        selection=selection.to_dict(),
        opens_at=opens_at,
        due_at=due_at,
        exam_at=exam_at,
        target_kind=target_kind,
        target_reviews=target_reviews,
        target_retention=target_retention,
        target_share=target_share,
        exam_questions=exam_questions,
        exam_minutes=exam_minutes,
        exam_attempts=exam_attempts,
    )
    chosen = question_set(session, assignment)
    if not chosen:
        raise AssignmentError("No questions of that bank match the selection.")
    if exam_questions and not any(question.kind in MARKABLE for question in chosen):
        raise ExamSetError(
            "None of the selected questions can be marked automatically (question-and-answer "
            "cards are graded by the learner), so they cannot make an exam: select other "
            "kinds or leave the exam out."
        )
    session.add(assignment)
    session.commit()
    return assignment


def selected(assignment: Assignment, selection: Selection, *, retired: bool = False) -> Any:
    """The bank's active (or retired) questions in the selection's sections, kinds and
    question keys, in bank order; tags live in the question's content, so `matches`
    checks those."""
    query = select(Question).where(
        Question.bank_id == assignment.bank_id,
        Question.retired.is_(True) if retired else statements.LIVE,
    )
    for column, wanted in (
        (Question.section, selection.sections),
        (Question.kind, selection.kinds),
        (Question.key, selection.questions),
    ):
        if wanted:
            query = query.where(column.in_(wanted))
    return query.order_by(Question.position)


def question_set(session: Session, assignment: Assignment) -> list[Question]:
    selection = Selection.from_dict(assignment.selection)
    rows = session.scalars(selected(assignment, selection))
    return [row for row in rows if selection.matches(row)]


def question_ids(session: Session, assignment: Assignment) -> tuple[int, ...]:
    """The ids of `question_set`, without loading the questions unless tags narrow it."""
    selection = Selection.from_dict(assignment.selection)
    if selection.tags:
        return tuple(question.id for question in question_set(session, assignment))
    query = selected(assignment, selection).with_only_columns(Question.id)
    return tuple(session.scalars(query))


def set_status(session: Session, assignment: Assignment, status: str) -> None:
    if status not in STATUSES:
        raise AssignmentError("Unknown status.")
    assignment.status = status
    session.commit()


def of_member(user: User, role: str) -> Any:
    """Assignments of the classes where this user has this role."""
    return (
        select(Assignment)
        .join(Membership, Membership.class_id == Assignment.class_id)
        .where(Membership.user_id == user.id, Membership.role == role)
    )


def taught_assignment(session: Session, *, user: User, assignment_id: int) -> Assignment | None:
    """The assignment, if this user teaches its class."""
    return session.scalar(of_member(user, INSTRUCTOR).where(Assignment.id == assignment_id))


def open_assignment_for(session: Session, *, user: User, assignment_id: int) -> Assignment | None:
    """An open assignment of a class this trainee is in."""
    return session.scalar(
        of_member(user, TRAINEE).where(Assignment.id == assignment_id, Assignment.status == "open")
    )


def overdue_questions(
    session: Session, user: User, *, bank_id: int, now: datetime
) -> tuple[int, ...]:
    """Questions of this bank in the trainee's open assignments that are past due."""
    parameters = {"user_id": user.id, "role": TRAINEE, "bank_id": bank_id, "now": now}
    overdue = session.scalars(statements.overdue_assignments(), parameters)
    return tuple(sorted({qid for each in overdue for qid in question_ids(session, each)}))


def retired_questions(session: Session, assignment: Assignment) -> list[Question]:
    """The retired questions the assignment's selection would otherwise include."""
    selection = Selection.from_dict(assignment.selection)
    query = selected(assignment, selection, retired=True)
    return [row for row in session.scalars(query) if selection.matches(row)]
