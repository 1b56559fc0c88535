"""How a request's transaction ends when its view neither committed nor rolled back.

psycopg forgets a connection's prepared statements whenever a transaction rolls back,
and SQLAlchemy rolls back whatever is still open when the session closes. Pages that
only read would so end in ROLLBACK, and PostgreSQL would parse and plan every statement
of the next request again (planning the study queue's statement alone takes about
0.4 ms). A transaction that ran only SELECT statements therefore ends with COMMIT, which
changes nothing; one that wrote, or holds unsaved changes, is left to roll back.
SQLite's driver keeps its statements across rollbacks, so there nothing changes.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Connection, Select, event
from sqlalchemy.exc import SQLAlchemyError

_WROTE = "quizapp.wrote"


def _note_writes(
    connection: Connection,
    _cursor: Any,
    _statement: str,
    _parameters: Any,
    context: Any,
    _executemany: bool,
) -> None:
    """Mark the transaction as writing unless the statement is a compiled SELECT."""
    compiled = getattr(context, "compiled", None)
    if compiled is None or not isinstance(compiled.statement, Select):
        connection.info[_WROTE] = True


def _forget_writes(connection: Connection) -> None:
    connection.info.pop(_WROTE, None)


def commit_reads(app: Flask, db: SQLAlchemy) -> None:
    """End each app context's read-only transaction with COMMIT instead of ROLLBACK, on
    PostgreSQL."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return
    event.listen(engine, "before_cursor_execute", _note_writes)
    event.listen(engine, "commit", _forget_writes)
    event.listen(engine, "rollback", _forget_writes)

    # Registered after Flask-SQLAlchemy's teardown, so it runs before the session closes.
    @app.teardown_appcontext
    def end_reads(error: BaseException | None) -> None:
        session = db.session()
        if error is not None or not session.in_transaction():
            return
        if session.new or session.dirty or session.deleted:
            return
        if session.connection().info.get(_WROTE):
            return
        # Nothing changed: what was read stays loaded, as when the session just closes.
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        except SQLAlchemyError:
            app.logger.warning("a read-only transaction could not be committed; rolled back")
        finally:
            session.expire_on_commit = expire
