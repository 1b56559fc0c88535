"""Soak the study loop under gunicorn and kill one worker with SIGKILL halfway through.

For each database (an SQLite file with WAL, PostgreSQL `quizapp_bench`), a freshly
migrated database gets the demo bank and 200 learners (`harness.prepare_database`);
`quizapp.wsgi:app` runs under gunicorn with 4 sync workers, and 50 client threads
take the next card and answer it (`harness.drive`) for 60 measured seconds.
Halfway through the measured window one worker, found as a child of the gunicorn
master in /proc, is killed with SIGKILL; the master starts a replacement.

A request the killed worker was serving fails with a connection error: it is counted
as interrupted, never as accepted, and its answer may or may not be stored. Afterwards
the database must agree with the client's log (`harness.check_integrity`): every
accepted answer stored exactly once, nothing stored that was not sent, every card's
version equal to 1 + its reviews, and (checked here) every card's reps equal to its
reviews, so no review row exists without its card update and no card update without
its review row. Any such fault, any 5xx, or a worker that was not killed or not
replaced makes the exit status 1.

Usage: .venv/bin/python -m benchmarks.soak [--seconds 60] [--databases sqlite postgresql]
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make `benchmarks.harness` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, select

from benchmarks.harness import (
    LOGIN_LIMIT,
    POSTGRES_URL,
    RATELIMIT_URL,
    Database,
    Integrity,
    Tally,
    check_integrity,
    drive,
    gunicorn,
    percentile,
    prepare_database,
    reset_postgres,
    server_cpu,
)

DATABASES = {
    "sqlite": Database("sqlite", "sqlite:///{folder}/soak.sqlite3"),
    "postgresql": Database("postgresql", POSTGRES_URL),
}
RESPAWN_SECONDS = 30.0  # how long the master may take to replace the killed worker


def worker_pids(master: int) -> list[int]:
    """Pids of the gunicorn master's children, from /proc."""
    try:
        return [
            int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()
        ]
    except OSError:
        pass
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(entry.name))
    return children


class WorkerKiller:
    """Kill one gunicorn worker with SIGKILL a while after the measured window opens."""

    def __init__(self, master: int, workers: int, delay: float) -> None:
        self.master, self.workers, self.delay = master, workers, delay
        self.timer: threading.Timer | None = None
        self.victim: int | None = None
        self.replaced_after: float | None = None  # seconds until a new worker was forked
        self.error = ""

    def cpu(self) -> float:
        """Server CPU seconds for `drive`, which calls this when the window opens and closes."""
        if self.timer is None:
            self.timer = threading.Timer(self.delay, self.kill)
            self.timer.daemon = True
            self.timer.start()
        return server_cpu(self.master)

    def kill(self) -> None:
        workers = [pid for pid in worker_pids(self.master) if b"gunicorn" in _cmdline(pid)]
        if len(workers) != self.workers:
            self.error = f"found {len(workers)} gunicorn workers, expected {self.workers}"
            return
        self.victim = workers[0]
        killed_at = time.monotonic()
        os.kill(self.victim, signal.SIGKILL)
        while time.monotonic() - killed_at < RESPAWN_SECONDS:
            now = worker_pids(self.master)
            if self.victim not in now and len(now) == self.workers:
                self.replaced_after = time.monotonic() - killed_at
                return
            time.sleep(0.02)
        self.error = f"worker {self.victim} not replaced within {RESPAWN_SECONDS:.0f} s"

    def join(self) -> None:
        if self.timer is not None:
            self.timer.join(timeout=RESPAWN_SECONDS + 5)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def cards_with_wrong_reps(url: str) -> int:
    """Cards whose reps differ from their number of review rows."""
    from quizapp.models import Card, Review

    cards, reviews = Card.__table__, Review.__table__
    per_card = (
        select(cards.c.reps, func.count(reviews.c.id).label("reviews"))
        .select_from(cards.outerjoin(reviews, reviews.c.card_id == cards.c.id))
        .group_by(cards.c.id, cards.c.reps)
        .subquery()
    )
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).where(per_card.c.reps != per_card.c.reviews))
    finally:
        engine.dispose()


@dataclass
class Soak:
    database: str
    answers_per_s: float
    next_p50: float
    next_p99: float
    answer_p50: float
    answer_p99: float
    server_errors: int
    interrupted: int  # requests that failed with a connection error
    unknown_answers: int  # answers without a clear outcome (connection error or odd status)
    unknown_stored: int  # of those, how many the database holds
    other: int  # non-5xx unexpected statuses and 'done' pages
    integrity: Integrity
    reps_off: int
    victim: int | None
    replaced_after: float | None
    kill_error: str
    log_tracebacks: int

    @property
    def failures(self) -> list[str]:
        i = self.integrity
        checks = {
            "lost": i.lost,
            "doubled": i.doubled,
            "extra": i.extra,
            "cards with version != 1 + reviews": i.cards_off,
            "cards with reps != reviews": self.reps_off,
            "5xx": self.server_errors,
        }
        found = [f"{name}: {count}" for name, count in checks.items() if count]
        if self.kill_error:
            found.append(self.kill_error)
        return found


def stored_unknown(url: str, tally: Tally) -> int:
    """How many answers the client could not classify ended up in the reviews table."""
    from quizapp.models import Review

    unknown = {(a.user_id, a.token) for a in tally.answers if a.outcome == "unknown"}
    if not unknown:
        return 0
    reviews = Review.__table__
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(reviews.c.user_id, reviews.c.token)).all()
    finally:
        engine.dispose()
    return sum(1 for row in rows if (row.user_id, row.token) in unknown)


