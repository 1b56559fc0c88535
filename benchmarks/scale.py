"""Time the learner's and instructor's pages as the data grows, from 10^3 to 10^6 cards.

For each size and database, a freshly migrated database (`quizapp db upgrade`) is
filled with bulk inserts (executemany on SQLite, COPY on PostgreSQL) of what the
app itself would have written: one bank, an instructor, a class of trainees who
have each answered every question of a whole-bank assignment five times, cards in
review with due dates spread over a year around now, their reviews and flags.

  size  trainees × questions   cards      reviews
  3     1 × 1,000              10^3       5·10^3
  4     10 × 1,000             10^4       5·10^4
  5     100 × 1,000            10^5       5·10^5
  6     1,000 × 1,000          10^6       5·10^6

Then, in-process through Flask's test client (signed in, templates rendered), each
page is requested `--repeat` times: the trainee's next card, home page (with the
assignment's progress) and statistics; the instructor's progress page (by name, by
reviews and by projected retention) and its CSV, one trainee's drill-down and item
analysis. It prints p50 and p99 in milliseconds for
each size and the growth factor of each from the smallest size to the largest, and the
p50 of the CPU each request used (this process, plus the PostgreSQL backends serving
the benchmark's database): on a machine shared with other work, wall-clock times
follow the load, CPU far less.

A class large enough for its progress CSV or item analysis to be prepared on the
background worker has that job started through its page and run here first (on the
Redis of `QUIZAPP_BENCH_REDIS_URL`), its time printed; the page is then timed as the
instructor sees it once the job is done.

Usage: .venv/bin/python benchmarks/scale.py [--sizes 3 4 5] [--databases sqlite postgresql]
       .venv/bin/python benchmarks/scale.py --sizes 3 6 --repeat 10 --keep /var/tmp/scale
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parents[1]
# Time this checkout's code, whichever checkout the venv was installed from.
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# One database a size, `quizapp_scale_<size>`, kept with `--keep` to time again later.
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/quizapp_scale_{size}"
# One bank of 1,000 questions at every size: what grows is the class and its history
# (the card page's cost follows the bank's size, not the total data).
SIZES = {3: (1, 1000), 4: (10, 1000), 5: (100, 1000), 6: (1000, 1000)}
REVIEWS_PER_CARD = 5
FLAG_SHARE = 0.002
SLUG = "scale-bank"
NOW = datetime.now(UTC).replace(microsecond=0)
SECTIONS = ("indications", "contraindications", "faq", "types", "pros_cons")
SQLITE_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
PASSWORD = "scale-benchmark"
# Setup only: a cheap hash; sign-in is not measured.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
# The background jobs of large classes queue here (and run in this process).
REDIS_URL = os.environ.get("QUIZAPP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class Data:
    """The ids the pages are requested with."""

    instructor: int
    trainee: int
    assignment: int


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


def reset_postgres(admin_url: str, url: str) -> None:
    """Create the benchmark database if missing, then drop everything in it."""
    name = url.rsplit("/", 1)[1]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def migrate(url: str) -> None:
    env = {**os.environ, "QUIZAPP_DATABASE_URL": url, "QUIZAPP_ENV": "development"}
    # This checkout's code and migrations, whichever checkout the venv was installed from.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    _run([str(VENV_BIN / "quizapp"), "db", "upgrade"], env)


def _question(n: int) -> dict[str, Any]:
    if n % 3 == 0:
        options = [f"Option {n}-{k}" for k in range(4)]
        return {
            "id": f"q{n:05d}",
            "kind": "mcq",
            "section": SECTIONS[n % len(SECTIONS)],
            "prompt": f"Which option answers question {n}?",
            "options": options,
            "answer": options[n % 4],
            "explanation": f"Explanation of question {n}.",
            "tags": [f"tag-{n % 7}"],
            "source": [f"Source sentence {n}."],
        }
    return {
        "id": f"q{n:05d}",
        "kind": "basic",
        "section": SECTIONS[n % len(SECTIONS)],
        "prompt": f"What is the answer to question {n}?",
        "answer": f"Answer {n}.",
        "explanation": f"Explanation of question {n}.",
        "tags": [f"tag-{n % 7}"],
        "source": [f"Source sentence {n}."],
    }


def rows(trainees: int, questions: int, seed: int = 7) -> dict[str, Iterator[tuple[Any, ...]]]:
    """Every table's rows as tuples in the column order of `COLUMNS`, ids from 1."""
    rng = random.Random(seed)
    instructor = trainees + 1
    contents = [_question(n) for n in range(questions)]

    def users() -> Iterator[tuple[Any, ...]]:
        for n in range(1, trainees + 2):
            role = "instructor" if n == instructor else "trainee"
            yield (
                n,
                f"user{n}@scale.example",
                f"User {n:05d}",
                PASSWORD_HASH,
                role,
                secrets.token_hex(16),
                0.9,
                20,
                200,
                NOW,
            )

    def question_rows() -> Iterator[tuple[Any, ...]]:
        for n, content in enumerate(contents):
            yield (
                n + 1,
                1,
                content["id"],
                n,
                content["kind"],
                content["section"],
                json.dumps(content),
                f"{n:064d}",
                False,
                NOW,
                NOW,
                f"fact-{n // 3}",  # three questions ask each fact: siblings, as generated
            )

    def cards_and_reviews() -> Iterator[tuple[str, tuple[Any, ...]]]:
        card_id = review_id = 0
        for user in range(1, trainees + 1):
            skill = rng.uniform(0.6, 0.95)
            for n in range(questions):
                card_id += 1
                stability = rng.uniform(1, 365)
                due = NOW + timedelta(days=rng.uniform(-180, 180))
                last = due - timedelta(days=stability)
                passed = 0
                before_stability = None
                for k in range(REVIEWS_PER_CARD):
                    review_id += 1
                    when = last - timedelta(days=(REVIEWS_PER_CARD - 1 - k) * stability / 3)
                    right = rng.random() < skill
                    passed += right
                    after = stability * (k + 1) / REVIEWS_PER_CARD
                    content = contents[n]
                    response = (
                        (content["answer"] if right else content["options"][(n + 1) % 4])
                        if content["kind"] == "mcq"
                        else None
                    )
                    yield (
                        "reviews",
                        (
                            review_id,
                            user,
                            card_id,
                            n + 1,
                            f"t{card_id}-{k}",
                            3 if right else 1,
                            when,
                            rng.randint(2000, 20000),
                            None if k == 0 else 2,
                            2,
                            after,
                            5.0,
                            response,
                            right if response is not None else None,
                            json.dumps({"stability": before_stability}),
                        ),
                    )
                    before_stability = after
                yield (
                    "cards",
                    (
                        card_id,
                        user,
                        n + 1,
                        2,
                        None,
                        stability,
                        rng.uniform(1, 10),
                        due,
                        last,
                        REVIEWS_PER_CARD,
                        REVIEWS_PER_CARD - passed,
                        passed,
                        False,
                        1 + REVIEWS_PER_CARD,
                    ),
                )

    def flags() -> Iterator[tuple[Any, ...]]:
        count = max(2, int(trainees * questions * FLAG_SHARE))
        # One flag per trainee and question, as the app keeps them.
        pairs = rng.sample(range(trainees * questions), min(count, trainees * questions))
        for n, pair in enumerate(pairs, start=1):
            user, question = divmod(pair, questions)
            yield (n, user + 1, question + 1, "unclear", "?", NOW, NOW)

    selection = {"sections": [], "kinds": [], "tags": [], "questions": []}
    return {
        "users": users(),
        "banks": iter([(1, SLUG, "Scale bank", "", NOW)]),
        "questions": question_rows(),
        "classes": iter([(1, "Scale class", "SCALE123", NOW)]),
        "memberships": iter(
            [(1, 1, instructor, "instructor", NOW)]
            + [(n + 1, 1, n, "trainee", NOW) for n in range(1, trainees + 1)]
        ),
        "assignments": iter(
            [
                (
                    1,
                    1,
                    1,
                    "Whole bank",
                    json.dumps(selection),
                    NOW - timedelta(days=200),
                    NOW + timedelta(days=30),
                    None,
                    "retention",
                    1,
                    0.9,
                    0.8,
                    "open",
                    None,
                    20,
                    1,
                    NOW,
                )
            ]
        ),
        "cards_and_reviews": cards_and_reviews(),
        "flags": flags(),
    }


