"""Assignments: question sets given to a class, their progress and item analysis."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp import scheduling
from quizapp.analysis import from_moments
from quizapp.content import bank as content_bank
from quizapp.content.bank import Section, format_changed
from quizapp.content.check import check_bank_data
from quizapp.content.lint import lint_question
from quizapp.content.responses import MARKABLE
from quizapp.models import (
    Assignment,
    Bank,
    Classroom,
    Flag,
    Membership,
    Question,
    User,
)
from quizapp.services import aggregates, statements
from quizapp.services.banks import can_maintain, content_hash
from quizapp.services.classes import INSTRUCTOR, TRAINEE, trainees
from quizapp.services.study import day_start, settings_for

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


def _selected(assignment: Assignment, selection: Selection, *, retired: bool = False) -> Any:
    """The bank's active (or retired) questions in the selection's sections, kinds and
    question keys, in bank order; tags live in the question's content, so `matches`
    checks those."""
    query = select(Question).where(
        Question.bank_id == assignment.bank_id, Question.retired.is_(retired)
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
    """One trainee's progress on a set of questions, summed over their cards."""

    user: User
    total: int
    started: int = 0
    reviews: int = 0
    anki_reviews: int = 0  # of `reviews`, those done in Anki and imported
    passed: int = 0
    overdue: int = 0
    retention_now: float = 0.0
    retention_at: float = 0.0
    least_reviews: int = 0
    strong: int = 0  # questions at the target retention or above at the projection date

    @property
    def accuracy(self) -> float | None:
        return self.passed / self.reviews if self.reviews else None

    def target_met(self, assignment: Assignment) -> bool:
        if assignment.target_kind == TARGET_REVIEWS:
            return self.total > 0 and self.least_reviews >= assignment.target_reviews
        return self.total > 0 and self.strong / self.total >= assignment.target_share


def _curves(users: Iterable[User]) -> dict[scheduling.Settings, list[int]]:
    """The trainees grouped by scheduler settings (most share the default ones)."""
    groups: dict[scheduling.Settings, list[int]] = defaultdict(list)
    for user in users:
        groups[replace(settings_for(user, fuzz=False), desired_retention=0.9)].append(user.id)
    return groups


@lru_cache(maxsize=256)
def _curve(settings: scheduling.Settings, target: float) -> dict[str, float]:
    factor, decay = scheduling.forgetting_curve(settings)
    threshold = scheduling.recall_threshold(settings, target)
    return {"factor": factor, "decay": decay, "threshold": threshold}


def _sums(
    session: Session,
    statement: Any,
    users: Sequence[User],
    ids: Sequence[int],
    *,
    now: datetime,
    at: datetime,
    target: float,
) -> list[Any]:
    """The rows of a progress statement for these trainees, one run per forgetting curve."""
    if not users or not ids:
        return []
    rows = []
    ahead = (at - now).total_seconds() / 86400
    for settings, user_ids in _curves(users).items():
        parameters = {
            "user_ids": user_ids,
            "ids": list(ids),
            "now": now,
            "ahead": ahead,
            **_curve(settings, target),
        }
        rows.extend(session.execute(statement, parameters))
    return rows


def _fill(progress: Progress, row: Any) -> Progress:
    progress.started = row.started
    progress.reviews = int(row.reviews)
    progress.passed = int(row.passed)
    progress.overdue = row.overdue
    # A question without a card has never been reviewed.
    progress.least_reviews = row.least_reviews if row.cards == progress.total else 0
    if "recall_now" in row._fields:
        progress.retention_now = float(row.recall_now) / progress.total
        progress.retention_at = float(row.recall_at) / progress.total
        progress.strong = row.strong
    return progress


def projection_date(assignment: Assignment, override: datetime | None = None) -> datetime:
    return override or assignment.exam_at or assignment.due_at


def _progress_rows(
    session: Session,
    assignment: Assignment,
    users: Sequence[User],
    *,
    now: datetime,
    at: datetime,
    ids: Sequence[int] | None = None,
    recall: bool = True,
) -> dict[int, Progress]:
    ids = question_ids(session, assignment) if ids is None else ids
    by_user = {user.id: Progress(user=user, total=len(ids)) for user in users}
    statement = aggregates.progress_by_trainee() if recall else aggregates.counts_by_trainee()
    for row in _sums(
        session,
        statement,
        users,
        ids,
        now=now,
        at=at,
        target=assignment.target_retention,
    ):
        _fill(by_user[row.user_id], row)
    if by_user and ids:
        in_anki = session.execute(
            aggregates.anki_answers_by_trainee(), {"user_ids": list(by_user), "ids": list(ids)}
        )
        for user_id, count in in_anki:
            by_user[user_id].anki_reviews = count
    return by_user


