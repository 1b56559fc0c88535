"""A learner answers while another process holds a lock on the database.

On SQLite the other process holds the file's write lock (BEGIN EXCLUSIVE): the answer
waits out the app's busy timeout (5 s, not configurable), then gets the 503 page and
nothing is written. On PostgreSQL another connection holds LOCK TABLE cards: the app
sets no lock_timeout or statement_timeout, so the answer waits for the lock and is
recorded once it is released.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, make_url, select

from quizapp.extensions import db
from quizapp.models import Card, Review
from tests.pages import form_action, hidden_inputs, text

# Both scripts take the lock, say so on stdout, and hold it until a line arrives on
# stdin or HOLD seconds pass, whichever is first.
SQLITE_LOCKER = """
import select, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
select.select([sys.stdin], [], [], float(sys.argv[2]))
conn.execute("ROLLBACK")
conn.close()
"""
POSTGRES_LOCKER = """
import select, sys, psycopg
with psycopg.connect(sys.argv[1]) as conn:
    conn.execute("SET lock_timeout = '10s'")
    conn.execute("LOCK TABLE cards IN ACCESS EXCLUSIVE MODE")
    print("locked", flush=True)
    select.select([sys.stdin], [], [], float(sys.argv[2]))
    conn.rollback()
"""
SQLITE_HOLD = 20.0  # released by the test as soon as the answer has been refused
POSTGRES_HOLD = 2.0  # released by the locker itself while the answer waits


@contextmanager
def lock_held(script: str, target: str, hold: float) -> Iterator[None]:
    """Run SCRIPT in another process until it holds its lock; release it on exit."""
    with subprocess.Popen(
        [sys.executable, "-c", script, target, str(hold)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as locker:
        assert locker.stdout is not None and locker.stderr is not None
        try:
            line = locker.stdout.readline()
            assert line.strip() == "locked", f"the locker failed: {line}{locker.stderr.read()}"
            yield
            # communicate() tolerates a locker that already let go on its own.
            _, errors = locker.communicate("release\n", timeout=hold + 15)
            assert locker.returncode == 0, errors
        finally:
            if locker.poll() is None:
                locker.kill()
                locker.wait(timeout=10)


def answer_form(client, slug: str) -> tuple[str, dict[str, str]]:
    """Show the first card and reveal it; return where its grade form posts and its fields."""
    page = client.get(f"/banks/{slug}/study").get_data(as_text=True)
    fields = hidden_inputs(page, "front")
    back = client.get(f"/banks/{slug}/reveal", query_string=fields).get_data(as_text=True)
    return form_action(back, "grades"), {**hidden_inputs(back, "grades"), "rating": "3"}


def stored(app) -> tuple[int, int]:
    """How many review rows and card rows the database holds."""
    with app.app_context():
        reviews = db.session.scalar(select(func.count()).select_from(Review))
        cards = db.session.scalar(select(func.count()).select_from(Card))
        db.session.remove()
    return reviews, cards


def test_answer_while_another_process_locks_the_database(
    app, client, auth, make_user, demo_bank, caplog
):
    make_user()
    auth.login()
    action, form = answer_form(client, demo_bank)
    before = stored(app)
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        refused_while_sqlite_is_locked(app, client, url.database, action, form, before, caplog)
    else:
        libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
        recorded_after_postgres_lock(app, client, libpq_url, action, form, before)


def refused_while_sqlite_is_locked(app, client, path, action, form, before, caplog) -> None:
    with caplog.at_level(logging.WARNING), lock_held(SQLITE_LOCKER, path, SQLITE_HOLD):
        response = client.post(action, data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "The database is busy, so nothing was saved." in text(page)
    assert "Traceback" not in page and "OperationalError" not in page
    assert any("database unavailable" in r.getMessage() for r in caplog.records)
    assert all(r.exc_info is None for r in caplog.records), "a traceback was logged"
    assert stored(app) == before, "the refused answer left rows behind"

    # The same submit, once the lock is gone, is recorded exactly once.
    retried = client.post(action, data=form)
    assert retried.status_code == 302
    assert stored(app)[0] == before[0] + 1
    next_page = client.get(retried.headers["Location"]).get_data(as_text=True)
    assert 'class="flash warning"' not in next_page


def recorded_after_postgres_lock(app, client, libpq_url, action, form, before) -> None:
    # quizapp sets no lock_timeout on PostgreSQL, so the answer waits for the lock.
    with lock_held(POSTGRES_LOCKER, libpq_url, POSTGRES_HOLD):
        started = time.monotonic()
        response = client.post(action, data=form)
        waited = time.monotonic() - started
    assert response.status_code == 302
    assert waited >= POSTGRES_HOLD / 2, f"the answer did not wait for the lock ({waited:.2f} s)"
    assert stored(app)[0] == before[0] + 1
    next_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="flash warning"' not in next_page
    with app.app_context():
        card = db.session.scalar(select(Card).where(Card.question_id == int(form["question_id"])))
        assert card is not None and card.reps == 1
        db.session.remove()


def _signed_in_cookie(app, auth, make_user) -> str:
    make_user()
    assert auth.login().status_code == 302
    return auth.client.get_cookie("session").value


def _app_on(url: str, **config):  # type: ignore[no-untyped-def]
    from quizapp import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "SCHEDULER_FUZZ": False,
            "CHECK_MIGRATIONS": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            **config,
        }
    )


def _unreachable(app) -> str:  # type: ignore[no-untyped-def]
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        return "sqlite:////nonexistent-folder/quizapp.sqlite3"
    return str(url.set(host="127.0.0.1", port=1).render_as_string(hide_password=False))


def test_a_signed_in_user_gets_the_503_page_when_the_database_is_unreachable(
    app, auth, make_user, caplog
):
    cookie = _signed_in_cookie(app, auth, make_user)
    outage = _app_on(_unreachable(app))
    client = outage.test_client()
    client.set_cookie("session", cookie)
    with caplog.at_level(logging.ERROR):
        for path in ("/", "/settings", "/auth/login"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert "nothing was saved" in text(response.get_data(as_text=True))
            assert response.headers["Content-Security-Policy"]
    with outage.app_context():
        db.engine.dispose()


def test_a_signed_in_user_gets_the_503_page_while_the_users_table_is_locked(app, auth, make_user):
    cookie = _signed_in_cookie(app, auth, make_user)
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        return  # SQLite locks the whole file: the answer test above covers it
    locked = _app_on(
        app.config["SQLALCHEMY_DATABASE_URI"], DATABASE_LOCK_TIMEOUT_MS=300, CHECK_MIGRATIONS=False
    )
    client = locked.test_client()
    client.set_cookie("session", cookie)
    locker = POSTGRES_LOCKER.replace("LOCK TABLE cards", "LOCK TABLE users")
    target = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with lock_held(locker, target, 20.0):
        started = time.monotonic()
        response = client.get("/")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "nothing was saved" in text(response.get_data(as_text=True))
    assert response.headers["Content-Security-Policy"]
    assert elapsed < 2 * 0.3 + 1.5
    with locked.app_context():
        db.engine.dispose()
