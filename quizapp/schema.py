"""Refuse to serve from a database that is behind the migrations."""

from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app, render_template

from quizapp.extensions import db

UPGRADE_COMMAND = "quizapp db upgrade"


def database_is_current() -> bool:
    config = Config()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads


def require_current_schema() -> tuple[str, int] | None:
    """Checked once per process; until the database is migrated every page says how."""
    if current_app.config.get("_SCHEMA_CURRENT"):
        return None
    if database_is_current():
        current_app.config["_SCHEMA_CURRENT"] = True
        return None
    message = f"The database is not up to date. Run `{UPGRADE_COMMAND}`, then reload."
    return render_template("error.html", code=503, message=message), 503