def class_progress(
    session: Session,
    assignment: Assignment,
    *,
    now: datetime,
    at: datetime | None = None,
    users: Sequence[User] | None = None,
    recall: bool = True,
) -> list[Progress]:
    """A row per trainee (of `users`, else the whole class), for the assignment's
    questions, in the order given (the class by name).

    Without `recall` the retention figures are left at 0: the counts alone are several
    times cheaper to sum over a large class.
    """
    users = trainees(assignment.classroom) if users is None else users
    when = projection_date(assignment, at)
    rows = _progress_rows(session, assignment, users, now=now, at=when, recall=recall)
    return [rows[user.id] for user in users]


def progress_in_chunks(
    session: Session,
    assignment: Assignment,
    *,
    now: datetime,
    at: datetime | None = None,
    size: int = 50,
) -> Iterator[Progress]:
    """The class's rows by name, summed a few trainees at a time, so a download of a
    large class starts at once and holds little.

    The roster and question set are read now; the sums as the rows are taken.
    """
    users = trainees(assignment.classroom)
    ids = question_ids(session, assignment)
    when = projection_date(assignment, at)

    def rows() -> Iterator[Progress]:
        for start in range(0, len(users), size):
            chunk = users[start : start + size]
            summed = _progress_rows(session, assignment, chunk, now=now, at=when, ids=ids)
            yield from (summed[user.id] for user in chunk)

    return rows()


def trainee_sections(
    session: Session,
    assignment: Assignment,
    user: User,
    *,
    now: datetime,
    at: datetime | None = None,
) -> list[tuple[Section, Progress]]:
    """One trainee's progress on the assignment, section by section, in bank order."""
    selection = Selection.from_dict(assignment.selection)
    query = _selected(assignment, selection).with_only_columns(Question.id, Question.section)
    if selection.tags:
        wanted = set(question_ids(session, assignment))
        pairs = [(qid, section) for qid, section in session.execute(query) if qid in wanted]
    else:
        pairs = list(session.execute(query))
    totals: dict[str, int] = {}
    for _qid, section in pairs:
        totals[section] = totals.get(section, 0) + 1
    by_section = {section: Progress(user=user, total=total) for section, total in totals.items()}
    for row in _sums(
        session,
        aggregates.progress_by_section(),
        [user],
        [qid for qid, _section in pairs],
        now=now,
        at=projection_date(assignment, at),
        target=assignment.target_retention,
    ):
        _fill(by_section[row.section], row)
    return [(Section(section), progress) for section, progress in by_section.items()]


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
    return [
        (
            assignment,
            _progress_rows(session, assignment, [user], now=now, at=projection_date(assignment))[
                user.id
            ],
        )
        for assignment in assignments
    ]


@dataclass(frozen=True)
class Pace:
    """New cards a day a trainee must start to have seen every question by the due date."""

    per_day: int
    left: int
    days: int
    due_at: datetime


def pace_of(progress: Progress, assignment: Assignment, *, now: datetime) -> Pace:
    """Spread the unstarted questions over the trainee's study days left, today included."""
    left = progress.total - progress.started
    today = day_start(progress.user, now)
    days = max(1, math.ceil((assignment.due_at - today) / timedelta(days=1)))
    return Pace(per_day=math.ceil(left / days), left=left, days=days, due_at=assignment.due_at)


def pace(session: Session, assignment: Assignment, user: User, *, now: datetime) -> Pace:
    """This trainee's pace on the assignment."""
    progress = _progress_rows(
        session, assignment, [user], now=now, at=assignment.due_at, recall=False
    )[user.id]
    return pace_of(progress, assignment, now=now)


@dataclass(frozen=True)
class ItemReport:
    question: Question
    answers: int
    facility: float | None
    discrimination: float | None
    mean_difficulty: float | None
    flag_count: int
    findings: tuple[str, ...] = ()
    # Filled in only for the questions on the page shown.
    distribution: list[tuple[str, int]] = field(default_factory=list)
    stability_gain: float | None = None
    flags: list[Flag] = field(default_factory=list)
    in_anki: int = 0  # answers given in Anki: recalled or not, the option chosen is unknown

    @property
    def needs_attention(self) -> bool:
        return (
            (self.discrimination is not None and self.discrimination < 0)
            or self.flag_count >= FLAGGED_AT
            or bool(self.findings)
        )


