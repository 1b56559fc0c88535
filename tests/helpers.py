"""What the tests share besides fixtures: fixed values, sign-in, answering and jobs.

Fixtures live in `tests/conftest.py`; test modules import these helpers from here.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from flask.testing import FlaskClient
from redis import Redis
from rq import Queue, SimpleWorker

from quizapp import jobs
from quizapp.extensions import db
from quizapp.models import Review, User
from quizapp.scheduling import Grade
from quizapp.services import accounts, study

ROOT = Path(__file__).resolve().parent.parent


# A fixed bank with questions of every kind, kept apart from the generator so that
# study, teaching and export tests never change when question generation does.
TEST_BANK = ROOT / "tests" / "data" / "posterior-hip-pain.yaml"
PASSWORD = "correct horse battery"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Background jobs in tests queue on this Redis database (QUIZAPP_TEST_REDIS_DB, else 2), with
# a real worker.
TEST_REDIS = f"redis://127.0.0.1:6379/{os.environ.get('QUIZAPP_TEST_REDIS_DB', '2')}"


def database_url(tmp_path: Path) -> str:
    return os.environ.get("QUIZAPP_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"


class Auth:
    """Sign in and out through the real forms, CSRF token included."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def csrf(self, path: str) -> str:
        from tests.pages import csrf_token

        return csrf_token(self.client.get(path).get_data(as_text=True))

    def login(self, email: str = "trainee@example.com", password: str = PASSWORD):  # type: ignore[no-untyped-def]
        token = self.csrf("/auth/login")
        return self.client.post(
            "/auth/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self):  # type: ignore[no-untyped-def]
        return self.client.post("/auth/logout", data={"csrf_token": self.csrf("/")})


def answer_card(
    user: User,
    question_id: int,
    grade: Grade,
    now: datetime = NOW,
    *,
    response: str | None = None,
    duration_ms: int | None = 1000,
) -> Review:
    """Answer one card as the learner would, having just been shown it at `now`."""
    version = study.view_card(db.session, user, question_id, now, fuzz=False).version
    return study.answer(
        db.session,
        user=user,
        question_id=question_id,
        grade=grade,
        seen_version=version,
        token=f"{user.id}-{question_id}-{version}",
        response=response,
        duration_ms=duration_ms,
        now=now,
        fuzz=False,
    ).review


def get_user(email: str) -> User:
    user = accounts.find_user(db.session, email)
    assert user is not None
    return user


def clear_jobs(connection: Redis) -> None:
    """Forget quizapp's queued and finished jobs: job ids repeat with each test's user ids."""
    Queue(jobs.QUEUE, connection=connection).empty()
    for pattern in (
        "quizapp:job-claim:*",
        "rq:job:optimize-*",
        "rq:job:progress-csv-*",
        "rq:job:item-analysis-*",
    ):
        for key in connection.scan_iter(pattern):
            connection.delete(key)


def work(redis: Redis) -> None:
    """Run every queued job in this process (RQ's SimpleWorker), then return."""
    SimpleWorker([Queue(jobs.QUEUE, connection=redis)], connection=redis).work(burst=True)
