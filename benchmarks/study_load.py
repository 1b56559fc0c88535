"""Load-test the study loop under gunicorn and compare it with a bare endpoint.

For each database (an SQLite file with WAL, PostgreSQL `quizapp_bench`) and each
gunicorn worker count, three servers are measured on a freshly migrated database
holding the demo bank, 200 learners and one card row per learner and question:

- app: `quizapp.wsgi:app` in production mode. Each client thread logs its learners
  in once, then loops: GET /banks/<slug>/study (the card front), POST
  /banks/<slug>/answer with the form's question, version and token and a random
  rating. The reveal page is skipped: it only renders, it records nothing.
- flask: `benchmarks/bare_flask.py`, a plain Flask + Flask-Login + SQLAlchemy + fsrs
  app doing the same work (the user loaded per request, the earliest-due card through
  the index on user and due, a small Jinja page; a version-checked card update and
  the review insert): the reference the app is held to (at least 0.8 of its answers/s).
- bare: `bare_app` below, a plain WSGI callable issuing the same SQL statements as
  the app with SQLAlchemy Core on one connection per request: for the card page the
  user, the bank, the overdue assignments, the queue's
  counts and next card (the app's own statements from `quizapp.services.statements`);
  for an answer the user, the bank, the question with its card and the fuzz
  window's load, then the version-checked card update and the review insert in one
  transaction. The learner is named by a plain `uid` cookie: no Flask, sessions,
  CSRF, ORM or templates. `--profile` prints both servers' statements per request.

Every answer the server accepted (302 without a warning on the next page) is
compared with the reviews table afterwards: each accepted token must be stored
exactly once, and no other row may exist.

Usage: .venv/bin/python benchmarks/study_load.py [--seconds 15] [--learners 32]
       .venv/bin/python benchmarks/study_load.py --profile 300 [--databases postgresql]
"""

from __future__ import annotations

import argparse
import cProfile
import html
import http.client
import io
import math
import os
import pstats
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from sqlalchemy import create_engine, event, func, insert, select, text
from sqlalchemy.exc import IntegrityError

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
BANK_FILE = ROOT / "cards" / "posterior-hip-pain.yaml"
SLUG = "posterior-hip-pain"
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
POSTGRES_DB = "quizapp_bench"
POSTGRES_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{POSTGRES_DB}"
RATELIMIT_URL = "redis://127.0.0.1:6379/15"
LOGIN_LIMIT = "100000 per minute"
BARE_URL_ENV = "QUIZAPP_BENCH_DATABASE_URL"
PASSWORD = "benchmark-password"
# Setup only: a cheap hash keeps 200 sign-ins quick; sign-in is not measured.
PASSWORD_METHOD = "pbkdf2:sha256:1000"
RATINGS = (1, 2, 3, 4)
RATING_WEIGHTS = (0.10, 0.10, 0.65, 0.15)
TARGET_RATIO = 0.8
READY_SECONDS = 30.0
REQUEST_TIMEOUT = 30.0
MAX_ITERATIONS = 100_000  # per client thread, on top of the time limit
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

FRONT_FORM = re.compile(r'<form[^>]*id="front".*?</form>', re.S)
HIDDEN_INPUT = re.compile(r'<input[^>]*type="hidden"[^>]*>')
INPUT_NAME = re.compile(r'name="([^"]+)"')
INPUT_VALUE = re.compile(r'value="([^"]*)"')
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
WARNING_FLASH = 'class="flash warning"'


# --------------------------------------------------------------------------- bare app


_bare: dict[str, Any] = {}
_bare_lock = threading.Lock()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The same settings quizapp applies to its SQLite connections.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _bare_state() -> dict[str, Any]:
    """Engine and tables, made on first use so each gunicorn worker opens its own."""
    with _bare_lock:
        if not _bare:
            from quizapp import models, scheduling
            from quizapp.services import statements, study

            engine = create_engine(os.environ[BARE_URL_ENV])
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
            _bare.update(
                engine=engine,
                models=models,
                scheduling=scheduling,
                statements=statements,
                study=study,
            )
    return _bare


class _Refused(Exception):
    """The card changed since it was shown, or the token was already used."""


