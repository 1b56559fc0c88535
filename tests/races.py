"""Run service calls at the same moment, each in its own thread and connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from quizapp.extensions import db

FRIENDLY = ("AccountError", "StudyError", "StaleAnswer", "ClassError")


def together(
    app: Flask, calls: list[Callable[[Any], object]], hold_at: tuple[str, ...]
) -> list[str]:
    """Each call's outcome: "done", the class name of a friendly refusal, "busy" (SQLite's
    one writer said the database is locked: a 503 page) or "crash: <error>".

    Every thread waits before its first statement containing one of `hold_at` until all
    have reached theirs, so the database alone decides what happens next.
    """
    with app.app_context():
        engine = db.engine
    everyone = threading.Barrier(len(calls), timeout=20)
    waited = threading.local()

    def hold(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if any(marker in statement for marker in hold_at) and not getattr(waited, "done", False):
            waited.done = True
            everyone.wait()

    outcomes = ["hung"] * len(calls)

    def run(number: int) -> None:
        with app.app_context():
            try:
                calls[number](db.session)
                outcomes[number] = "done"
            except OperationalError:
                outcomes[number] = "busy"
            except Exception as error:  # what a request would have turned into a 500
                name = type(error).__name__
                outcomes[number] = name if name in FRIENDLY else f"crash: {error!r}"
            finally:
                db.session.rollback()
                db.session.remove()

    event.listen(engine, "before_cursor_execute", hold)
    try:
        threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(engine, "before_cursor_execute", hold)
    return outcomes
