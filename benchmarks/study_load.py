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
- bare: `benchmarks/bare_wsgi.py`, a plain WSGI callable issuing the same SQL statements as
  the app with SQLAlchemy Core on one connection per request: for the card page the
  user, then the bank as opened with the queue's counts and its next card (the app's own
  statement from `quizapp.services.statements`); for an answer the user, the question
  with its card and the fuzz window's load, then the version-checked card update and
  the review insert in one transaction. The learner is named by a plain `uid` cookie:
  no Flask, sessions, CSRF, ORM or templates.

The harness (`benchmarks/harness.py`) seeds, serves, drives and checks. Every answer
the server accepted (302 without a warning on the next page) is
compared with the reviews table afterwards: each accepted token must be stored
exactly once, and no other row may exist.

`--profile N` instead times N card-and-answer loops of each server in-process (Werkzeug's
test client), the servers taking turns 20 loops at a time so that a change in the
machine's load falls on all alike, prints the medians and the SQL statements per loop,
and profiles the app.

Usage: .venv/bin/python benchmarks/study_load.py [--seconds 15] [--learners 32]
       .venv/bin/python benchmarks/study_load.py --profile 300 [--databases postgresql]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make `benchmarks.harness` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event

from benchmarks import bare_wsgi
from benchmarks.harness import (
    BARE_URL_ENV,
    CSRF_TOKEN,
    DATABASES,
    LOGIN_LIMIT,
    PASSWORD,
    RATELIMIT_URL,
    RATINGS,
    SLUG,
    Result,
    front_fields,
    prepare_database,
    reset_postgres,
    run_one,
)

TARGET_RATIO = 0.8
WARM_UP = 20  # unmeasured loops of --profile
BLOCK = 20  # loops per turn of --profile
TURNS = 100

SERVERS = ("app", "flask", "bare")
HEADER = (
    f"{'database':<10} {'w':>1} {'server':<5} {'answers/s':>9} {'next p50':>8} {'p99':>6} "
    f"{'answer p50':>10} {'p99':>6} {'5xx':>3} {'other':>5} {'reviews':>7} {'lost':>4} "
    f"{'doubled':>7} {'extra':>5} {'cards':>5} {'cpu ms/ans':>10}"
)
SUMMARY = (
    f"{'database':<10} {'w':>1} {'app/s':>6} {'flask/s':>7} {'bare/s':>6} {'app/flask':>9} "
    f"{'by cpu':>6} {'app/bare':>8} {'cpu ms/ans app':>14} {'flask':>5}"
)


def row(result: Result) -> str:
    i = result.integrity
    return (
        f"{result.database:<10} {result.workers:>1} {result.server:<5} "
        f"{result.answers_per_s:>9.1f} {result.next_p50:>8.1f} {result.next_p99:>6.1f} "
        f"{result.answer_p50:>10.1f} {result.answer_p99:>6.1f} {result.server_errors:>3} "
        f"{result.other:>5} {i.stored:>7} {i.lost:>4} {i.doubled:>7} {i.extra:>5} "
        f"{i.cards_off:>5} {result.server_cpu_ms:>10.2f}"
    )


def report(result: Result) -> None:
    i = result.integrity
    print(
        f"{result.database} w={result.workers} {result.server}: {result.answers_per_s:.1f} "
        f"answers/s, next p50/p99 {result.next_p50:.1f}/{result.next_p99:.1f} ms, answer "
        f"p50/p99 {result.answer_p50:.1f}/{result.answer_p99:.1f} ms, 5xx "
        f"{result.server_errors}, other {result.other}, reviews {i.stored}, lost {i.lost}, "
        f"doubled {i.doubled}, extra {i.extra} (refused but stored {i.refused_recorded}), "
        f"cards off {i.cards_off}, server log problems {result.log_problems}, server CPU "
        f"{result.server_cpu_ms:.2f} ms per answer, client CPU {result.client_cpu:.1f} s",
        flush=True,
    )


