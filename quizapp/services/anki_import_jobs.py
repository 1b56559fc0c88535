"""Importing a large Anki export on the background worker rather than in the request.

The upload is kept in the instance folder until the job has read it; one import per
learner runs at a time (the queue's claim is keyed by the learner's id).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from quizapp import jobs
from quizapp.jobs import JobState
from quizapp.models import User
from quizapp.services.anki_reviews import AnkiImportError, import_reviews

JOB = "anki-import"
_NO_QUEUE = (
    "Background jobs are not available right now (the queue cannot be reached), "
    "so the file was not imported. Try again later."
)


def upload_path(folder: Path, user: User) -> Path:
    """Where an upload waits for the worker: private to the instance, unguessable."""
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"anki-{user.id}-{secrets.token_hex(8)}.upload"


def request_import(redis: Redis, *, user: User, path: Path) -> tuple[JobState, bool]:
    """Queue importing the file at `path` unless one of the learner's imports is running.

    Returns the job's state and whether this call queued it. The file is deleted here
    when nothing was queued, and by the job once it has read it.
    """
    try:
        state, queued = jobs.enqueue(redis, JOB, key=str(user.id), user_id=user.id, path=str(path))
    except RedisError:
        path.unlink(missing_ok=True)
        raise AnkiImportError(_NO_QUEUE) from None
    if not queued:
        path.unlink(missing_ok=True)
    return state, queued


def import_state(redis: Redis, *, user: User) -> JobState:
    """The learner's latest background import; status "unavailable" without the queue."""
    try:
        return jobs.state(redis, JOB, key=str(user.id))
    except RedisError:
        return JobState(jobs.job_id(JOB, str(user.id)), "unavailable")


def import_task(*, user_id: int, path: str) -> dict[str, Any]:
    """The background job: import one uploaded export and say how it went.

    Returns {"imported": bool, "message": str}; a file that cannot be imported is a
    finished job whose message says why, as the page would have said it.
    """
    from flask import current_app

    from quizapp.extensions import db

    upload = Path(path)
    try:
        user = db.session.get(User, user_id)
        if user is None:
            return {"imported": False, "message": "This account no longer exists."}
        try:
            result = import_reviews(
                db.session,
                user=user,
                path=upload,
                max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
                now=datetime.now(UTC),
                fuzz=current_app.config["SCHEDULER_FUZZ"],
            )
        except AnkiImportError as error:
            db.session.rollback()
            return {"imported": False, "message": str(error)}
        return {"imported": True, "message": result.summary()}
    finally:
        upload.unlink(missing_ok=True)
