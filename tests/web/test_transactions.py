"""A request's transaction left open by its view: on PostgreSQL committed if it only read;
rolled back if it wrote."""

import pytest
from sqlalchemy import event, select, text, update

from quizapp.extensions import db
from quizapp.models import User


@pytest.fixture
def endings(app):
    """The COMMITs and ROLLBACKs of transactions, in order."""
    seen = []
    with app.app_context():
        engine = db.engine
    listeners = {"commit": lambda _conn: seen.append("commit")}
    listeners["rollback"] = lambda _conn: seen.append("rollback")
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    yield seen
    for name, listener in listeners.items():
        event.remove(engine, name, listener)


@pytest.fixture
def signed_in(client, auth, make_user, demo_bank):
    make_user()
    auth.login()
    return demo_bank


def postgresql_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite's driver keeps its prepared statements across rollbacks")


def test_a_page_that_only_reads_ends_with_commit(app, client, signed_in, endings):
    postgresql_only(app)
    endings.clear()
    response = client.get(f"/banks/{signed_in}/study")
    assert response.status_code == 200
    assert endings == ["commit"]


def test_a_transaction_that_wrote_without_committing_is_rolled_back(app, client, make_user):
    user_id = make_user()

    def renames_without_commit():
        db.session.execute(update(User).where(User.id == user_id).values(name="Changed"))
        return "not saved"

    def unsaved_orm_change():
        db.session.get(User, user_id).name = "Also changed"
        return "not saved"

    app.add_url_rule("/renames", view_func=renames_without_commit)
    app.add_url_rule("/touches", view_func=unsaved_orm_change)
    assert client.get("/renames").status_code == 200
    assert client.get("/touches").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.id == user_id)) != "Changed"
        assert db.session.scalar(select(User.name).where(User.id == user_id)) != "Also changed"


def test_a_statement_that_is_not_a_select_counts_as_a_write(app, client, make_user):
    user_id = make_user()

    def plain_sql():
        db.session.execute(text("UPDATE users SET name = 'Plain' WHERE id = :id"), {"id": user_id})
        return "not saved"

    app.add_url_rule("/plain", view_func=plain_sql)
    client.get("/plain")
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.id == user_id)) != "Plain"


def test_postgresql_keeps_the_study_statements_prepared(app, client, signed_in):
    postgresql_only(app)
    for _ in range(7):  # psycopg prepares a statement on its sixth run
        assert client.get(f"/banks/{signed_in}/study").status_code == 200
    with app.app_context():
        prepared = db.session.scalars(
            text("SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'WITH %'")
        ).all()
    assert prepared, "the queue's statement was planned again on every request"
