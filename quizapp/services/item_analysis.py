"""Item analysis of an assignment's questions: how the class answered each one.

The per-question sums (`aggregates.item_moments`) read every card of the class: for a
class of more than `IN_REQUEST_CARDS` cards (trainees × questions) that takes seconds,
so they are summed by the background worker (`moments_task`) and the page shows the
latest sums with the time they were made; everything else is read with the page.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quizapp import jobs
from quizapp.analysis import from_moments
from quizapp.content import bank as content_bank
from quizapp.content.kinds import RULES
from quizapp.content.lint import lint_question
from quizapp.jobs import JobState
from quizapp.models import Assignment, Flag, Membership, Question
from quizapp.services import aggregates
from quizapp.services.assignments import question_ids, question_set
from quizapp.services.classes import TRAINEE

FLAGGED_AT = 2
JOB = "item-analysis"
IN_REQUEST_CARDS = 200_000


class Sums(NamedTuple):
    """One question's row of `aggregates.item_moments`, as the worker keeps it."""

    n: int
    sx: float
    sxx: float
    st: float
    stt: float
    stx: float
    answers: int
    difficulty: float | None


class ItemAnalysisError(RuntimeError):
    """The background sums cannot be started; the message is for the instructor."""


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


def _sums(session: Session, assignment: Assignment, ids: Sequence[int]) -> dict[int, Sums]:
    rows = session.execute(
        aggregates.item_moments(aggregates.prefer_scan(session, ids)),
        {**_class_parameters(assignment, ids), "low": min(ids), "high": max(ids)},
    )
    return {
        row.question_id: Sums(
            n=row.n,
            sx=float(row.sx),
            sxx=float(row.sxx),
            st=float(row.st),
            stt=float(row.stt),
            stx=float(row.stx),
            answers=int(row.answers),
            difficulty=None if row.difficulty is None else float(row.difficulty),
        )
        for row in rows
    }


def item_analysis(
    session: Session, assignment: Assignment, *, sums: Mapping[int, Sums] | None = None
) -> list[ItemReport]:
    """Facility, discrimination, answers, difficulty and flag count of each question, in
    bank order, summed in the database (or from the worker's `sums`); `item_details`
    adds the rest for a page."""
    questions = question_set(session, assignment)
    ids = [q.id for q in questions]
    if not ids:
        return []
    parameters = _class_parameters(assignment, ids)
    moments = _sums(session, assignment, ids) if sums is None else sums
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
                mean_difficulty=row.difficulty if row is not None else None,
                flag_count=flag_counts.get(question.id, 0),
                findings=tuple(findings.get(question.key, ())),
            )
        )
    return reports


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
        asked = content_bank.Question.from_dict(question.content)
        options = RULES[asked.kind].choices(asked)
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


def on_worker(session: Session, assignment: Assignment) -> bool:
    """Whether the class is large enough for its sums to be made on the worker."""
    trainees = session.scalar(
        select(func.count()).where(
            Membership.class_id == assignment.class_id, Membership.role == TRAINEE
        )
    )
    return (trainees or 0) * len(question_ids(session, assignment)) > IN_REQUEST_CARDS


def request_sums(redis: Redis, *, assignment: Assignment) -> tuple[JobState, bool]:
    """Queue summing the class's answers unless it is already being done."""
    try:
        return jobs.enqueue(redis, JOB, key=str(assignment.id), assignment_id=assignment.id)
    except RedisError:
        raise ItemAnalysisError(
            "Background jobs are not available right now, so item analysis cannot be "
            "prepared. Try again later."
        ) from None


def sums_state(redis: Redis, *, assignment: Assignment) -> JobState:
    """The latest background sums; status "unavailable" without the queue."""
    try:
        return jobs.state(redis, JOB, key=str(assignment.id))
    except RedisError:
        return JobState(jobs.job_id(JOB, str(assignment.id)), "unavailable")


def sums_of(state: JobState) -> dict[int, Sums]:
    """The sums a finished job returned, by question id."""
    return {int(qid): Sums(*values) for qid, values in state.result["sums"].items()}


def moments_task(*, assignment_id: int) -> dict[str, Any]:
    """The background job: sum the class's answers per question.

    Returns {"sums": {question id: `Sums` as a list}, "made": when}.
    """
    from quizapp.extensions import db

    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise ItemAnalysisError("This assignment no longer exists.")
    made = datetime.now(UTC)
    ids = question_ids(db.session, assignment)
    sums = _sums(db.session, assignment, ids) if ids else {}
    db.session.rollback()
    return {"sums": {str(qid): list(row) for qid, row in sums.items()}, "made": made.isoformat()}
