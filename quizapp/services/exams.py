"""Exam mode: a timed quiz drawn from an assignment's questions, feedback at the end.

Exams do not touch the learner's schedule. Each answer is saved as it is given; at the
time limit the attempt is handed in with what was saved by then, whether or not the page
is still open (an expired attempt is marked the next time anything reads it). Answers
that reach the server after the limit (beyond a short grace for the network) are kept as
late, shown to the learner, and not marked. A hand-in is recorded once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quizapp.content import bank as content
from quizapp.content.kinds import MARKABLE, is_correct
from quizapp.models import Assignment, ExamAttempt, Question, User
from quizapp.services.assignments import question_set

GRACE = timedelta(seconds=30)


class ExamError(ValueError):
    """An exam action that cannot be done; the message is for the learner."""


@dataclass(frozen=True)
class Marked:
    question: content.Question
    response: str | None
    correct: bool
    late: str | None = None


@dataclass(frozen=True)
class Standing:
    """Where a trainee stands with an assignment's exam, for the home page."""

    questions: int  # how many questions an attempt draws (0: no exam can be taken)
    attempts_used: int
    attempts_allowed: int
    best: float | None
    open_attempt: ExamAttempt | None

    @property
    def attempts_left(self) -> int:
        return max(0, self.attempts_allowed - self.attempts_used)

    @property
    def can_start(self) -> bool:
        return self.questions > 0 and (self.open_attempt is not None or self.attempts_left > 0)


def markable_pool(session: Session, assignment: Assignment) -> list[int]:
    """The assignment's questions an exam can mark automatically."""
    return [q.id for q in question_set(session, assignment) if q.kind in MARKABLE]


def attempts(session: Session, *, user: User, assignment: Assignment) -> list[ExamAttempt]:
    return list(
        session.scalars(
            select(ExamAttempt)
            .where(ExamAttempt.assignment_id == assignment.id, ExamAttempt.user_id == user.id)
            .order_by(ExamAttempt.number)
        )
    )


def _expired(attempt: ExamAttempt, now: datetime) -> bool:
    return attempt.finished_at is None and now > attempt.deadline + GRACE


def _hand_in(session: Session, attempt: ExamAttempt, finished_at: datetime) -> None:
    """Mark what was saved; the caller commits."""
    saved = attempt.responses or {}
    questions = questions_of(session, attempt)
    right = sum(bool(is_correct(q, saved.get(str(qid)))) for qid, q in questions)
    attempt.score = right / len(questions) if questions else 0.0
    attempt.finished_at = finished_at


def close_expired(session: Session, found: list[ExamAttempt], *, now: datetime) -> None:
    """Hand in, at their deadline, the attempts whose time ran out with the page closed."""
    expired = [attempt for attempt in found if _expired(attempt, now)]
    for attempt in expired:
        _hand_in(session, attempt, attempt.deadline)
    if expired:
        session.commit()


def standing(session: Session, *, user: User, assignment: Assignment, now: datetime) -> Standing:
    """The trainee's attempts, best score and whether an exam can be taken or resumed."""
    found = attempts(session, user=user, assignment=assignment)
    close_expired(session, found, now=now)
    size = min(assignment.exam_questions or 0, len(markable_pool(session, assignment)))
    scores = [a.score for a in found if a.score is not None]
    return Standing(
        questions=size,
        attempts_used=len(found),
        attempts_allowed=assignment.exam_attempts,
        best=max(scores) if scores else None,
        open_attempt=next((a for a in found if a.finished_at is None), None),
    )


def start(session: Session, *, user: User, assignment: Assignment, now: datetime) -> ExamAttempt:
    """Resume the unfinished attempt, or draw a new one if attempts remain."""
    if not assignment.exam_questions:
        raise ExamError("This assignment has no exam.")
    previous = attempts(session, user=user, assignment=assignment)
    close_expired(session, previous, now=now)
    unfinished = next((a for a in previous if a.finished_at is None), None)
    if unfinished is not None:
        return unfinished
    if len(previous) >= assignment.exam_attempts:
        raise ExamError("You have used all your attempts at this exam.")
    pool = markable_pool(session, assignment)
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
        responses={},
        review_marks=[],
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


