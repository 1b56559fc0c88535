"""The study-loop benchmarks' shared parts: databases, gunicorn, the client, integrity.

`study_load.py` (throughput against the plain Flask app and the bare endpoint) and
`soak.py` (a worker killed mid-run) are thin scripts over this module:

- databases: a fresh SQLite file or PostgreSQL database (`QUIZAPP_BENCH_POSTGRES_DB`,
  default `quizapp_bench`), migrated, with the demo bank, learners and a card per
  learner and question, analyzed on PostgreSQL (`prepare_database`);
- servers: gunicorn on a free loopback port (`gunicorn`), the CPU its workers and this
  benchmark's PostgreSQL backends use (`server_cpu`);
- the client: threads of simulated learners taking the next card and answering it
  (`drive`), with latencies and every answer's outcome;
- integrity: every accepted answer stored exactly once, nothing else stored, every
  card's version 1 + its reviews (`check_integrity`);
- `run_one`: all of it for one server, database and worker count.
"""

from __future__ import annotations

import argparse
import html
import http.client
import math
import os
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import create_engine, func, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
BANK_FILE = ROOT / "cards" / "posterior-hip-pain.yaml"
SLUG = "posterior-hip-pain"
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
POSTGRES_DB = os.environ.get("QUIZAPP_BENCH_POSTGRES_DB", "quizapp_bench")
POSTGRES_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{POSTGRES_DB}"
RATELIMIT_URL = os.environ.get("QUIZAPP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
LOGIN_LIMIT = "100000 per minute"
BARE_URL_ENV = "QUIZAPP_BENCH_DATABASE_URL"
PASSWORD = "benchmark-password"
# Setup only: a cheap hash keeps 200 sign-ins quick; sign-in is not measured.
PASSWORD_METHOD = "pbkdf2:sha256:1000"
RATINGS = (1, 2, 3, 4)
RATING_WEIGHTS = (0.10, 0.10, 0.65, 0.15)
READY_SECONDS = 30.0
REQUEST_TIMEOUT = 30.0
MAX_ITERATIONS = 100_000  # per client thread, on top of the time limit
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The servers a run can measure: gunicorn target and the path that says it is up.
SERVERS = {
    "app": ("quizapp.wsgi:app", "/auth/login"),
    "flask": ("benchmarks.bare_flask:app", "/auth/login"),
    "bare": ("benchmarks.bare_wsgi:app", "/ready"),
}

FRONT_FORM = re.compile(r'<form[^>]*id="front".*?</form>', re.S)
HIDDEN_INPUT = re.compile(r'<input[^>]*type="hidden"[^>]*>')
INPUT_NAME = re.compile(r'name="([^"]+)"')
INPUT_VALUE = re.compile(r'value="([^"]*)"')
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
WARNING_FLASH = 'class="flash warning"'

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
    """Migrate, load the demo bank, add learners and a card per learner and question;
    on PostgreSQL, analyze the tables, as autovacuum does in service."""
    from werkzeug.security import generate_password_hash

    from quizapp.models import Card, Question, User

    env = {**os.environ, "QUIZAPP_DATABASE_URL": url, "QUIZAPP_ENV": "development"}
    # This checkout's code and migrations, whichever checkout the venv was installed from.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
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
            if engine.dialect.name == "postgresql":
                # A database in service has statistics: autovacuum analyzes a table once
                # enough of it changed. Tables just loaded in bulk have none until its next
                # round, and planned blind, the queue's statement took 4 ms instead of 0.5.
                conn.execute(text("ANALYZE"))
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

    @property
    def faults(self) -> int:
        i = self.integrity
        return i.lost + i.doubled + i.extra + i.cards_off


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def server_env(server: str, url: str) -> dict[str, str]:
    """The environment gunicorn serves `server` with, on the database at `url`."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if server == "app":
        env.update(
            QUIZAPP_ENV="production",
            QUIZAPP_SECRET_KEY=secrets.token_hex(32),
            QUIZAPP_DATABASE_URL=url,
            QUIZAPP_RATELIMIT_STORAGE_URL=RATELIMIT_URL,
            QUIZAPP_LOGIN_RATE_LIMIT=LOGIN_LIMIT,
        )
    else:
        env[BARE_URL_ENV] = url
    return env


def run_one(database: Database, workers: int, server: str, args: argparse.Namespace) -> Result:
    """Fresh database, one gunicorn, one load run, one integrity check."""
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-") as folder:
        url = database.url.format(folder=folder)
        if database.name == "postgresql":
            reset_postgres()
        accounts = prepare_database(url, args.users)
        env = server_env(server, url)
        target, ready = SERVERS[server]
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
