"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL,
and every migration after the first release can be undone and applied again."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from quizapp import MIGRATIONS, create_app
from quizapp.extensions import db
from tests.helpers import database_url


def _empty() -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _differences() -> list[object]:
    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), db.metadata)


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
        _empty()
        try:
            upgrade(directory=str(MIGRATIONS))
            assert _differences() == []
            downgrade(directory=str(MIGRATIONS), revision="0002")
            upgrade(directory=str(MIGRATIONS))
            assert _differences() == []
        finally:
            _empty()
            db.engine.dispose()