def own_attempt(
    session: Session, *, user: User, attempt_id: int, now: datetime | None = None
) -> ExamAttempt | None:
    """The learner's attempt; with `now`, handed in first if its time ran out."""
    attempt = session.scalar(
        select(ExamAttempt).where(ExamAttempt.id == attempt_id, ExamAttempt.user_id == user.id)
    )
    if attempt is not None and now is not None:
        close_expired(session, [attempt], now=now)
    return attempt


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


def _store(attempt: ExamAttempt, responses: dict[int, str | None], *, on_time: bool) -> list[int]:
    """Keep the given answers, or file them as late; returns the questions answered late."""
    saved = dict(attempt.responses or {})
    late = dict(attempt.late or {})
    late_now = []
    for qid, response in responses.items():
        key = str(qid)
        if on_time:
            if response:
                saved[key] = response
            else:
                saved.pop(key, None)
        elif response and response != saved.get(key):
            late[key] = response
            late_now.append(qid)
    attempt.responses, attempt.late = saved, late
    return late_now


def save(
    session: Session,
    *,
    attempt: ExamAttempt,
    responses: dict[int, str | None],
    review_marks: set[int] | None = None,
    now: datetime,
) -> list[int]:
    """Save answers given so far (and the questions marked for review) before hand-in.

    Returns the questions whose answers came too late to count.
    """
    if attempt.finished_at is not None:
        raise ExamError("This exam has been handed in; answers can no longer change.")
    ids = set(attempt.question_ids)
    responses = {qid: r for qid, r in responses.items() if qid in ids}
    on_time = now <= attempt.deadline + GRACE
    late = _store(attempt, responses, on_time=on_time)
    if review_marks is not None and on_time:
        attempt.review_marks = sorted(review_marks & ids)
    if not on_time:
        _hand_in(session, attempt, attempt.deadline)
    session.commit()
    return late


def submit(
    session: Session, *, attempt: ExamAttempt, responses: dict[int, str | None], now: datetime
) -> ExamAttempt:
    """Hand in: mark the answers saved by the deadline; a repeated hand-in changes nothing.

    Answers sent with a late hand-in are kept as late and not marked.
    """
    if attempt.finished_at is not None:
        return attempt
    on_time = now <= attempt.deadline + GRACE
    ids = set(attempt.question_ids)
    _store(attempt, {qid: r for qid, r in responses.items() if qid in ids}, on_time=on_time)
    _hand_in(session, attempt, now if on_time else attempt.deadline)
    session.commit()
    return attempt


def marked(session: Session, attempt: ExamAttempt) -> list[Marked]:
    answers = attempt.responses or {}
    late = attempt.late or {}
    return [
        Marked(
            question,
            answers.get(str(qid)),
            bool(is_correct(question, answers.get(str(qid)))),
            late.get(str(qid)),
        )
        for qid, question in questions_of(session, attempt)
    ]


def best_scores(
    session: Session, assignment: Assignment, *, now: datetime | None = None
) -> dict[int, float]:
    """Each trainee's best finished score on the assignment's exam.

    With `now`, attempts whose time ran out are handed in first, so they count.
    """
    if now is not None:
        unfinished = session.scalars(
            select(ExamAttempt).where(
                ExamAttempt.assignment_id == assignment.id, ExamAttempt.finished_at.is_(None)
            )
        )
        close_expired(session, list(unfinished), now=now)
    rows = session.execute(
        select(ExamAttempt.user_id, func.max(ExamAttempt.score))
        .where(ExamAttempt.assignment_id == assignment.id, ExamAttempt.score.is_not(None))
        .group_by(ExamAttempt.user_id)
    )
    return {user_id: score for user_id, score in rows}