def _bare_common(conn: Any, uid: int, slug: str) -> Any:
    """What every app request reads first: the signed-in user, then the bank of the URL."""
    state = _bare_state()
    users = state["models"].User.__table__
    conn.execute(select(users).where(users.c.id == uid)).one()
    return conn.execute(state["statements"].bank(), {"slug": slug}).one()


def _bare_next(uid: int, slug: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """The card page's statements: user, bank, overdue assignments, counts and the next
    card (all but the user's are the app's own prebuilt statements)."""
    state = _bare_state()
    sql, study = state["statements"], state["study"]
    now = datetime.now(UTC)
    with state["engine"].connect() as conn:
        bank = _bare_common(conn, uid, slug)
        overdue = {"user_id": uid, "role": "trainee", "bank_id": bank.id, "now": now}
        conn.execute(sql.overdue_assignments(), overdue).all()
        shape = sql.Shape()
        parameters = {
            "user_id": uid,
            "bank_id": bank.id,
            "now": now,
            "ahead": now + study.LEARN_AHEAD,
            "day_start": study.StudyDay().start(now),  # the trainee keeps the default day
        }
        counts = conn.execute(sql.counts(shape), parameters).one()
        parameters.update(reviews_left=counts[1] > 0, new_left=counts[2] > 0)
        row = conn.execute(sql.next_card(shape), parameters).first()
    if row is None:
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


def _bare_answer(uid: int, slug: str, form: dict[str, str]) -> tuple[str, list[Any], bytes]:
    """The answer's statements: user, bank, the question with its card, the fuzz window's
    load, then the version-checked card update and the review insert in one transaction."""
    state = _bare_state()
    m, sql, scheduling = state["models"], state["statements"], state["scheduling"]
    cards = m.Card.__table__
    question_id, seen, token = int(form["question_id"]), int(form["version"]), form["token"]
    grade = scheduling.Grade(int(form["rating"]))
    shown = form.get("shown_at", "")
    now = datetime.now(UTC)
    duration = int(now.timestamp() * 1000) - int(shown) if shown.isdigit() else None
    try:
        with state["engine"].begin() as conn:
            _bare_common(conn, uid, slug)
            row = conn.execute(sql.shown(), {"user_id": uid, "question_id": question_id}).first()
            if row.card_id is None or row.version != seen:
                raise _Refused

            def load(low: int, high: int) -> dict[int, int]:
                dues = conn.scalars(
                    select(cards.c.due).where(
                        cards.c.user_id == uid,
                        cards.c.state == sql.REVIEW_STATE,
                        cards.c.due >= now + timedelta(days=low),
                        cards.c.due < now + timedelta(days=high + 1),
                    )
                )
                return dict(Counter((due - now).days for due in dues))

            fields = sql.MEMORY_FIELDS
            before = {name: getattr(row, name) for name in fields}
            memory = scheduling.MemoryState(**before)
            after = scheduling.review(
                scheduling.Settings(),
                card_id=row.card_id,
                memory=memory,
                grade=grade,
                now=now,
                load=load,
            ).after
            new = {f"new_{name}": getattr(after, name) for name in fields}
            changed = conn.execute(
                sql.save_memory(),
                {
                    "card_id": row.card_id,
                    "version": seen,
                    "new_version": seen + 1,
                    "passed": int(scheduling.passed(None, grade)),
                    **new,
                },
            )
            if changed.rowcount != 1:
                raise _Refused
            conn.execute(
                sql.record_review(),
                {
                    "user_id": uid,
                    "card_id": row.card_id,
                    "question_id": question_id,
                    "token": token,
                    "rating": int(grade),
                    "reviewed_at": now,
                    "duration_ms": duration,
                    "state_before": None if memory.is_new else memory.state,
                    "state_after": after.state,
                    "stability_after": after.stability,
                    "difficulty_after": after.difficulty,
                    "response": form.get("response") or None,
                    "correct": None,
                    "card_before": {
                        name: value.isoformat() if isinstance(value, datetime) else value
                        for name, value in before.items()
                    },
                },
            ).scalar_one()
    except (_Refused, IntegrityError):
        return "409 Conflict", [("Content-Type", "text/plain")], b"refused"
    return "302 Found", [("Location", f"/banks/{slug}/study")], b""


def bare_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
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
        status, headers, body = _bare_next(int(cookies["uid"]), parts[1])
    elif len(parts) == 3 and parts[0] == "banks" and (method, parts[2]) == ("POST", "answer"):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length).decode()
        form = {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}
        status, headers, body = _bare_answer(int(cookies["uid"]), parts[1], form)
    else:
        status, headers, body = "404 Not Found", [("Content-Type", "text/plain")], b"not found"
    start_response(status, [*headers, ("Content-Length", str(len(body)))])
    return [body]


