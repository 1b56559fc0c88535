"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from quizapp import MIGRATIONS
from quizapp.extensions import db


# migrations/env.py asks Flask-SQLAlchemy for `get_engine`, which it has deprecated.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_migrating_to_head_gives_the_models_schema(app):
    with app.app_context():
        db.drop_all()
        upgrade(directory=str(MIGRATIONS))
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
        downgrade(directory=str(MIGRATIONS), revision="0002")
        upgrade(directory=str(MIGRATIONS))
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE alembic_version")
