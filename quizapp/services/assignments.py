"""Assignments: question sets given to a class, their progress and item analysis."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import fmean
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp import scheduling
from quizapp.analysis import item_statistics
from quizapp.content.bank import Section, format_changed
from quizapp.content.check import check_bank_data
from quizapp.content.responses import MARKABLE
from quizapp.models import (
    ANKI,
    Assignment,
    Bank,
    Card,
    Classroom,
    Flag,
    Membership,
    Question,
    Review,
    User,
)
from quizapp.services import statements
from quizapp.services.banks import can_maintain, content_hash
from quizapp.services.classes import INSTRUCTOR, TRAINEE, trainees
from quizapp.services.study import day_start, memory_of, settings_for

STATUSES = ("draft", "open", "closed")
TARGET_REVIEWS, TARGET_RETENTION = "reviews", "retention"
REVIEW_STATE = 2
FLAGGED_AT = 2


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


def _selected(assignment: Assignment, selection: Selection) -> Any:
    """The bank's active questions in the selection's sections, kinds and question keys,
    in bank order; tags live in the question's content, so `matches` checks those."""
    query = select(Question).where(
        Question.bank_id == assignment.bank_id, Question.retired.is_(False)
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
    rows = session.scalars(_selected(assignment, selection))
    return [row for row in rows if selection.matches(row)]


def question_ids(session: Session, assignment: Assignment) -> tuple[int, ...]:
    """The ids of `question_set`, without loading the questions unless tags narrow it."""
    selection = Selection.from_dict(assignment.selection)
    if selection.tags:
        return tuple(question.id for question in question_set(session, assignment))
    query = _selected(assignment, selection).with_only_columns(Question.id)
    return tuple(session.scalars(query))


def set_status(session: Session, assignment: Assignment, status: str) -> None:
    if status not in STATUSES:
        raise AssignmentError("Unknown status.")
    assignment.status = status
    session.commit()


def _of_member(user: User, role: str) -> Any:
    """Assignments of the classes where this user has this role."""
    return (
        select(Assignment)
        .join(Membership, Membership.class_id == Assignment.class_id)
        .where(Membership.user_id == user.id, Membership.role == role)
    )


def taught_assignment(session: Session, *, user: User, assignment_id: int) -> Assignment | None:
    """The assignment, if this user teaches its class."""
    return session.scalar(_of_member(user, INSTRUCTOR).where(Assignment.id == assignment_id))


def open_assignment_for(session: Session, *, user: User, assignment_id: int) -> Assignment | None:
    """An open assignment of a class this trainee is in."""
    return session.scalar(
        _of_member(user, TRAINEE).where(Assignment.id == assignment_id, Assignment.status == "open")
    )


@dataclass
class Progress:
    """One trainee's progress on a set of questions."""

    user: User
    total: int
    started: int = 0
    reviews: int = 0
    anki_reviews: int = 0  # of `reviews`, those done in Anki and imported
    passed: int = 0
    overdue: int = 0
    retention_now: float = 0.0
    retention_at: float = 0.0
    reviews_each: list[int] = field(default_factory=list)
    retention_each: list[float] = field(default_factory=list)

    @property
    def accuracy(self) -> float | None:
        return self.passed / self.reviews if self.reviews else None

    def target_met(self, assignment: Assignment) -> bool:
        if assignment.target_kind == TARGET_REVIEWS:
            return bool(self.reviews_each) and min(self.reviews_each) >= assignment.target_reviews
        strong = sum(r >= assignment.target_retention for r in self.retention_each)
        return self.total > 0 and strong / self.total >= assignment.target_share


def _passed(review: Review) -> bool:
    """Right where the answer could be judged; otherwise recalled (any grade but Again)."""
    return review.correct if review.correct is not None else review.rating > 1


def _progress(
    session: Session,
    users: Iterable[User],
    questions: list[Question],
    *,
    now: datetime,
    at: datetime,
) -> dict[int, Progress]:
    users = list(users)
    ids = [q.id for q in questions]
    by_user = {user.id: Progress(user=user, total=len(ids)) for user in users}
    if not users or not ids:
        return by_user
    user_ids = list(by_user)
    cards = {
        (card.user_id, card.question_id): card
        for card in session.scalars(
            select(Card).where(Card.user_id.in_(user_ids), Card.question_id.in_(ids))
        )
    }
    counts: Counter[tuple[int, int]] = Counter()
    for review in session.scalars(
        select(Review).where(Review.user_id.in_(user_ids), Review.question_id.in_(ids))
    ):
        progress = by_user[review.user_id]
        progress.reviews += 1
        progress.anki_reviews += review.source == ANKI
        progress.passed += _passed(review)
        counts[review.user_id, review.question_id] += 1
    for user in users:
        progress = by_user[user.id]
        settings = settings_for(user, fuzz=False)
        for question_id in ids:
            card = cards.get((user.id, question_id))
            memory = memory_of(card)
            progress.reviews_each.append(counts[user.id, question_id])
            if memory.is_new:
                progress.retention_each.append(0.0)
                continue
            progress.started += 1
            if (
                card is not None
                and card.due is not None
                and card.due < now
                and card.state == REVIEW_STATE
            ):
                progress.overdue += 1
            progress.retention_now += scheduling.retrievability(settings, memory, now)
            later = scheduling.retrievability(settings, memory, at)
            progress.retention_at += later
            progress.retention_each.append(later)
        if ids:
            progress.retention_now /= len(ids)
            progress.retention_at /= len(ids)
    return by_user


def projection_date(assignment: Assignment, override: datetime | None = None) -> datetime:
    return override or assignment.exam_at or assignment.due_at


def class_progress(
    session: Session, assignment: Assignment, *, now: datetime, at: datetime | None = None
) -> list[Progress]:
    """A row per trainee of the class, for the assignment's questions."""
    users = trainees(assignment.classroom)
    rows = _progress(
        session,
        users,
        question_set(session, assignment),
        now=now,
        at=projection_date(assignment, at),
    )
    return [rows[user.id] for user in users]


def trainee_sections(
    session: Session,
    assignment: Assignment,
    user: User,
    *,
    now: datetime,
    at: datetime | None = None,
) -> list[tuple[Section, Progress]]:
    """One trainee's progress on the assignment, section by section."""
    by_section: dict[str, list[Question]] = defaultdict(list)
    for question in question_set(session, assignment):
        by_section[question.section].append(question)
    when = projection_date(assignment, at)
    return [
        (Section(section), _progress(session, [user], questions, now=now, at=when)[user.id])
        for section, questions in by_section.items()
    ]


def overdue_questions(
    session: Session, user: User, *, bank_id: int, now: datetime
) -> tuple[int, ...]:
    """Questions of this bank in the trainee's open assignments that are past due."""
    parameters = {"user_id": user.id, "role": TRAINEE, "bank_id": bank_id, "now": now}
    overdue = session.scalars(statements.overdue_assignments(), parameters)
    return tuple(sorted({qid for each in overdue for qid in question_ids(session, each)}))


def my_assignments(
    session: Session, user: User, *, now: datetime
) -> list[tuple[Assignment, Progress]]:
    """The open assignments of the trainee's classes, with the trainee's own progress."""
    assignments = session.scalars(
        _of_member(user, TRAINEE).where(Assignment.status == "open").order_by(Assignment.due_at)
    )
    result = []
    for assignment in assignments:
        questions = question_set(session, assignment)
        progress = _progress(session, [user], questions, now=now, at=projection_date(assignment))
        result.append((assignment, progress[user.id]))
    return result


@dataclass(frozen=True)
class Pace:
    """New cards a day a trainee must start to have seen every question by the due date."""

    per_day: int
    left: int
    days: int
    due_at: datetime


def pace_of(progress: Progress, assignment: Assignment, *, now: datetime) -> Pace:
    """Spread the unstarted questions over the study days left, today included."""
    left = progress.total - progress.started
    days = max(1, math.ceil((assignment.due_at - day_start(now)) / timedelta(days=1)))
    return Pace(per_day=math.ceil(left / days), left=left, days=days, due_at=assignment.due_at)


def pace(session: Session, assignment: Assignment, user: User, *, now: datetime) -> Pace:
    """This trainee's pace on the assignment."""
    questions = question_set(session, assignment)
    progress = _progress(session, [user], questions, now=now, at=assignment.due_at)[user.id]
    return pace_of(progress, assignment, now=now)


@dataclass(frozen=True)
class ItemReport:
    question: Question
    answers: int
    facility: float | None
    discrimination: float | None
    distribution: list[tuple[str, int]]
    mean_difficulty: float | None
    stability_gain: float | None
    flags: list[Flag]
    in_anki: int = 0  # answers given in Anki: recalled or not, the option chosen is unknown

    @property
    def needs_attention(self) -> bool:
        return (self.discrimination is not None and self.discrimination < 0) or len(
            self.flags
        ) >= FLAGGED_AT


def item_analysis(session: Session, assignment: Assignment) -> list[ItemReport]:
    """Classical and memory-model statistics for each question, over the class's answers."""
    questions = question_set(session, assignment)
    ids = [q.id for q in questions]
    learner_ids = [user.id for user in trainees(assignment.classroom)]
    reviews = (
        list(
            session.scalars(
                select(Review).where(Review.user_id.in_(learner_ids), Review.question_id.in_(ids))
            )
        )
        if learner_ids and ids
        else []
    )
    outcomes: dict[int, dict[int, list[bool]]] = defaultdict(lambda: defaultdict(list))
    responses: dict[int, Counter[str]] = defaultdict(Counter)
    gains: dict[int, list[float]] = defaultdict(list)
    in_anki: Counter[int] = Counter()
    for review in reviews:
        in_anki[review.question_id] += review.source == ANKI
        outcomes[review.user_id][review.question_id].append(_passed(review))
        if review.response:
            responses[review.question_id][review.response] += 1
        before = review.card_before.get("stability")
        if (
            review.state_before == REVIEW_STATE
            and review.rating > 1
            and before
            and review.stability_after
        ):
            gains[review.question_id].append(review.stability_after / before)
    scores = {
        user: {question: fmean(results) for question, results in by_question.items()}
        for user, by_question in outcomes.items()
    }
    statistics = item_statistics(scores)
    difficulties: dict[int, list[float]] = defaultdict(list)
    if learner_ids and ids:
        for card in session.scalars(
            select(Card).where(Card.user_id.in_(learner_ids), Card.question_id.in_(ids))
        ):
            if card.difficulty is not None:
                difficulties[card.question_id].append(card.difficulty)
    flags: dict[int, list[Flag]] = defaultdict(list)
    if learner_ids and ids:
        # A flag belongs to the classes its author was in when they wrote or last edited
        # it: joining another class later does not show it to that class's instructors.
        for flag in session.scalars(
            select(Flag)
            .join(Membership, Membership.user_id == Flag.user_id)
            .where(
                Membership.class_id == assignment.class_id,
                Membership.role == TRAINEE,
                Flag.updated_at >= Membership.joined_at,
                Flag.question_id.in_(ids),
            )
            .order_by(Flag.created_at)
        ):
            flags[flag.question_id].append(flag)
    reports = []
    for question in questions:
        stats = statistics.get(question.id)
        options = question.content.get("options") or (
            ["True", "False"] if question.kind == "true_false" else []
        )
        distribution = [(option, responses[question.id][option]) for option in options]
        reports.append(
            ItemReport(
                question=question,
                answers=sum(len(outcomes[user][question.id]) for user in outcomes),
                facility=stats.facility if stats else None,
                discrimination=stats.discrimination if stats else None,
                distribution=distribution,
                mean_difficulty=fmean(difficulties[question.id])
                if difficulties[question.id]
                else None,
                stability_gain=fmean(gains[question.id]) if gains[question.id] else None,
                flags=flags[question.id],
                in_anki=in_anki[question.id],
            )
        )
    return reports


class NotMaintainer(AssignmentError):
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
        raise AssignmentError("; ".join(f"{p.field}: {p.message}" for p in problems))
    content["changed"] = format_changed(now)
    question.content = content
    question.content_hash = content_hash(content)
    question.updated_at = now
    session.commit()


def retire_question(session: Session, question: Question, *, by: User, now: datetime) -> None:
    """Hide a question from study everywhere; its history stays."""
    _require_maintainer(session, by, question)
    question.retired = True
    question.updated_at = now
    session.commit()
