"""The framework-free reference: the app's SQL for the study loop, without Flask.

A plain WSGI callable serving GET /banks/<slug>/study and POST /banks/<slug>/answer
with SQLAlchemy Core on one connection per request, for the learner named by a plain
`uid` cookie: no Flask, sessions, CSRF, ORM or templates. The card page issues the
app's own prebuilt statements (`quizapp.services.statements`); an answer is
`answer_card`, the one function holding the answer's path, which saves the card through
the app's card store (`quizapp.services.cards`) as the app does.

Served by `benchmarks/study_load.py` as `benchmarks.bare_wsgi:app`; the database is
named by the `QUIZAPP_BENCH_DATABASE_URL` environment variable.
"""

from __future__ import annotations

import html
import os
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import IntegrityError

from quizapp import scheduling
from quizapp.models import Card, User
from quizapp.scheduling.days import StudyDay
from quizapp.services import cards
from quizapp.services import statements as sql
from quizapp.services.exams import GRACE
from quizapp.services.study import LEARN_AHEAD

BARE_URL_ENV = "QUIZAPP_BENCH_DATABASE_URL"
_engine: list[Engine] = []
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The same settings quizapp applies to its SQLite connections.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def engine() -> Engine:
    """The engine, made on first use so each gunicorn worker opens its own."""
    with _lock:
        if not _engine:
            made = create_engine(os.environ[BARE_URL_ENV])
            if made.dialect.name == "sqlite":
                event.listen(made, "connect", _sqlite_pragmas)
            _engine.append(made)
    return _engine[0]


def _user(conn: Any, uid: int) -> Any:
    """What every app request reads first: the signed-in user."""
    users = User.__table__
    return conn.execute(select(users).where(users.c.id == uid)).one()


def next_card(uid: int, slug: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """The card page's statements: the user, then the bank as opened with the counts and
    the next card (the app's own prebuilt statement)."""
    now = datetime.now(UTC)
    with engine().connect() as conn:
        user = _user(conn, uid)
        parameters = {
            "user_id": uid,
            "slug": slug,
            "now": now,
            "ahead": now + LEARN_AHEAD,
            "day_start": StudyDay().start(now),  # the trainee keeps the default day
            "role": "trainee",
            "exams_open_since": now - GRACE,
            "own_reviews_per_day": user.reviews_per_day,
            "own_new_per_day": user.new_per_day,
        }
        row = conn.execute(sql.opened_with_queue(), parameters).one()
    if row.id is None:
        return "200 OK", [("Content-Type", "text/html")], b"<p>done</p>"
    hidden = {
        "q": row.id,
        "v": row.version or 0,
        "t": secrets.token_urlsafe(16),
        "shown": int(time.time() * 1000),
    }
    inputs = "".join(
        f'<input type="hidden" name="{name}" value="{value}">' for name, value in hidden.items()
    )
    prompt = row.content.get("prompt", "")
    body = (
        f"<!doctype html><title>study</title><p>{html.escape(prompt)}</p>"
        f'<form method="get" action="/banks/{html.escape(slug)}/reveal" id="front">{inputs}</form>'
    )
    return "200 OK", [("Content-Type", "text/html; charset=utf-8")], body.encode()


def answer_card(conn: Any, *, uid: int, form: dict[str, str], now: datetime) -> bool:
    """Record one answer in the open transaction `conn`: the question with its card, the
    fuzz window's load, then the version-checked card update and the review insert.

    Returns False, writing nothing, when the card changed since it was shown.
    """
    table = Card.__table__
    question_id, seen = int(form["question_id"]), int(form["version"])
    grade = scheduling.Grade(int(form["rating"]))
    shown = form.get("shown_at", "")
    shown_now = {"user_id": uid, "question_id": question_id, "exams_open_since": now - GRACE}
    row = conn.execute(sql.shown(), shown_now).first()
    if row is None or row.card_id is None or row.version != seen:
        return False

    def load(low: int, high: int) -> dict[int, int]:
        dues = conn.scalars(
            select(table.c.due).where(
                table.c.user_id == uid,
                table.c.state == sql.REVIEW_STATE,
                table.c.due >= now + timedelta(days=low),
                table.c.due < now + timedelta(days=high + 1),
            )
        )
        return dict(Counter((due - now).days for due in dues))

    card = cards.stored(row, question_id)
    assert card is not None
    memory = card.memory
    after = scheduling.review(
        scheduling.Settings(), card_id=row.card_id, memory=memory, grade=grade, now=now, load=load
    ).after
    passed = card.passed + scheduling.passed(None, grade)
    try:
        cards.save(conn, card, memory=after, passed=passed)
    except cards.CardChanged:
        return False
    conn.execute(
        sql.record_review(),
        {
            "user_id": uid,
            "card_id": row.card_id,
            "question_id": question_id,
            "token": form["token"],
            "rating": int(grade),
            "reviewed_at": now,
            "duration_ms": int(now.timestamp() * 1000) - int(shown) if shown.isdigit() else None,
            "state_before": None if memory.is_new else memory.state,
            "state_after": after.state,
            "stability_after": after.stability,
            "difficulty_after": after.difficulty,
            "response": form.get("response") or None,
            "correct": None,
            "card_before": memory.to_dict(),
        },
    ).scalar_one()
    return True


class _Refused(Exception):
    """The card changed since it was shown: roll the transaction back."""


def _answer(uid: int, slug: str, form: dict[str, str]) -> tuple[str, list[Any], bytes]:
    try:
        with engine().begin() as conn:
            _user(conn, uid)
            if not answer_card(conn, uid=uid, form=form, now=datetime.now(UTC)):
                raise _Refused
    except (_Refused, IntegrityError):  # a stale version, or a token already used
        return "409 Conflict", [("Content-Type", "text/plain")], b"refused"
    return "302 Found", [("Location", f"/banks/{slug}/study")], b""


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """WSGI: GET /banks/<slug>/study and POST /banks/<slug>/answer for the `uid` cookie."""
    path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
    cookies = dict(
        part.strip().split("=", 1)
        for part in environ.get("HTTP_COOKIE", "").split(";")
        if "=" in part
    )
    parts = path.strip("/").split("/")
    if path == "/ready":
        status, headers, body = "200 OK", [("Content-Type", "text/plain")], b"ok"
    elif not cookies.get("uid", "").isdigit():
        status, headers, body = "403 Forbidden", [("Content-Type", "text/plain")], b"no uid"
    elif len(parts) == 3 and parts[0] == "banks" and (method, parts[2]) == ("GET", "study"):
        status, headers, body = next_card(int(cookies["uid"]), parts[1])
    elif len(parts) == 3 and parts[0] == "banks" and (method, parts[2]) == ("POST", "answer"):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length).decode()
        form = {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}
        status, headers, body = _answer(int(cookies["uid"]), parts[1], form)
    else:
        status, headers, body = "404 Not Found", [("Content-Type", "text/plain")], b"not found"
    start_response(status, [*headers, ("Content-Length", str(len(body)))])
    return [body]