# --------------------------------------------------------------------------- databases


@dataclass(frozen=True)
class Database:
    name: str
    url: str  # {folder}: a fresh temporary folder


DATABASES = {
    "sqlite": Database("sqlite", "sqlite:///{folder}/bench.sqlite3"),
    "postgresql": Database("postgresql", POSTGRES_URL),
}


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


def reset_postgres() -> None:
    """Create quizapp_bench if missing, then drop every table in it."""
    admin = create_engine(POSTGRES_ADMIN_URL)
    try:
        with admin.connect() as conn:
            found = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": POSTGRES_DB}
            )
    finally:
        admin.dispose()
    if not found:
        _run(["createdb", "-h", "127.0.0.1", "-U", "postgres", POSTGRES_DB], dict(os.environ))
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def prepare_database(url: str, users: int) -> list[tuple[int, str]]:
    """Migrate, load the demo bank, add learners and a card per learner and question."""
    from werkzeug.security import generate_password_hash

    from quizapp.models import Card, Question, User

    env = {**os.environ, "QUIZAPP_DATABASE_URL": url, "QUIZAPP_ENV": "development"}
    _run([str(VENV_BIN / "quizapp"), "db", "upgrade"], env)
    _run([str(VENV_BIN / "quizapp"), "bank", "load", str(BANK_FILE)], env)
    password_hash = generate_password_hash(PASSWORD, method=PASSWORD_METHOD)
    start = datetime.now(UTC) - timedelta(days=1)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(User.__table__),
                [
                    {
                        "email": f"learner{n:03d}@bench.example",
                        "name": f"Learner {n}",
                        "password_hash": password_hash,
                        "role": "trainee",
                        "session_token": secrets.token_hex(16),
                        # Limits high enough that no learner runs out of cards mid-run.
                        "new_per_day": 9999,
                        "reviews_per_day": 99999,
                    }
                    for n in range(users)
                ],
            )
            accounts = [
                (row.id, row.email)
                for row in conn.execute(
                    select(User.__table__.c.id, User.__table__.c.email).order_by(
                        User.__table__.c.id
                    )
                )
            ]
            questions = conn.execute(
                select(Question.__table__.c.id, Question.__table__.c.position).where(
                    Question.__table__.c.retired.is_(False)
                )
            ).all()
            conn.execute(
                insert(Card.__table__),
                [
                    {
                        "user_id": user_id,
                        "question_id": question.id,
                        "state": 1,
                        "step": 0,
                        "due": start + timedelta(seconds=question.position),
                        "reps": 0,
                        "lapses": 0,
                        "suspended": False,
                        "version": 1,
                    }
                    for user_id, _ in accounts
                    for question in questions
                ],
            )
    finally:
        engine.dispose()
    return accounts


@dataclass
class Integrity:
    stored: int = 0
    lost: int = 0
    doubled: int = 0
    extra: int = 0
    refused_recorded: int = 0
    cards_off: int = 0


def check_integrity(url: str, answers: list[Answer]) -> Integrity:
    """Compare the accepted answers with the reviews table and the card versions."""
    from quizapp.models import Card, Review

    reviews, cards = Review.__table__, Card.__table__
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(reviews.c.user_id, reviews.c.token)).all()
            per_card = (
                select(cards.c.version, func.count(reviews.c.id).label("reviews"))
                .select_from(cards.outerjoin(reviews, reviews.c.card_id == cards.c.id))
                .group_by(cards.c.id, cards.c.version)
                .subquery()
            )
            cards_off = conn.scalar(
                select(func.count()).where(per_card.c.version - 1 != per_card.c.reviews)
            )
    finally:
        engine.dispose()
    stored = Counter((row.user_id, row.token) for row in rows)
    accepted = Counter((a.user_id, a.token) for a in answers if a.outcome == "accepted")
    refused = {(a.user_id, a.token) for a in answers if a.outcome == "refused"}
    unknown = {(a.user_id, a.token) for a in answers if a.outcome == "unknown"}
    return Integrity(
        stored=len(rows),
        lost=sum(1 for key in accepted if stored[key] == 0),
        doubled=sum(n - 1 for n in stored.values() if n > 1)
        + sum(n - 1 for n in accepted.values() if n > 1),
        extra=sum(n for key, n in stored.items() if key not in accepted and key not in unknown),
        refused_recorded=sum(1 for key in refused if stored[key]),
        cards_off=cards_off or 0,
    )


