"""An assignment's progress as CSV: in the request for a small class, on the worker for a
large one.

A class of a thousand trainees on a thousand questions takes seconds to sum, more than a
request should hold a web worker for. Above `IN_REQUEST_TRAINEES` the file is written by
the background worker (`TASK`), which reports how many trainees it has done, into the
instance folder; the instructor downloads it when it is ready. Both ways give the same
rows, from `rows`.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from quizapp import jobs
from quizapp.jobs import JobState
from quizapp.models import Assignment
from quizapp.services import exams, progress

JOB = "progress-csv"
IN_REQUEST_TRAINEES = 200
CHUNK = 50  # trainees summed at a time

NUMBERS = [
    "started",
    "questions",
    "reviews",
    "accuracy %",
    "retention now %",
    "retention then %",
    "overdue",
    "reviews in Anki",
]
HEADER = ["trainee", "email", *NUMBERS, "target met", "best exam score %"]


class CsvJobError(RuntimeError):
    """The background file cannot be made or read; the message is for the instructor."""


def percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.0f}"


def numbers(row: progress.Progress) -> list[object]:
    """The figures of one row, as the CSVs give them."""
    return [
        row.started,
        row.total,
        row.reviews,
        percent(row.accuracy),
        percent(row.retention_now),
        percent(row.retention_at),
        row.overdue,
        row.anki_reviews,
    ]


def cell(value: object) -> object:
    """Text a spreadsheet would run as a formula (a name like `=HYPERLINK(…)`) is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def lines(rows: Iterable[list[object]]) -> Iterator[str]:
    """CSV text, a line at a time, with formulas quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def rows(
    session: Session, assignment: Assignment, *, now: datetime, at: datetime | None
) -> Iterator[list[object]]:
    """The header, then a row per trainee of the class by name, summed `CHUNK` at a time.

    The roster and exam scores are read now, the sums as the rows are taken.
    """
    scores = exams.best_scores(session, assignment, now=now)
    summed = progress.progress_in_chunks(session, assignment, now=now, at=at, size=CHUNK)

    def taken() -> Iterator[list[object]]:
        yield HEADER
        for p in summed:
            yield [
                p.user.name,
                p.user.email,
                *numbers(p),
                p.target_met(assignment),
                percent(scores.get(p.user.id)),
            ]

    return taken()


def in_request(trainees: int) -> bool:
    """Whether a class this size gets its CSV in the request."""
    return trainees <= IN_REQUEST_TRAINEES


def _key(assignment: Assignment) -> str:
    return str(assignment.id)


def file_path(folder: Path, assignment_id: int) -> Path:
    return folder / f"assignment-{assignment_id}-progress.csv"


def request_file(
    redis: Redis, *, assignment: Assignment, at: datetime | None, folder: Path
) -> tuple[JobState, bool]:
    """Queue writing the class's CSV unless it is already being written."""
    try:
        return jobs.enqueue(
            redis,
            JOB,
            key=_key(assignment),
            assignment_id=assignment.id,
            at=at.isoformat() if at else None,
            folder=str(folder),
        )
    except RedisError:
        raise CsvJobError(
            "Background jobs are not available right now, so the file cannot be prepared. "
            "Try again later."
        ) from None


def file_state(redis: Redis, *, assignment: Assignment) -> JobState:
    """The latest background CSV of the assignment; status "unavailable" without the queue."""
    try:
        return jobs.state(redis, JOB, key=_key(assignment))
    except RedisError:
        return JobState(jobs.job_id(JOB, _key(assignment)), "unavailable")


def csv_task(*, assignment_id: int, at: str | None, folder: str) -> dict[str, Any]:
    """The background job: write the CSV, reporting the trainees done, then say where.

    Returns {"rows": trainees written, "at": projection date, "made": when}.
    """
    from quizapp.extensions import db
    from quizapp.services.classes import trainees

    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise CsvJobError("This assignment no longer exists.")
    now = datetime.now(UTC)
    when = datetime.fromisoformat(at) if at else None
    total = len(trainees(assignment.classroom))
    target = file_path(Path(folder), assignment_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.part")
    written = 0
    try:
        with partial.open("w", newline="", encoding="utf-8") as out:
            for number, line in enumerate(lines(rows(db.session, assignment, now=now, at=when))):
                out.write(line)
                written = number
                if number % CHUNK == 0:
                    jobs.report_progress(done=number, total=total)
        partial.replace(target)  # a download never sees half a file
    finally:
        partial.unlink(missing_ok=True)
    db.session.rollback()
    return {
        "rows": written,
        "at": progress.projection_date(assignment, when).isoformat(),
        "made": now.isoformat(),
    }


def finished_file(redis: Redis, *, assignment: Assignment, folder: Path) -> Path:
    """The file the latest finished job wrote, or CsvJobError."""
    state = file_state(redis, assignment=assignment)
    path = file_path(folder, assignment.id)
    if state.status != "finished" or not path.exists():
        raise CsvJobError("That file is not ready; prepare it first.")
    return path
