"""Trainees' progress on assignments: counts, retention now and at a date, and pace."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from quizapp import scheduling
from quizapp.content.bank import Section
from quizapp.models import Assignment, Question, User
from quizapp.services import aggregates, assignments
from quizapp.services.assignments import (
    TARGET_REVIEWS,
    Selection,
    question_ids,
    selected,
)
from quizapp.services.classes import TRAINEE, trainees
from quizapp.services.learners import day_start


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
    """The trainees grouped by forgetting curve: only their FSRS parameters shape it, and
    most keep the default ones."""
    groups: dict[tuple[float, ...] | None, list[int]] = defaultdict(list)
    for user in users:
        groups[tuple(user.fsrs_parameters) if user.fsrs_parameters else None].append(user.id)
    return {scheduling.Settings(parameters=key): ids for key, ids in groups.items()}


@lru_cache(maxsize=256)
def _curve(settings: scheduling.Settings, target: float) -> dict[str, float]:
    factor, decay = scheduling.forgetting_curve(settings)
    threshold = scheduling.recall_threshold(settings, target)
    return {"factor": factor, "decay": decay, "threshold": threshold}


def _scan(session: Session, ids: Sequence[int]) -> bool:
    return aggregates.prefer_scan(session, ids)


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
    """The rows of a progress statement for these trainees, one run per forgetting curve.
    `statement` is a statement or, to be chosen by `_scan`, a function of `scan` giving
    one."""
    if not users or not ids:
        return []
    if callable(statement):
        statement = statement(_scan(session, ids))
    rows = []
    ahead = (at - now).total_seconds() / 86400
    for settings, user_ids in _curves(users).items():
        parameters = {
            "user_ids": user_ids,
            "ids": list(ids),
            "low": min(ids),
            "high": max(ids),
            "now": now,
            "ahead": ahead,
            **_curve(settings, target),
        }
        rows.extend(session.execute(statement, parameters))
    return rows


def _fill(progress: Progress, row: Any) -> Progress:
    """The progress with the sums the row has (all of them, or those a sort needs)."""
    fields = row._fields
    if "started" in fields:
        progress.started = row.started
    if "reviews" in fields:
        progress.reviews = int(row.reviews)
    if "passed" in fields:
        progress.passed = int(row.passed)
    if "overdue" in fields:
        progress.overdue = row.overdue
    if "least_reviews" in fields:
        # A question without a card has never been reviewed.
        progress.least_reviews = row.least_reviews if row.cards == progress.total else 0
    if "recall_now" in fields:
        progress.retention_now = float(row.recall_now) / progress.total
    if "recall_at" in fields:
        progress.retention_at = float(row.recall_at) / progress.total
    if "strong" in fields:
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
    anki: bool = True,
) -> dict[int, Progress]:
    ids = question_ids(session, assignment) if ids is None else ids
    by_user = {user.id: Progress(user=user, total=len(ids)) for user in users}
    statement = aggregates.progress_by_trainee if recall else aggregates.counts_by_trainee
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
    if anki and by_user and ids:
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


# The sums each sort of the progress table needs (`Progress` fields, by sort name);
# "target" depends on the assignment's kind of target; "name" and "exam" need none.
SORT_SUMS: dict[str, tuple[str, ...]] = {
    "name": (),
    "started": ("started",),
    "reviews": ("reviews",),
    "accuracy": ("reviews", "passed"),
    "now": ("recall_now",),
    "then": ("recall_at",),
    "overdue": ("overdue",),
    "exam": (),
}


def sums_for_sort(assignment: Assignment, sort: str) -> tuple[str, ...]:
    """The sums (names in `aggregates.sums_by_trainee`) that order the progress table by
    `sort`."""
    if sort == "target":
        if assignment.target_kind == TARGET_REVIEWS:
            return ("cards", "least_reviews")
        return ("strong",)
    return SORT_SUMS[sort]


def class_sort_keys(
    session: Session,
    assignment: Assignment,
    sort: str,
    *,
    now: datetime,
    at: datetime | None = None,
) -> list[Progress]:
    """A row per trainee of the class, by name, with only the figures that sort the table
    by `sort` filled in (the rest left at 0): for a large class, summing one column
    of a million cards is several times cheaper than summing them all. The figures are
    the very numbers `class_progress` gives; sum the page's trainees in full with it."""
    users = trainees(assignment.classroom)
    ids = question_ids(session, assignment)
    by_user = {user.id: Progress(user=user, total=len(ids)) for user in users}
    names = sums_for_sort(assignment, sort)
    if names:
        for row in _sums(
            session,
            lambda scan: aggregates.sums_by_trainee(names, scan),
            users,
            ids,
            now=now,
            at=projection_date(assignment, at),
            target=assignment.target_retention,
        ):
            _fill(by_user[row.user_id], row)
    return [by_user[user.id] for user in users]


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
    query = selected(assignment, selection).with_only_columns(Question.id, Question.section)
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


def my_assignments(
    session: Session, user: User, *, now: datetime
) -> list[tuple[Assignment, Progress]]:
    """The open assignments of the trainee's classes, with the trainee's own progress."""
    open_ones = session.scalars(
        assignments.of_member(user, TRAINEE)
        .where(Assignment.status == "open")
        .order_by(Assignment.due_at)
    )
    return [
        (
            assignment,
            _progress_rows(session, assignment, [user], now=now, at=projection_date(assignment))[
                user.id
            ],
        )
        for assignment in open_ones
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
    # Only the started count matters here: the card page shows the pace with every card.
    progress = _progress_rows(
        session, assignment, [user], now=now, at=assignment.due_at, recall=False, anki=False
    )[user.id]
    return pace_of(progress, assignment, now=now)
