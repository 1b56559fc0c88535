"""Fixtures shared by the server tests: a fresh database per test, clients and factories.

The suite runs on SQLite by default and on PostgreSQL when QUIZAPP_TEST_DATABASE_URL
is set (for example postgresql+psycopg://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker

from quizapp import create_app, jobs
from quizapp.content.bankfile import load_bank
from quizapp.extensions import db
from quizapp.models import Review, Role, User
from quizapp.scheduling import Grade
from quizapp.services import accounts, banks, study

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


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test secret",
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "SCHEDULER_FUZZ": False,
            "CHECK_MIGRATIONS": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "QUEUE_URL": TEST_REDIS,
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    with Redis.from_url(TEST_REDIS) as connection, contextlib.suppress(RedisError):
        clear_jobs(connection)
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def session(app: Flask) -> Iterator[object]:
    with app.app_context():
        yield db.session


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask):  # type: ignore[no-untyped-def]
    """Create a user: make_user("a@example.com", role=Role.INSTRUCTOR) -> user id."""

    def make(email: str = "trainee@example.com", *, role: Role = Role.TRAINEE) -> int:
        with app.app_context():
            user = accounts.register(
                db.session, email=email, name=email.split("@")[0], password=PASSWORD, role=role
            )
            return user.id

    return make


@pytest.fixture
def demo_bank(app: Flask) -> str:
    """Load the test bank of every kind; returns its slug."""
    bank = load_bank(TEST_BANK)
    with app.app_context():
        article = (TEST_BANK.parent / bank.article).read_text(encoding="utf-8")
        banks.load_bank(db.session, bank, article_text=article, now=NOW)
    return bank.id


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


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


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


@pytest.fixture
def redis() -> Iterator[Redis]:
    """The tests' Redis database, with no quizapp jobs before or after the test."""
    connection = Redis.from_url(TEST_REDIS)
    try:
        connection.ping()
    except RedisError as error:
        pytest.fail(f"these tests need Redis at {TEST_REDIS}: {error}")
    clear_jobs(connection)
    yield connection
    clear_jobs(connection)
    connection.close()


def work(redis: Redis) -> None:
    """Run every queued job in this process (RQ's SimpleWorker), then return."""
    SimpleWorker([Queue(jobs.QUEUE, connection=redis)], connection=redis).work(burst=True)
