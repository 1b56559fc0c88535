"""Account rules that must hold when requests arrive at the same moment."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from quizapp.extensions import db
from quizapp.models import Role, User
from quizapp.services import accounts


def _together(app: Flask, calls: list, hold_at: tuple[str, ...]) -> list[str]:
    """Run each call in its own thread and connection; every thread waits before its first
    statement starting with one of `hold_at` until all have reached theirs."""
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
            except accounts.AccountError:
                outcomes[number] = "refused"
            except OperationalError:
                outcomes[number] = "busy"
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


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, make_user):
    first = make_user("one@example.com", role=Role.ADMIN)
    second = make_user("two@example.com", role=Role.ADMIN)
    calls = [
        lambda s: accounts.set_role(s, user_id=second, role=Role.TRAINEE),
        lambda s: accounts.set_role(s, user_id=first, role=Role.TRAINEE),
    ]
    # Both wait where the rule is checked: a count of admins, or the lock taken for it.
    outcomes = _together(app, calls, hold_at=("count(", "FOR UPDATE"))
    assert "hung" not in outcomes
    with app.app_context():
        admins = db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN.value)
        )
    assert admins == 1
    assert sorted(outcomes) in (["done", "refused"], ["busy", "done"])


def test_the_last_admin_is_refused_and_others_change_freely(session, make_user):
    admin = make_user("one@example.com", role=Role.ADMIN)
    trainee = make_user("two@example.com")
    with pytest.raises(accounts.AccountError, match="last admin"):
        accounts.set_role(session, user_id=admin, role=Role.INSTRUCTOR)
    assert accounts.set_role(session, user_id=trainee, role=Role.ADMIN).role == "admin"
    assert accounts.set_role(session, user_id=admin, role=Role.TRAINEE).role == "trainee"