# --------------------------------------------------------------------------- servers


def _process_cpu(pid: str) -> float:
    """User + system CPU seconds of one process; 0 if it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def server_cpu(master: int) -> float:
    """CPU seconds used so far by the gunicorn workers and this benchmark's PostgreSQL backends."""
    try:
        pids = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if command.startswith(b"postgres: ") and POSTGRES_DB.encode() in command:
                pids.append(entry.name)
    return sum(_process_cpu(pid) for pid in pids)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    target: str, workers: int, env: dict[str, str], log_path: Path, ready_path: str
) -> Iterator[tuple[int, int]]:
    """Serve TARGET on a free 127.0.0.1 port; always stop it (terminate, then kill)."""
    port = free_port()
    command = [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", target]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            wait_ready(process, port, ready_path, log_path)
            yield port, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def wait_ready(process: subprocess.Popen[bytes], port: int, path: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log_path.read_text(errors='replace')[-3000:]}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer on port {port} within {READY_SECONDS:.0f} s")


# --------------------------------------------------------------------------- client


@dataclass
class Account:
    user_id: int
    email: str
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    pending: Answer | None = None  # its outcome shows on this learner's next page
    done: bool = False


@dataclass
class Answer:
    user_id: int
    token: str
    outcome: str  # accepted, refused, or unknown (the connection failed mid-request)


@dataclass
class Tally:
    next_ms: list[float] = field(default_factory=list)
    answer_ms: list[float] = field(default_factory=list)
    measured_answers: int = 0
    server_errors: int = 0
    other_statuses: Counter[int] = field(default_factory=Counter)
    connection_errors: int = 0
    done_pages: int = 0
    answers: list[Answer] = field(default_factory=list)
    server_cpu: float = 0.0  # CPU seconds the server used in the measured window

    def count_bad(self, status: int) -> None:
        if status >= 500:
            self.server_errors += 1
        else:
            self.other_statuses[status] += 1


class Client:
    """One keep-alive-if-possible HTTP connection to 127.0.0.1 with per-learner cookies."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)

    def request(
        self, method: str, path: str, account: Account, form: dict[str, str] | None = None
    ) -> tuple[int, str]:
        headers = {}
        if account.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in account.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            raise
        # Production cookies are Secure; this client sends them over plain http itself.
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "expires=thu, 01 jan 1970" not in header.lower():
                account.cookies[name.strip()] = value
            else:
                account.cookies.pop(name.strip(), None)
        return response.status, data.decode("utf-8", "replace")

    def close(self) -> None:
        self.conn.close()


def front_fields(page: str) -> dict[str, str] | None:
    form = FRONT_FORM.search(page)
    if form is None:
        return None
    fields = {}
    for tag in HIDDEN_INPUT.findall(form.group(0)):
        name, value = INPUT_NAME.search(tag), INPUT_VALUE.search(tag)
        if name:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


def log_in(client: Client, account: Account) -> None:
    status, page = client.request("GET", "/auth/login", account)
    token = CSRF_TOKEN.search(page)
    if status != 200 or token is None:
        raise RuntimeError(f"login page for {account.email}: HTTP {status}")
    status, _ = client.request(
        "POST",
        "/auth/login",
        account,
        {"csrf_token": token.group(1), "email": account.email, "password": PASSWORD},
    )
    if status != 302:
        raise RuntimeError(f"login of {account.email}: HTTP {status}, expected 302")


def _settle(account: Account, page: str, tally: Tally) -> None:
    """The previous answer of this learner was refused if this page warns about it."""
    if account.pending is not None:
        if WARNING_FLASH in page:
            account.pending.outcome = "refused"
        tally.answers.append(account.pending)
        account.pending = None


def learn(
    port: int, accounts: list[Account], warm_end: float, end: float, seed: int, tally: Tally
) -> None:
    """Answer cards for these learners in turn until END; measure from WARM_END on."""
    client = Client(port)
    rng = random.Random(seed)
    study, answer = f"/banks/{SLUG}/study", f"/banks/{SLUG}/answer"
    try:
        for iteration in range(MAX_ITERATIONS):
            if time.perf_counter() >= end or all(a.done for a in accounts):
                break
            account = accounts[iteration % len(accounts)]
            if account.done:
                continue
            started = time.perf_counter()
            measured = started >= warm_end
            try:
                status, page = client.request("GET", study, account)
            except (OSError, http.client.HTTPException):
                tally.connection_errors += 1
                continue
            if measured:
                tally.next_ms.append((time.perf_counter() - started) * 1000)
            if status != 200:
                tally.count_bad(status)
                continue
            _settle(account, page, tally)
            fields = front_fields(page)
            if fields is None:
                tally.done_pages += 1
                account.done = True
                continue
            csrf = CSRF_TOKEN.search(page)
            account.csrf = csrf.group(1) if csrf else account.csrf
            form = {
                "csrf_token": account.csrf,
                "question_id": fields["q"],
                "version": fields["v"],
                "token": fields["t"],
                "shown_at": fields.get("shown", ""),
                "response": "",
                "rating": str(rng.choices(RATINGS, RATING_WEIGHTS)[0]),
            }
            started = time.perf_counter()
            try:
                status, _ = client.request("POST", answer, account, form)
            except (OSError, http.client.HTTPException):
                tally.connection_errors += 1
                tally.answers.append(Answer(account.user_id, fields["t"], "unknown"))
                continue
            finished = time.perf_counter()
            if measured:
                tally.answer_ms.append((finished - started) * 1000)
            if status == 302:
                account.pending = Answer(account.user_id, fields["t"], "accepted")
                if measured and finished <= end:
                    tally.measured_answers += 1
            elif status == 409:  # the bare app's refusal
                tally.answers.append(Answer(account.user_id, fields["t"], "refused"))
            else:
                tally.count_bad(status)
                tally.answers.append(Answer(account.user_id, fields["t"], "unknown"))
        # One more page per learner with an answer in flight, to read its outcome.
        for account in accounts:
            if account.pending is not None:
                try:
                    _, page = client.request("GET", study, account)
                except (OSError, http.client.HTTPException):
                    page = ""
                _settle(account, page, tally)
    finally:
        client.close()


def _in_threads(target: Callable[..., None], jobs: list[tuple[Any, ...]]) -> None:
    threads = [threading.Thread(target=target, args=job, daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def drive(
    port: int,
    accounts: list[tuple[int, str]],
    *,
    bare: bool,
    learners: int,
    warmup: float,
    seconds: float,
    cpu: Callable[[], float],
) -> Tally:
    """Run the learners against a server; return the merged tally."""
    groups = [
        [Account(user_id, email) for user_id, email in accounts[n::learners]]
        for n in range(min(learners, len(accounts)))
    ]
    if bare:
        for group in groups:
            for account in group:
                account.cookies["uid"] = str(account.user_id)
    else:
        failures: list[BaseException] = []

        def log_in_all(group: list[Account]) -> None:
            client = Client(port)
            try:
                for account in group:
                    log_in(client, account)
            except Exception as error:
                failures.append(error)
            finally:
                client.close()

        _in_threads(log_in_all, [(group,) for group in groups])
        if failures:
            raise RuntimeError(f"{len(failures)} learner(s) could not log in: {failures[0]}")
    warm_end = time.perf_counter() + warmup
    end = warm_end + seconds
    tallies = [Tally() for _ in groups]
    threads = [
        threading.Thread(
            target=learn, args=(port, group, warm_end, end, n, tallies[n]), daemon=True
        )
        for n, group in enumerate(groups)
    ]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, warm_end - time.perf_counter()))
    cpu_start = cpu()
    time.sleep(max(0.0, end - time.perf_counter()))
    cpu_used = cpu() - cpu_start
    for thread in threads:
        thread.join()
    merged = Tally(server_cpu=cpu_used)
    for tally in tallies:
        merged.next_ms += tally.next_ms
        merged.answer_ms += tally.answer_ms
        merged.measured_answers += tally.measured_answers
        merged.server_errors += tally.server_errors
        merged.other_statuses += tally.other_statuses
        merged.connection_errors += tally.connection_errors
        merged.done_pages += tally.done_pages
        merged.answers += tally.answers
    return merged


# --------------------------------------------------------------------------- runs


@dataclass
class Result:
    database: str
    workers: int
    server: str
    answers_per_s: float
    next_p50: float
    next_p99: float
    answer_p50: float
    answer_p99: float
    server_errors: int
    other: int
    integrity: Integrity
    client_cpu: float
    server_cpu_ms: float  # per accepted answer in the measured window
    log_problems: int
    ratio: float | None = None
    cpu_ratio: float | None = None

    @property
    def faults(self) -> int:
        i = self.integrity
        return i.lost + i.doubled + i.extra + i.cards_off


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def run_one(database: Database, workers: int, server: str, args: argparse.Namespace) -> Result:
    """Fresh database, one gunicorn, one load run, one integrity check."""
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-") as folder:
        url = database.url.format(folder=folder)
        if database.name == "postgresql":
            reset_postgres()
        accounts = prepare_database(url, args.users)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if server == "app":
            env.update(
                QUIZAPP_ENV="production",
                QUIZAPP_SECRET_KEY=secrets.token_hex(32),
                QUIZAPP_DATABASE_URL=url,
                QUIZAPP_RATELIMIT_STORAGE_URL=RATELIMIT_URL,
                QUIZAPP_LOGIN_RATE_LIMIT=LOGIN_LIMIT,
            )
            target, ready = "quizapp.wsgi:app", "/auth/login"
        elif server == "flask":
            env[BARE_URL_ENV] = url
            target, ready = "benchmarks.bare_flask:app", "/auth/login"
        else:
            env[BARE_URL_ENV] = url
            target, ready = "benchmarks.study_load:bare_app", "/ready"
        log_path = Path(folder) / "gunicorn.log"
        cpu = time.process_time()
        with gunicorn(target, workers, env, log_path, ready) as (port, master):
            tally = drive(
                port,
                accounts,
                bare=server == "bare",
                learners=args.learners,
                warmup=args.warmup,
                seconds=args.seconds,
                cpu=lambda: server_cpu(master),
            )
        cpu = time.process_time() - cpu
        log = log_path.read_text(errors="replace")
        log_problems = log.count("Traceback") + log.count("database unavailable")
        if log_problems and args.verbose:
            print(log[-3000:])
        integrity = check_integrity(url, tally.answers)
    return Result(
        database=database.name,
        workers=workers,
        server=server,
        answers_per_s=tally.measured_answers / args.seconds,
        next_p50=percentile(tally.next_ms, 50),
        next_p99=percentile(tally.next_ms, 99),
        answer_p50=percentile(tally.answer_ms, 50),
        answer_p99=percentile(tally.answer_ms, 99),
        server_errors=tally.server_errors,
        other=sum(tally.other_statuses.values()) + tally.connection_errors + tally.done_pages,
        integrity=integrity,
        client_cpu=cpu,
        server_cpu_ms=tally.server_cpu * 1000 / max(tally.measured_answers, 1),
        log_problems=log_problems,
    )


HEADER = (
    f"{'database':<10} {'w':>1} {'server':<5} {'answers/s':>9} {'next p50':>8} {'p99':>6} "
    f"{'answer p50':>10} {'p99':>6} {'5xx':>3} {'other':>5} {'reviews':>7} {'lost':>4} "
    f"{'doubled':>7} {'extra':>5} {'cards':>5} {'cpu ms/ans':>10} {'app/this':>8} {'by cpu':>6}"
)


def _ratio(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else ""


def row(result: Result) -> str:
    i = result.integrity
    return (
        f"{result.database:<10} {result.workers:>1} {result.server:<5} "
        f"{result.answers_per_s:>9.1f} {result.next_p50:>8.1f} {result.next_p99:>6.1f} "
        f"{result.answer_p50:>10.1f} {result.answer_p99:>6.1f} {result.server_errors:>3} "
        f"{result.other:>5} {i.stored:>7} {i.lost:>4} {i.doubled:>7} {i.extra:>5} "
        f"{i.cards_off:>5} {result.server_cpu_ms:>10.2f} {_ratio(result.ratio):>8} "
        f"{_ratio(result.cpu_ratio):>6}"
    )


def benchmark(args: argparse.Namespace) -> int:
    print(
        f"study loop under gunicorn: {args.learners} client threads over {args.users} learners, "
        f"{args.warmup:g} s warm-up + {args.seconds:g} s measured per run, {os.cpu_count()} CPUs"
    )
    print(
        "loop per learner: GET next card, POST answer (reveal page skipped); "
        "latencies in ms; answers/s counts answers accepted inside the measured window"
    )
    results: list[Result] = []
    for name in args.databases:
        for workers in args.workers:
            pair = {}
            for server in ("app", "flask", "bare"):
                result = run_one(DATABASES[name], workers, server, args)
                pair[server] = result
                results.append(result)
                i = result.integrity
                print(
                    f"{name} w={workers} {server}: {result.answers_per_s:.1f} answers/s, next "
                    f"p50/p99 {result.next_p50:.1f}/{result.next_p99:.1f} ms, answer p50/p99 "
                    f"{result.answer_p50:.1f}/{result.answer_p99:.1f} ms, 5xx "
                    f"{result.server_errors}, other {result.other}, reviews {i.stored}, lost "
                    f"{i.lost}, doubled {i.doubled}, extra {i.extra} (refused but stored "
                    f"{i.refused_recorded}), cards off {i.cards_off}, server log problems "
                    f"{result.log_problems}, server CPU {result.server_cpu_ms:.2f} ms per "
                    f"answer, client CPU {result.client_cpu:.1f} s",
                    flush=True,
                )
            app, flask, bare = pair["app"], pair["flask"], pair["bare"]
            for reference in (flask, bare):
                if reference.answers_per_s and app.server_cpu_ms:
                    reference.ratio = app.answers_per_s / reference.answers_per_s
                    reference.cpu_ratio = reference.server_cpu_ms / app.server_cpu_ms
            if flask.ratio is not None:
                print(
                    f"{name} w={workers} app/plain Flask answers/s: {flask.ratio:.2f} "
                    f"(target >= {TARGET_RATIO}); by server CPU per answer: "
                    f"{flask.cpu_ratio:.2f}; app/bare WSGI: {_ratio(bare.ratio)}",
                    flush=True,
                )
    print()
    print(HEADER)
    print("-" * len(HEADER))
    for result in results:
        print(row(result))
    print(
        "\nother = non-5xx unexpected statuses + connection errors + 'done' pages; "
        "cards = cards whose version does not equal 1 + their reviews;\n"
        "cpu ms/ans = CPU of the gunicorn workers (and PostgreSQL backends) per accepted "
        "answer in the window,\nfar less sensitive to other load on the machine than answers/s; "
        "app/this = app answers/s / this server's; by cpu = this cpu ms/ans / app cpu ms/ans"
    )
    faulty = [r for r in results if r.faults or r.server_errors]
    if faulty:
        print(f"FAILED: {len(faulty)} run(s) lost, doubled or added reviews, or answered 5xx")
        return 1
    below = [
        r for r in results if r.server == "flask" and r.ratio is not None and r.ratio < TARGET_RATIO
    ]
    if below:
        print(f"note: app/plain Flask below {TARGET_RATIO} in {len(below)} configuration(s)")
    return 0


# --------------------------------------------------------------------------- profile


def profile(args: argparse.Namespace) -> int:
    """Time and cProfile next-card and answer requests in-process, on the first of
    --databases, through Werkzeug's test client."""
    from werkzeug.test import Client as WsgiClient

    from quizapp import create_app

    with tempfile.TemporaryDirectory(prefix="quizapp-profile-") as folder:
        database = DATABASES[args.databases[0]]
        url = database.url.format(folder=folder)
        if database.name == "postgresql":
            reset_postgres()
        accounts = prepare_database(url, 2)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "RATELIMIT_STORAGE_URI": RATELIMIT_URL,
                "LOGIN_RATE_LIMIT": LOGIN_LIMIT,
            },
            production=False,
        )
        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        csrf = CSRF_TOKEN.search(page)
        assert csrf, "no CSRF token on the login page"
        client.post(
            "/auth/login",
            data={"csrf_token": csrf.group(1), "email": accounts[0][1], "password": PASSWORD},
        )
        os.environ[BARE_URL_ENV] = url
        bare = WsgiClient(bare_app)
        bare.set_cookie("uid", str(accounts[1][0]))

        def timed(profiler: cProfile.Profile | None, call: Callable[[], Any]) -> tuple[Any, float]:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            result = call()
            if profiler:
                profiler.disable()
            return result, time.perf_counter() - started

        def loop(
            http_client: Any, count: int, profilers: tuple[cProfile.Profile, ...] = (None, None)
        ) -> tuple[float, float]:
            spent = [0.0, 0.0]
            for n in range(count):
                response, elapsed = timed(
                    profilers[0], lambda: http_client.get(f"/banks/{SLUG}/study")
                )
                spent[0] += elapsed
                page = response.get_data(as_text=True)
                fields = front_fields(page)
                token = CSRF_TOKEN.search(page)
                assert fields, "no card front"
                form = {
                    "csrf_token": token.group(1) if token else "",
                    "question_id": fields["q"],
                    "version": fields["v"],
                    "token": fields["t"],
                    "shown_at": fields["shown"],
                    "response": "",
                    "rating": str(RATINGS[n % 4]),
                }
                response, elapsed = timed(
                    profilers[1],
                    lambda form=form: http_client.post(f"/banks/{SLUG}/answer", data=form),
                )
                spent[1] += elapsed
                assert response.status_code == 302, f"answer: HTTP {response.status_code}"
            return spent[0] / count * 1000, spent[1] / count * 1000

        loop(client, 20)  # warm caches and connections
        loop(bare, 20)
        with app.app_context():
            from quizapp.extensions import db

            engines = {"app": db.engine, "bare": _bare_state()["engine"]}
        statements: Counter[str] = Counter()
        counters = {
            name: (engine, lambda *_, name=name: statements.update([name]))
            for name, engine in engines.items()
        }
        for engine, counter in counters.values():
            event.listen(engine, "before_cursor_execute", counter)
        app_ms = loop(client, args.profile)
        bare_ms = loop(bare, args.profile)
        for engine, counter in counters.values():
            event.remove(engine, "before_cursor_execute", counter)
        print(
            f"in-process (Werkzeug test client), {database.name}, {args.profile} loops, "
            "no profiler:"
        )
        for name, spent in (("app", app_ms), ("bare", bare_ms)):
            print(
                f"  {name:<4}: next card {spent[0]:.2f} ms, answer {spent[1]:.2f} ms, "
                f"{statements[name] / args.profile:.1f} SQL statements per card and answer"
            )
        profilers = (cProfile.Profile(), cProfile.Profile())
        loop(client, args.profile, profilers)
        for label, profiler in zip(("next card", "answer"), profilers, strict=True):
            for order in ("cumulative", "tottime"):
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order)
                stats.print_stats(args.profile_lines)
                print(f"\n=== app {label}, {args.profile} requests, by {order} ===")
                print(out.getvalue().strip())
        with app.app_context():
            from quizapp.extensions import db

            db.engine.dispose()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    parser.add_argument("--learners", type=int, default=32, help="concurrent client threads")
    parser.add_argument("--users", type=int, default=200, help="learner accounts to seed")
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument(
        "--databases",
        nargs="+",
        choices=["sqlite", "postgresql"],
        default=["sqlite", "postgresql"],
    )
    parser.add_argument("--verbose", action="store_true", help="print server log tails")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        help="instead of the load test, time and cProfile N in-process loops",
    )
    parser.add_argument("--profile-lines", type=int, default=18)
    args = parser.parse_args()
    if args.seconds <= 0 or args.seconds > 600 or args.learners < 1 or args.learners > 256:
        parser.error("--seconds must be in (0, 600] and --learners in [1, 256]")
    if args.profile is not None:
        return profile(args)
    return benchmark(args)


if __name__ == "__main__":
    sys.exit(main())
