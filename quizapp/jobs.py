"""Background jobs: RQ on the Redis the app already uses.

A job has a name from `TASKS` and a key (a learner's id, a bank's slug...). Its id is
`name-key`, and a Redis `SET NX` claim on that id makes a second enqueue while the
first is queued or running a no-op that returns the first job's state, so several web
workers never start the same job twice. The claim is released when the job ends, and
expires after the job's timeout if a worker dies holding it.

Workers run `quizapp worker`; a task runs inside the worker's Flask application context.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

QUEUE = "quizapp"
# name -> "module:function"; a task takes keyword arguments and returns a JSON-able value.
TASKS = {
    "optimize": "quizapp.services.optimize:optimize_task",
    "anki-import": "quizapp.services.anki_import_jobs:import_task",
    "progress-csv": "quizapp.services.progress_csv:csv_task",
    "item-analysis": "quizapp.services.item_analysis:moments_task",
}
TIMEOUT_SECONDS = 2 * 60 * 60
RESULT_TTL_SECONDS = 30 * 24 * 60 * 60
_CLAIM = "quizapp:job-claim:"
_worker_app: Flask | None = None
_worker_pid: int | None = None


@dataclass(frozen=True)
class JobState:
    """What a page or command shows of a job: `status` is none, queued, started, finished
    or failed; `result` is the task's return value, `error` the last line of its failure."""

    id: str
    status: str
    result: Any = None
    error: str | None = None
    enqueued_at: datetime | None = None
    ended_at: datetime | None = None
    done: int | None = None  # what a running task reported of its work (`report_progress`)
    total: int | None = None

    @property
    def active(self) -> bool:
        return self.status in ("queued", "started")


def connection(url: str) -> Redis:
    return Redis.from_url(url)


def job_id(name: str, key: str) -> str:
    return f"{name}-{key}"


def enqueue(redis: Redis, name: str, *, key: str, **kwargs: Any) -> tuple[JobState, bool]:
    """Queue task `name` for `key` unless one is already queued or running.

    Returns the job's state and whether this call queued it.
    """
    if name not in TASKS:
        raise KeyError(f"unknown job {name!r}")
    ident = job_id(name, key)
    if not redis.set(_CLAIM + ident, "1", nx=True, ex=TIMEOUT_SECONDS):
        return state(redis, name, key=key), False
    try:
        _delete_old(redis, ident)
        Queue(QUEUE, connection=redis).enqueue(
            run,
            name,
            ident,
            kwargs,
            job_id=ident,
            job_timeout=TIMEOUT_SECONDS,
            result_ttl=RESULT_TTL_SECONDS,
            failure_ttl=RESULT_TTL_SECONDS,
        )
    except Exception:
        redis.delete(_CLAIM + ident)
        raise
    return state(redis, name, key=key), True


def _delete_old(redis: Redis, ident: str) -> None:
    """Forget the previous, finished run with this id so the new one can take it."""
    with contextlib.suppress(NoSuchJobError):
        Job.fetch(ident, connection=redis).delete()


def state(redis: Redis, name: str, *, key: str) -> JobState:
    """The latest job `name` for `key`: its status and result, or status none."""
    ident = job_id(name, key)
    try:
        job = Job.fetch(ident, connection=redis)
    except NoSuchJobError:
        return JobState(ident, "none")
    status = job.get_status(refresh=True)
    error = None
    if status == JobStatus.FAILED:
        result = job.latest_result()
        text = (result.exc_string if result else None) or "the job failed"
        error = text.strip().splitlines()[-1]
    label = {
        JobStatus.QUEUED: "queued",
        JobStatus.DEFERRED: "queued",
        JobStatus.SCHEDULED: "queued",
        JobStatus.STARTED: "started",
        JobStatus.FINISHED: "finished",
        JobStatus.FAILED: "failed",
    }.get(status, "failed")
    return JobState(
        id=ident,
        status=label,
        result=job.return_value() if label == "finished" else None,
        error=error,
        enqueued_at=job.enqueued_at,
        ended_at=job.ended_at,
        done=job.meta.get("done"),
        total=job.meta.get("total"),
    )


def run(name: str, ident: str, kwargs: dict[str, Any]) -> Any:
    """Run one task in a Flask application context, then release its claim."""
    task = _task(name)
    if _worker_pid is not None and os.getpid() != _worker_pid:
        from quizapp.extensions import db

        with worker_app().app_context():
            db.engine.dispose(close=False)  # leave the parent's connections to the parent
    try:
        if has_app_context():
            return task(**kwargs)
        with worker_app().app_context():
            return task(**kwargs)
    finally:
        _release(ident)


def report_progress(*, done: int, total: int) -> None:
    """Let pages show how far the running task is (`JobState.done` of `total`); a no-op
    outside a worker."""
    from rq import get_current_job

    job = get_current_job()
    if job is not None:
        job.meta.update(done=done, total=total)
        job.save_meta()


def _release(ident: str) -> None:
    from rq import get_current_job

    job = get_current_job()
    if job is not None:
        job.connection.delete(_CLAIM + ident)


def _task(name: str) -> Callable[..., Any]:
    module, _, function = TASKS[name].partition(":")
    return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]


def set_worker_app(app: Flask) -> None:
    """Run tasks in `app` (the worker command's) rather than one built from the environment.

    RQ's worker forks a process per job; the job must not use the database connections
    the worker process holds, so a forked job starts with a fresh connection pool.
    """
    global _worker_app, _worker_pid
    _worker_app, _worker_pid = app, os.getpid()


def worker_app() -> Flask:
    """The application a worker runs tasks in, built once from the environment."""
    global _worker_app
    if _worker_app is None:
        from quizapp import create_app

        _worker_app = create_app()
    return _worker_app


def redis_for_app() -> Redis:
    """The queue's Redis connection for the current application."""
    return connection(current_app.config["QUEUE_URL"])