COLUMNS = {
    "users": "id email name password_hash role session_token desired_retention new_per_day "
    "reviews_per_day created_at",
    "banks": "id slug topic article loaded_at",
    "questions": "id bank_id key position kind section content content_hash retired "
    "created_at updated_at fact",
    "classes": "id name join_code created_at",
    "memberships": "id class_id user_id role joined_at",
    "assignments": "id class_id bank_id title selection opens_at due_at exam_at target_kind "
    "target_reviews target_retention target_share status exam_questions exam_minutes "
    "exam_attempts created_at",
    "cards": "id user_id question_id state step stability difficulty due last_review reps "
    "lapses passed suspended version",
    "reviews": "id user_id card_id question_id token rating reviewed_at duration_ms "
    "state_before state_after stability_after difficulty_after response correct card_before",
    "flags": "id user_id question_id reason comment created_at updated_at",
}
ORDER = ("users", "banks", "questions", "classes", "memberships", "assignments")
BATCH = 50_000


def _sqlite_value(value: Any) -> Any:
    return value.astimezone(UTC).strftime(SQLITE_FORMAT) if isinstance(value, datetime) else value


def seed_sqlite(path: Path, trainees: int, questions: int) -> None:
    data = rows(trainees, questions)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")

    def insert(table: str, values: Iterator[tuple[Any, ...]]) -> None:
        names = COLUMNS[table].split()
        statement = (
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        )
        batch: list[tuple[Any, ...]] = []
        for row in values:
            batch.append(tuple(_sqlite_value(v) for v in row))
            if len(batch) >= BATCH:
                conn.executemany(statement, batch)
                batch.clear()
        if batch:
            conn.executemany(statement, batch)

    for table in ORDER:
        insert(table, data[table])
    cards: list[tuple[Any, ...]] = []
    reviews: list[tuple[Any, ...]] = []
    for table, row in data["cards_and_reviews"]:
        (cards if table == "cards" else reviews).append(row)
        if len(reviews) >= BATCH:
            insert("cards", iter(cards))
            insert("reviews", iter(reviews))
            cards.clear()
            reviews.clear()
    insert("cards", iter(cards))
    insert("reviews", iter(reviews))
    insert("flags", data["flags"])
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def seed_postgres(url: str, trainees: int, questions: int) -> None:
    import psycopg

    data = rows(trainees, questions)
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        with conn.cursor() as cursor:
            for table in ORDER:
                names = ", ".join(COLUMNS[table].split())
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in data[table]:
                        copy.write_row(row)
            # Reviews refer to cards: copy the cards, then generate the same data again
            # (same seed) for the reviews, rather than holding millions of rows.
            for table in ("cards", "reviews"):
                names = ", ".join(COLUMNS[table].split())
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for kind, row in rows(trainees, questions)["cards_and_reviews"]:
                        if kind == table:
                            copy.write_row(row)
            with cursor.copy(
                f"COPY flags ({COLUMNS['flags'].replace(' ', ', ')}) FROM STDIN"
            ) as copy:
                for row in data["flags"]:
                    copy.write_row(row)
            for table in (*ORDER, "cards", "reviews", "flags"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _backend_cpu(database: str | None) -> float:
    """CPU seconds used so far by the PostgreSQL backends serving `database`."""
    if database is None:
        return 0.0
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ") + b" "
            if not command.startswith(b"postgres: ") or f" {database} ".encode() not in command:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def _on_worker(app: Any, client: Any, path: str) -> float | None:
    """Start the background job of a page that is prepared on the worker, run it here
    and return the seconds it took; None for a page made in the request."""
    from rq import Queue, SimpleWorker

    from quizapp import jobs

    page = client.get(path).get_data(as_text=True)
    if "in the background" not in page:
        return None
    token = CSRF_TOKEN.search(page)
    assert token, "no CSRF token on the background job's page"
    client.post(path, data={"csrf_token": token.group(1)})
    with app.app_context():
        redis = jobs.redis_for_app()
        started = time.perf_counter()
        SimpleWorker([Queue(jobs.QUEUE, connection=redis)], connection=redis).work(
            burst=True, logging_level="WARNING"
        )
        return time.perf_counter() - started


def measure(
    url: str, data: Data, repeat: int, only: list[str] | None = None
) -> dict[str, tuple[float, float, float]]:
    """p50 and p99 (ms) of each page, requested in-process, and the p50 of the CPU it
    used (this process, and the PostgreSQL backends of its database)."""
    from quizapp import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "QUEUE_URL": REDIS_URL,
            "SECRET_KEY": "scale benchmark",
            "CHECK_MIGRATIONS": False,
        },
        production=False,
    )

    def client_for(user_id: int) -> Any:
        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        token = CSRF_TOKEN.search(page)
        assert token, "no CSRF token on the sign-in page"
        signed_in = client.post(
            "/auth/login",
            data={
                "csrf_token": token.group(1),
                "email": f"user{user_id}@scale.example",
                "password": PASSWORD,
            },
        )
        assert signed_in.status_code == 302, "signing in failed"
        return client

    trainee, instructor = client_for(data.trainee), client_for(data.instructor)
    database = url.rsplit("/", 1)[1] if url.startswith("postgresql") else None
    base = f"/teach/assignments/{data.assignment}"
    pages: dict[str, tuple[Any, str]] = {
        "next card": (trainee, f"/banks/{SLUG}/study"),
        "home": (trainee, "/"),
        "statistics": (trainee, "/stats"),
        "progress": (instructor, base),
        "progress by revs": (instructor, f"{base}?sort=reviews&order=desc&page=2"),
        "progress by recall": (instructor, f"{base}?sort=then&order=desc&page=2"),
        "progress CSV": (instructor, f"{base}/progress.csv"),
        "drill-down": (instructor, f"{base}/trainees/{data.trainee}"),
        "item analysis": (instructor, f"{base}/items?sort=discrimination"),
    }
    from quizapp import jobs

    with app.app_context():  # results kept from another database with the same ids
        for job in ("item-analysis", "progress-csv"):
            jobs.redis_for_app().delete(f"rq:job:{jobs.job_id(job, str(data.assignment))}")
    for name, path in (
        ("item analysis", f"{base}/items"),
        ("progress CSV", f"{base}/progress.csv"),
    ):
        spent = _on_worker(app, instructor, path)
        if spent is not None:
            print(f"# {name}: prepared on the worker (run here) in {spent * 1000:.0f} ms")
    results = {}
    for name, (client, path) in pages.items():
        if only and name not in only:
            continue
        timings, cpu = [], []
        for _ in range(repeat + 1):  # the first request warms caches and is not counted
            backend = _backend_cpu(database)
            started, process = time.perf_counter(), time.process_time()
            response = client.get(path)
            body = response.get_data()
            timings.append((time.perf_counter() - started) * 1000)
            spent = time.process_time() - process + _backend_cpu(database) - backend
            cpu.append(spent * 1000)
            if response.status_code != 200 or not body:
                raise RuntimeError(f"{name}: {path} answered {response.status_code}")
        results[name] = (
            statistics.median(timings[1:]),
            percentile(timings[1:], 0.99),
            statistics.median(cpu[1:]),
        )
    return results


