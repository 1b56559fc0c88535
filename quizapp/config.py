"""Configuration read from the environment; building it has no side effects."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any


class ConfigError(RuntimeError):
    """A setting is missing or unusable; the message says which and how to set it."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _whole_number(environ: Mapping[str, str], name: str, default: str) -> int:
    value = environ.get(name, default)
    if not value.isdigit():
        raise ConfigError(f"{name} must be a whole number, found {value!r}")
    return int(value)


def load_config(
    instance_path: Path, *, production: bool, environ: Mapping[str, str] = os.environ
) -> dict[str, Any]:
    """Settings for `create_app`, from QUIZAPP_* environment variables.

    QUIZAPP_DATABASE_URL: SQLAlchemy URL; default an SQLite file in the instance folder.
    QUIZAPP_SECRET_KEY: required in production; in development a random key is used.
    QUIZAPP_RATELIMIT_STORAGE_URL: where login attempts are counted; default redis on
    127.0.0.1 in production (shared by all workers), memory in development.
    QUIZAPP_PROXY_HOPS: how many reverse proxies stand in front; their X-Forwarded-*
    headers are trusted, so rate limits count each client, not the proxy.
    QUIZAPP_DB_LOCK_TIMEOUT_MS: how long a request waits for a locked database before it
    gives up with a 503 (SQLite busy timeout, PostgreSQL lock_timeout); default 5000.
    QUIZAPP_MAX_REQUEST_BYTES: the largest request body accepted (413 above it); 1 MiB.
    QUIZAPP_MAX_UPLOAD_BYTES: the same for views that take files (an Anki export); 100 MB.
    QUIZAPP_QUEUE_URL: the Redis that background jobs are queued on (`quizapp worker` runs
    them); default redis://127.0.0.1:6379/1.
    """
    hops = _whole_number(environ, "QUIZAPP_PROXY_HOPS", "0")
    lock_timeout = _whole_number(environ, "QUIZAPP_DB_LOCK_TIMEOUT_MS", "5000")
    max_request = _whole_number(environ, "QUIZAPP_MAX_REQUEST_BYTES", str(1024 * 1024))
    max_upload = _whole_number(environ, "QUIZAPP_MAX_UPLOAD_BYTES", "100000000")
    secret = environ.get("QUIZAPP_SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError(
                "QUIZAPP_SECRET_KEY is not set; set it to a long random value, e.g. export "
                "QUIZAPP_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        secret = secrets.token_hex(32)
    default_limits = "redis://127.0.0.1:6379/0" if production else "memory://"
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": environ.get(
            "QUIZAPP_DATABASE_URL", sqlite_url(instance_path / "quizapp.sqlite3")
        ),
        "RATELIMIT_STORAGE_URI": environ.get("QUIZAPP_RATELIMIT_STORAGE_URL", default_limits),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": environ.get("QUIZAPP_LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "WTF_CSRF_TIME_LIMIT": None,
        "PROXY_HOPS": hops,
        "DATABASE_LOCK_TIMEOUT_MS": lock_timeout,
        "MAX_CONTENT_LENGTH": max_request,
        "MAX_FORM_MEMORY_SIZE": max_request,
        "MAX_UPLOAD_BYTES": max_upload,
        # An Anki export larger than this is imported by the background worker.
        "ANKI_IMPORT_IN_REQUEST_BYTES": 2_000_000,
        "QUEUE_URL": environ.get("QUIZAPP_QUEUE_URL", "redis://127.0.0.1:6379/1"),
        "SCHEDULER_FUZZ": True,
        "CHECK_MIGRATIONS": True,
    }
