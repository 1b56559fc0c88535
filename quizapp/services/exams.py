"""Exam mode: a timed quiz drawn from an assignment's questions, feedback at the end.

Exams do not touch the learner's schedule. A submission is recorded once; answers sent
after the time limit (with a short grace for the network) score nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quizapp.content import bank as content
from quizapp.content.responses import is_correct
from quizapp.models import Assignment, ExamAttempt, Question, User
from quizapp.services.assignments import question_set

GRACE = timedelta(seconds=30)
UNSCORABLE = {content.Kind.BASIC.value}


class ExamError(ValueError):
    """An exam action that cannot be done; the message is for the learner."""


@dataclass(frozen=True)
class Marked:
    question: content.Question
    response: str | None
    correct: bool


def attempts(session: Session, *, user: User, assignment: Assignment) -> list[ExamAttempt]:
    return list(
        session.scalars(
            select(ExamAttempt)
            .where(ExamAttempt.assignment_id == assignment.id, ExamAttempt.user_id == user.id)
            .order_by(ExamAttempt.number)
        )
    )


def start(session: Session, *, user: User, assignment: Assignment, now: datetime) -> ExamAttempt:
    """Resume the unfinished attempt, or draw a new one if attempts remain."""
    if not assignment.exam_questions:
        raise ExamError("This assignment has no exam.")
    previous = attempts(session, user=user, assignment=assignment)
    unfinished = next((a for a in previous if a.finished_at is None and now <= a.deadline), None)
    if unfinished is not None:
        return unfinished
    if len(previous) >= assignment.exam_attempts:
        raise ExamError("You have used all your attempts at this exam.")
    pool = [q.id for q in question_set(session, assignment) if q.kind not in UNSCORABLE]
    if not pool:
        raise ExamError("This assignment has no questions that can be marked.")
    number = len(previous) + 1
    drawn = random.Random(f"{assignment.id}:{user.id}:{number}").sample(
        pool, min(assignment.exam_questions, len(pool))
    )
    attempt = ExamAttempt(
        assignment_id=assignment.id,
        user_id=user.id,
        number=number,
        question_ids=drawn,
        started_at=now,
        deadline=now + timedelta(minutes=assignment.exam_minutes),
    )
    session.add(attempt)
    try:
        session.commit()
    except IntegrityError:  # the same start sent twice at once
        session.rollback()
        return attempts(session, user=user, assignment=assignment)[-1]
    return attempt


def own_attempt(session: Session, *, user: User, attempt_id: int) -> ExamAttempt | None:
    return session.scalar(
        select(ExamAttempt).where(ExamAttempt.id == attempt_id, ExamAttempt.user_id == user.id)
    )


def questions_of(session: Session, attempt: ExamAttempt) -> list[tuple[int, content.Question]]:
    rows = {
        q.id: q
        for q in session.scalars(select(Question).where(Question.id.in_(attempt.question_ids)))
    }
    return [
        (qid, content.Question.from_dict(rows[qid].content))
        for qid in attempt.question_ids
        if qid in rows
    ]


def submit(
    session: Session, *, attempt: ExamAttempt, responses: dict[int, str | None], now: datetime
) -> ExamAttempt:
    """Mark the attempt once; a repeated or late submission changes nothing more."""
    if attempt.finished_at is not None:
        return attempt
    on_time = now <= attempt.deadline + GRACE
    kept = {str(qid): response for qid, response in responses.items() if on_time and response}
    questions = questions_of(session, attempt)
    right = sum(bool(is_correct(question, kept.get(str(qid)))) for qid, question in questions)
    attempt.responses = kept
    attempt.score = right / len(questions) if questions else 0.0
    attempt.finished_at = now
    session.commit()
    return attempt


def marked(session: Session, attempt: ExamAttempt) -> list[Marked]:
    answers = attempt.responses or {}
    return [
        Marked(question, answers.get(str(qid)), bool(is_correct(question, answers.get(str(qid)))))
        for qid, question in questions_of(session, attempt)
    ]


def best_scores(session: Session, assignment: Assignment) -> dict[int, float]:
    """Each trainee's best finished score on the assignment's exam."""
    rows = session.execute(
        select(ExamAttempt.user_id, func.max(ExamAttempt.score))
        .where(ExamAttempt.assignment_id == assignment.id, ExamAttempt.score.is_not(None))
        .group_by(ExamAttempt.user_id)
    )
    return {user_id: score for user_id, score in rows}