def soak(database: Database, args: argparse.Namespace) -> Soak:
    """Fresh database, one gunicorn, one load run with a worker killed, one check."""
    with tempfile.TemporaryDirectory(prefix="quizapp-soak-") as folder:
        url = database.url.format(folder=folder)
        if database.name == "postgresql":
            reset_postgres()
        accounts = prepare_database(url, args.users)
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "QUIZAPP_ENV": "production",
            "QUIZAPP_SECRET_KEY": secrets.token_hex(32),
            "QUIZAPP_DATABASE_URL": url,
            "QUIZAPP_RATELIMIT_STORAGE_URL": RATELIMIT_URL,
            "QUIZAPP_LOGIN_RATE_LIMIT": LOGIN_LIMIT,
        }
        log_path = Path(folder) / "gunicorn.log"
        with gunicorn("quizapp.wsgi:app", args.workers, env, log_path, "/auth/login") as (
            port,
            master,
        ):
            killer = WorkerKiller(master, args.workers, args.seconds / 2)
            tally = drive(
                port,
                accounts,
                bare=False,
                learners=args.learners,
                warmup=args.warmup,
                seconds=args.seconds,
                cpu=killer.cpu,
            )
            killer.join()
        log = log_path.read_text(errors="replace")
        if args.verbose:
            print(log[-3000:])
        integrity = check_integrity(url, tally.answers)
        reps_off = cards_with_wrong_reps(url)
        unknown_stored = stored_unknown(url, tally)
    return Soak(
        database=database.name,
        answers_per_s=tally.measured_answers / args.seconds,
        next_p50=percentile(tally.next_ms, 50),
        next_p99=percentile(tally.next_ms, 99),
        answer_p50=percentile(tally.answer_ms, 50),
        answer_p99=percentile(tally.answer_ms, 99),
        server_errors=tally.server_errors,
        interrupted=tally.connection_errors,
        unknown_answers=sum(1 for a in tally.answers if a.outcome == "unknown"),
        unknown_stored=unknown_stored,
        other=sum(tally.other_statuses.values()) + tally.done_pages,
        integrity=integrity,
        reps_off=reps_off,
        victim=killer.victim,
        replaced_after=killer.replaced_after,
        kill_error=killer.error or ("" if killer.victim else "no worker was killed"),
        log_tracebacks=log.count("Traceback"),
    )


HEADER = (
    f"{'database':<10} {'answers/s':>9} {'next p50':>8} {'p99':>6} {'answer p50':>10} "
    f"{'p99':>6} {'5xx':>3} {'interrupted':>11} {'unknown':>7} {'other':>5} {'reviews':>7} "
    f"{'lost':>4} {'doubled':>7} {'extra':>5} {'version':>7} {'reps':>4} {'respawn s':>9} "
    f"{'tracebacks':>10}"
)


def row(result: Soak) -> str:
    i = result.integrity
    respawn = f"{result.replaced_after:.2f}" if result.replaced_after is not None else "-"
    unknown = f"{result.unknown_stored}/{result.unknown_answers}"
    return (
        f"{result.database:<10} {result.answers_per_s:>9.1f} {result.next_p50:>8.1f} "
        f"{result.next_p99:>6.1f} {result.answer_p50:>10.1f} {result.answer_p99:>6.1f} "
        f"{result.server_errors:>3} {result.interrupted:>11} {unknown:>7} {result.other:>5} "
        f"{i.stored:>7} {i.lost:>4} {i.doubled:>7} {i.extra:>5} {i.cards_off:>7} "
        f"{result.reps_off:>4} {respawn:>9} {result.log_tracebacks:>10}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    parser.add_argument("--learners", type=int, default=50, help="concurrent client threads")
    parser.add_argument("--users", type=int, default=200, help="learner accounts to seed")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--databases",
        nargs="+",
        choices=list(DATABASES),
        default=list(DATABASES),
    )
    parser.add_argument("--verbose", action="store_true", help="print server log tails")
    args = parser.parse_args()
    if not 0 < args.seconds <= 600 or not 1 <= args.learners <= 256:
        parser.error("--seconds must be in (0, 600] and --learners in [1, 256]")
    if not 1 <= args.workers <= 16 or args.users < args.learners:
        parser.error("--workers must be in [1, 16] and --users at least --learners")
    print(
        f"soak: {args.learners} client threads over {args.users} learners, gunicorn with "
        f"{args.workers} workers, {args.warmup:g} s warm-up + {args.seconds:g} s measured; "
        f"one worker SIGKILLed {args.seconds / 2:g} s into the measured window; "
        f"{os.cpu_count()} CPUs",
        flush=True,
    )
    results = []
    for name in args.databases:
        result = soak(DATABASES[name], args)
        results.append(result)
        respawn = "-" if result.replaced_after is None else f"{result.replaced_after:.2f}"
        print(
            f"{name}: killed worker {result.victim}, new worker process after {respawn} s; "
            f"{result.answers_per_s:.1f} answers/s; problems: "
            f"{', '.join(result.failures) or 'none'}",
            flush=True,
        )
    print()
    print(HEADER)
    print("-" * len(HEADER))
    for result in results:
        print(row(result))
    print(
        "\nlatencies in ms; interrupted = requests failed with a connection error (the killed "
        "worker's);\nunknown = stored/sent answers with no clear outcome (interrupted or an "
        "unexpected status), never counted as accepted;\nother = non-5xx unexpected statuses + "
        "'done' pages; version = cards whose version != 1 + their reviews;\nreps = cards whose "
        "reps != their reviews; respawn s = seconds until the master had forked a new worker\n"
        "(which then loads the app)"
    )
    failed = [r for r in results if r.failures]
    for result in failed:
        print(f"FAILED {result.database}: {'; '.join(result.failures)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