def _seeded(url: str, trainees: int, questions: int) -> bool:
    """Whether a kept database already holds this size's data."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            cards = conn.scalar(text("SELECT count(*) FROM cards"))
    except Exception:
        return False
    finally:
        engine.dispose()
    return cards == trainees * questions


def run(
    database: str, size: int, args: argparse.Namespace
) -> dict[str, tuple[float, float, float]]:
    trainees, questions = SIZES[size]
    with tempfile.TemporaryDirectory(prefix="quizapp-scale-") as folder:
        if database == "sqlite":
            path = Path(args.keep or folder) / f"scale-{size}.sqlite3"
            url = f"sqlite:///{path}"
        else:
            url = args.postgres_url.format(size=size)
        if args.keep and _seeded(url, trainees, questions):
            migrate(url)  # a kept database gets the migrations added since
            print(f"# {database} 10^{size}: kept data reused", flush=True)
        else:
            if database == "sqlite":
                path.unlink(missing_ok=True)
                migrate(url)
                started = time.perf_counter()
                seed_sqlite(path, trainees, questions)
            else:
                reset_postgres(args.postgres_admin_url, url)
                migrate(url)
                started = time.perf_counter()
                seed_postgres(url, trainees, questions)
            seeded = time.perf_counter() - started
            print(
                f"# {database} 10^{size}: {trainees} trainees × {questions} questions, "
                f"{trainees * questions * REVIEWS_PER_CARD:,} reviews seeded in {seeded:.1f} s",
                flush=True,
            )
        data = Data(instructor=trainees + 1, trainee=1, assignment=1)
        return measure(url, data, args.repeat, args.pages)


def report(database: str, by_size: dict[int, dict[str, tuple[float, float, float]]]) -> None:
    """Wall-clock p50/p99 and CPU p50 per page and size, and the growth factors."""
    sizes = sorted(by_size)
    pages = list(by_size[sizes[0]])
    header = f"{'page':<19}" + "".join(f"{f'10^{s} p50/p99 (cpu) ms':>28}" for s in sizes)
    print(f"\n{database}\n{header}{'growth p50':>12}{'growth p99':>12}{'growth cpu':>12}")
    for page in pages:
        cells = "".join(
            f"{'{:.1f} / {:.1f} ({:.1f})'.format(*by_size[s][page]):>28}" for s in sizes
        )
        first, last = by_size[sizes[0]][page], by_size[sizes[-1]][page]
        growth = [b / a if a else float("nan") for a, b in zip(first, last, strict=True)]
        print(f"{page:<19}{cells}" + "".join(f"{g:>11.1f}×" for g in growth))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[3, 4, 5], choices=sorted(SIZES))
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="keep the seeded databases (SQLite files in DIR, PostgreSQL's quizapp_scale_N) "
        "and reuse them when run again",
    )
    parser.add_argument("--pages", nargs="+", help="time only these pages (names as printed)")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="with {size} in the name")
    parser.add_argument("--postgres-admin-url", default=POSTGRES_ADMIN_URL)
    args = parser.parse_args()
    for database in args.databases:
        by_size = {size: run(database, size, args) for size in sorted(args.sizes)}
        report(database, by_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