def benchmark(args: argparse.Namespace) -> int:
    print(
        f"study loop under gunicorn: {args.learners} client threads over {args.users} learners, "
        f"{args.warmup:g} s warm-up + {args.seconds:g} s measured per run, {args.rounds} "
        f"round(s) per configuration, {os.cpu_count()} CPUs"
    )
    print(
        "loop per learner: GET next card, POST answer (reveal page skipped); "
        "latencies in ms; answers/s counts answers accepted inside the measured window"
    )
    results: list[Result] = []
    summary: list[str] = []
    below = 0
    for name in args.databases:
        for workers in args.workers:
            runs: dict[str, list[Result]] = {server: [] for server in SERVERS}
            # Rounds alternate the servers' order, so that a drift in the machine's speed
            # falls on all of them alike; each figure is the mean of the rounds.
            for turn in range(args.rounds):
                for server in SERVERS if turn % 2 == 0 else SERVERS[::-1]:
                    result = run_one(DATABASES[name], workers, server, args)
                    runs[server].append(result)
                    results.append(result)
                    report(result)
            rate = {s: statistics.mean(r.answers_per_s for r in runs[s]) for s in SERVERS}
            cpu = {s: statistics.mean(r.server_cpu_ms for r in runs[s]) for s in SERVERS}
            ratio = rate["app"] / rate["flask"] if rate["flask"] else math.nan
            below += ratio < TARGET_RATIO
            print(
                f"{name} w={workers} app/plain Flask answers/s: {ratio:.2f} (target >= "
                f"{TARGET_RATIO}); by server CPU per answer: {cpu['flask'] / cpu['app']:.2f}; "
                f"app/bare WSGI: {rate['app'] / rate['bare']:.2f}",
                flush=True,
            )
            summary.append(
                f"{name:<10} {workers:>1} {rate['app']:>6.1f} {rate['flask']:>7.1f} "
                f"{rate['bare']:>6.1f} {ratio:>9.2f} {cpu['flask'] / cpu['app']:>6.2f} "
                f"{rate['app'] / rate['bare']:>8.2f} {cpu['app']:>14.2f} {cpu['flask']:>5.2f}"
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
        "answer in the window,\nfar less sensitive to other load on the machine than answers/s"
    )
    print()
    print(SUMMARY)
    print("-" * len(SUMMARY))
    print("\n".join(summary))
    print(
        "\nmeans of the rounds; app/flask = app answers/s / plain Flask answers/s; by cpu = "
        "plain Flask cpu ms/ans / app cpu ms/ans"
    )
    faulty = [r for r in results if r.faults or r.server_errors]
    if faulty:
        print(f"FAILED: {len(faulty)} run(s) lost, doubled or added reviews, or answered 5xx")
        return 1
    if below:
        print(f"note: app/plain Flask below {TARGET_RATIO} in {below} configuration(s)")
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
        # The plain Flask app and the bare endpoint serve only due cards: every server's
        # learners take TURNS loops each before the next one signs in.
        per_server = 1 + (args.profile + WARM_UP) // TURNS
        accounts = iter(prepare_database(url, 4 * per_server))
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "RATELIMIT_STORAGE_URI": RATELIMIT_URL,
                "LOGIN_RATE_LIMIT": LOGIN_LIMIT,
            },
            production=False,
        )
        os.environ[BARE_URL_ENV] = url
        from benchmarks import bare_flask  # its engine is made on import, from BARE_URL_ENV

        def app_learner(_id: int, email: str) -> Any:
            client = app.test_client()
            page = client.get("/auth/login").get_data(as_text=True)
            csrf = CSRF_TOKEN.search(page)
            assert csrf, "no CSRF token on the login page"
            client.post(
                "/auth/login",
                data={"csrf_token": csrf.group(1), "email": email, "password": PASSWORD},
            )
            return client

        def flask_learner(_id: int, email: str) -> Any:
            client = bare_flask.app.test_client()
            client.post("/auth/login", data={"email": email})
            return client

        def bare_learner(user_id: int, _email: str) -> Any:
            client = WsgiClient(bare_wsgi.app)
            client.set_cookie("uid", str(user_id))
            return client

        def learners(sign_in: Callable[[int, str], Any]) -> Callable[[], Any]:
            """A client for each loop: the same learner for TURNS loops, then the next."""
            clients = [sign_in(*next(accounts)) for _ in range(per_server)]
            turns = iter(range(10**9))
            return lambda: clients[next(turns) // TURNS]

        client, flask, bare = learners(app_learner), learners(flask_learner), learners(bare_learner)
        profiled = learners(app_learner)

        def timed(profiler: cProfile.Profile | None, call: Callable[[], Any]) -> tuple[Any, float]:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            result = call()
            if profiler:
                profiler.disable()
            return result, time.perf_counter() - started

        def loop(
            client_for: Callable[[], Any],
            count: int,
            profilers: tuple[cProfile.Profile, ...] = (None, None),
        ) -> tuple[float, float]:
            spent = [0.0, 0.0]
            for n in range(count):
                http_client = client_for()
                response, elapsed = timed(
                    profilers[0],
                    lambda http_client=http_client: http_client.get(f"/banks/{SLUG}/study"),
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
                    lambda form=form, http_client=http_client: http_client.post(
                        f"/banks/{SLUG}/answer", data=form
                    ),
                )
                spent[1] += elapsed
                assert response.status_code == 302, f"answer: HTTP {response.status_code}"
            return spent[0] / count * 1000, spent[1] / count * 1000

        for warmed in (client, flask, bare):  # warm caches and connections
            loop(warmed, WARM_UP)
        with app.app_context():
            from quizapp.extensions import db

            engines = {"app": db.engine, "flask": bare_flask.engine, "bare": bare_wsgi.engine()}
        statements: Counter[str] = Counter()
        counters = {
            name: (engine, lambda *_, name=name: statements.update([name]))
            for name, engine in engines.items()
        }
        for engine, counter in counters.values():
            event.listen(engine, "before_cursor_execute", counter)
        # The servers take turns, a block of loops each, so that a change in the machine's
        # load falls on all of them alike; each figure is the median of its blocks' means.
        blocks: dict[str, list[tuple[float, float]]] = {"app": [], "flask": [], "bare": []}
        clients = {"app": client, "flask": flask, "bare": bare}
        block = min(BLOCK, args.profile)
        for _turn in range(max(1, args.profile // block)):
            for name, client_for in clients.items():
                blocks[name].append(loop(client_for, block))
        for engine, counter in counters.values():
            event.remove(engine, "before_cursor_execute", counter)
        loops = len(blocks["app"]) * block
        print(
            f"in-process (Werkzeug test client), {database.name}, {loops} loops in turns of "
            f"{block}, medians of the turns' means, no profiler:"
        )
        together = {}
        for name, spent in blocks.items():
            card, answer = (statistics.median(times) for times in zip(*spent, strict=True))
            together[name] = card + answer
            print(
                f"  {name:<5}: next card {card:.2f} ms, answer {answer:.2f} ms, together "
                f"{card + answer:.2f} ms, {statements[name] / loops:.1f} SQL statements per "
                "card and answer"
            )
        print(f"  plain Flask / app time: {together['flask'] / together['app']:.2f}")
        profilers = (cProfile.Profile(), cProfile.Profile())
        loop(profiled, args.profile, profilers)
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
        "--rounds", type=int, default=2, help="runs of each server per configuration"
    )
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
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.profile is not None:
        return profile(args)
    return benchmark(args)


if __name__ == "__main__":
    sys.exit(main())
