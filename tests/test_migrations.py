"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import text

from quizapp import MIGRATIONS, create_app
from quizapp.extensions import db
from tests.conftest import database_url


def _empty(app) -> None:  # type: ignore[no-untyped-def]
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_upgrading_an_empty_database_gives_the_models_schema(tmp_path: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test secret",
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "CHECK_MIGRATIONS": False,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        _empty(app)
        try:
            upgrade(directory=str(MIGRATIONS))
            with db.engine.connect() as connection:
                differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
            assert differences == []
        finally:
            _empty(app)
            db.engine.dispose()