def _class_parameters(assignment: Assignment, ids: Sequence[int]) -> dict[str, Any]:
    return {"class_id": assignment.class_id, "role": TRAINEE, "ids": list(ids)}


def item_analysis(session: Session, assignment: Assignment) -> list[ItemReport]:
    """Facility, discrimination, answers, difficulty and flag count of each question, in
    bank order, summed in the database; `item_details` adds the rest for a page."""
    questions = question_set(session, assignment)
    ids = [q.id for q in questions]
    if not ids:
        return []
    parameters = _class_parameters(assignment, ids)
    moments = {
        row.question_id: row for row in session.execute(aggregates.item_moments(), parameters)
    }
    flag_counts = {
        qid: count for qid, count in session.execute(aggregates.flag_counts(), parameters)
    }
    findings = lint_findings(questions)
    reports = []
    for question in questions:
        row = moments.get(question.id)
        stats = from_moments(question.id, aggregates.moments(row)) if row is not None else None
        reports.append(
            ItemReport(
                question=question,
                answers=int(row.answers) if row is not None else 0,
                facility=stats.facility if stats else None,
                discrimination=stats.discrimination if stats else None,
                mean_difficulty=float(row.difficulty)
                if row is not None and row.difficulty is not None
                else None,
                flag_count=flag_counts.get(question.id, 0),
                findings=tuple(findings.get(question.key, ())),
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


def item_details(
    session: Session, assignment: Assignment, reports: Sequence[ItemReport]
) -> list[ItemReport]:
    """The reports with their spread of answers, stability gain and flags, read for
    these questions only (one page of the table)."""
    ids = [report.question.id for report in reports]
    if not ids:
        return []
    parameters = _class_parameters(assignment, ids)
    responses: dict[int, Counter[str]] = defaultdict(Counter)
    for question_id, response, count in session.execute(aggregates.response_counts(), parameters):
        responses[question_id][response] += count
    gains = {qid: gain for qid, gain in session.execute(aggregates.stability_gains(), parameters)}
    in_anki = {qid: count for qid, count in session.execute(aggregates.anki_answers(), parameters)}
    flags: dict[int, list[Flag]] = defaultdict(list)
    for flag in session.scalars(aggregates.flags(), parameters):
        flags[flag.question_id].append(flag)
    detailed = []
    for report in reports:
        question = report.question
        options = question.content.get("options") or (
            ["True", "False"] if question.kind == "true_false" else []
        )
        detailed.append(
            replace(
                report,
                distribution=[(option, responses[question.id][option]) for option in options],
                stability_gain=float(gains[question.id]) if gains.get(question.id) else None,
                flags=flags[question.id],
                in_anki=in_anki.get(question.id, 0),
            )
        )
    return detailed


def lint_findings(questions: Sequence[Question]) -> dict[str, list[str]]:
    """Item-writing flaws the bank linter (`quizapp.content.lint`) finds, by question key.

    A question with any is marked for attention and can be filtered on.
    """
    found: dict[str, list[str]] = {}
    for question in questions:
        cached = _LINTED.get(question.content_hash)
        if cached is None:
            flaws = lint_question(content_bank.Question.from_dict(question.content))
            cached = _LINTED[question.content_hash] = [
                f"{flaw.severity}: {flaw.message}" for flaw in flaws
            ]
        if cached:
            found[question.key] = cached
    return found


# Findings by question content hash: a question's text decides them, and it rarely changes.
_LINTED: dict[str, list[str]] = {}


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


def set_retired(
    session: Session, question: Question, *, retired: bool, by: User, now: datetime
) -> None:
    """Retire a question (hidden from study, history kept) or bring it back."""
    _require_maintainer(session, by, question)
    question.retired = retired
    question.updated_at = now
    session.commit()


def retired_questions(session: Session, assignment: Assignment) -> list[Question]:
    """The retired questions the assignment's selection would otherwise include."""
    selection = Selection.from_dict(assignment.selection)
    query = _selected(assignment, selection, retired=True)
    return [row for row in session.scalars(query) if selection.matches(row)]
