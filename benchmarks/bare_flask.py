"""A plain Flask app doing the study loop's work: the reference `study_load.py` holds
quizapp to.

Flask, Flask-Login (the user read from the database on every request), SQLAlchemy
Core and fsrs (through `quizapp.scheduling`, as quizapp uses it), and nothing else:
GET /banks/<slug>/study picks the learner's earliest-due card through the index on
user and due and renders a small Jinja page; POST /banks/<slug>/answer updates the
card only if it is still at the version shown, inserts the review, commits and
redirects. A refused answer is a 409. Sign-in takes the email only (setup, not
measured). The database comes from QUIZAPP_BENCH_DATABASE_URL.

Serve with gunicorn: `gunicorn 'benchmarks.bare_flask:app'`.
"""

from __future__ import annotations

import os
import secrets
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, abort, redirect, request
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from sqlalchemy import create_engine, event, insert, select, update
from sqlalchemy.exc import IntegrityError

from quizapp import scheduling
from quizapp.models import Bank, Card, Question, Review, User

BARE_URL_ENV = "QUIZAPP_BENCH_DATABASE_URL"
REVIEW_STATE = 2
MEMORY = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")

app = Flask(__name__)
app.secret_key = "bare flask benchmark"  # the same in every worker
login_manager = LoginManager(app)
engine = create_engine(os.environ[BARE_URL_ENV])
if engine.dialect.name == "sqlite":

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


users, banks, cards = User.__table__, Bank.__table__, Card.__table__
questions, reviews = Question.__table__, Review.__table__
CARD_PAGE = app.jinja_env.from_string(
    """<!doctype html><html lang="en"><title>{{ topic }}</title>
<h1>{{ topic }}</h1><p class="prompt">{{ prompt }}</p>
<form method="get" action="/banks/{{ slug }}/reveal" id="front">
<input type="hidden" name="q" value="{{ q }}"><input type="hidden" name="v" value="{{ v }}">
<input type="hidden" name="t" value="{{ t }}"><input type="hidden" name="shown" value="{{ shown }}">
<button type="submit">Show answer</button></form></html>"""
)
LOGIN_PAGE = '<form method="post"><input type="hidden" name="csrf_token" value="-"></form>'


class Learner(UserMixin):
    def __init__(self, user_id: int) -> None:
        self.id = user_id


@login_manager.user_loader
def load_user(user_id: str) -> Learner | None:
    with engine.connect() as conn:
        row = conn.execute(select(users.c.id).where(users.c.id == int(user_id))).first()
    return Learner(row.id) if row else None


@app.get("/auth/login")
def login_page() -> str:
    return LOGIN_PAGE


@app.post("/auth/login")
def login() -> Any:
    with engine.connect() as conn:
        row = conn.execute(
            select(users.c.id).where(users.c.email == request.form.get("email", ""))
        ).first()
    if row is None:
        abort(403)
    login_user(Learner(row.id))
    return redirect("/")


NEXT = (
    select(questions.c.id, questions.c.content, cards.c.version, banks.c.topic)
    .join(cards, cards.c.question_id == questions.c.id)
    .join(banks, banks.c.id == questions.c.bank_id)
)


@app.get("/banks/<slug>/study")
@login_required
def next_card(slug: str) -> Any:
    now = datetime.now(UTC)
    with engine.connect() as conn:
        row = conn.execute(
            NEXT.where(
                cards.c.user_id == current_user.id,
                cards.c.due <= now,
                banks.c.slug == slug,
            )
            .order_by(cards.c.due)
            .limit(1)
        ).first()
    if row is None:
        return "<p>done</p>"
    return CARD_PAGE.render(
        topic=row.topic,
        prompt=row.content.get("prompt", ""),
        slug=slug,
        q=row.id,
        v=row.version,
        t=secrets.token_urlsafe(16),
        shown=int(time.time() * 1000),
    )


@app.post("/banks/<slug>/answer")
@login_required
def answer(slug: str) -> Any:
    form = request.form
    uid, question_id, seen = current_user.id, int(form["question_id"]), int(form["version"])
    grade = scheduling.Grade(int(form["rating"]))
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            row = conn.execute(
                select(cards).where(cards.c.user_id == uid, cards.c.question_id == question_id)
            ).first()
            if row is None or row.version != seen:
                return "refused", 409

            def load(low: int, high: int) -> dict[int, int]:
                dues = conn.scalars(
                    select(cards.c.due).where(
                        cards.c.user_id == uid,
                        cards.c.state == REVIEW_STATE,
                        cards.c.due >= now + timedelta(days=low),
                        cards.c.due < now + timedelta(days=high + 1),
                    )
                )
                return dict(Counter((due - now).days for due in dues))

            before = scheduling.MemoryState(**{name: getattr(row, name) for name in MEMORY})
            after = scheduling.review(
                scheduling.Settings(), card_id=row.id, memory=before, grade=grade, now=now,
                load=load,
            ).after  # fmt: skip
            changed = conn.execute(
                update(cards)
                .where(cards.c.id == row.id, cards.c.version == seen)
                .values(
                    version=seen + 1,
                    passed=cards.c.passed + int(grade > 1),
                    **{name: getattr(after, name) for name in MEMORY},
                )
            )
            if changed.rowcount != 1:
                return "refused", 409
            conn.execute(
                insert(reviews).values(
                    user_id=uid,
                    card_id=row.id,
                    question_id=question_id,
                    token=form["token"],
                    rating=int(grade),
                    reviewed_at=now,
                    state_before=None if before.is_new else before.state,
                    state_after=after.state,
                    stability_after=after.stability,
                    difficulty_after=after.difficulty,
                    card_before={
                        name: value.isoformat() if isinstance(value, datetime) else value
                        for name, value in vars(before).items()
                    },
                )
            )
    except IntegrityError:
        return "refused", 409
    return redirect(f"/banks/{slug}/study")
