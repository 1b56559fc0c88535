"""Fixtures shared by the server tests: a fresh database per test, clients and factories.

The suite runs on SQLite by default and on PostgreSQL when QUIZAPP_TEST_DATABASE_URL
is set (for example postgresql+psycopg://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from redis.exceptions import RedisError

from quizapp import create_app
from quizapp.content.bankfile import load_bank
from quizapp.extensions import db
from quizapp.models import Role
from quizapp.services import accounts, banks
from tests.helpers import (
    NOW,
    PASSWORD,
    TEST_BANK,
    TEST_REDIS,
    Auth,
    clear_jobs,
    database_url,
)


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


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


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
