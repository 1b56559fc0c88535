"""Account rules that must hold when requests arrive at the same moment."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Role, User
from quizapp.services import accounts
from tests.races import together


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, make_user):
    first = make_user("one@example.com", role=Role.ADMIN)
    second = make_user("two@example.com", role=Role.ADMIN)
    calls = [
        lambda s: accounts.set_role(s, user_id=second, role=Role.TRAINEE),
        lambda s: accounts.set_role(s, user_id=first, role=Role.TRAINEE),
    ]
    # Both wait where the rule is checked: a count of admins, or the lock taken for it.
    outcomes = together(app, calls, hold_at=("count(", "FOR UPDATE"))
    assert "hung" not in outcomes
    with app.app_context():
        admins = db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN.value)
        )
    assert admins == 1
    assert sorted(outcomes) in (["AccountError", "done"], ["busy", "done"])


def test_the_last_admin_is_refused_and_others_change_freely(session, make_user):
    admin = make_user("one@example.com", role=Role.ADMIN)
    trainee = make_user("two@example.com")
    with pytest.raises(accounts.AccountError, match="last admin"):
        accounts.set_role(session, user_id=admin, role=Role.INSTRUCTOR)
    assert accounts.set_role(session, user_id=trainee, role=Role.ADMIN).role == "admin"
    assert accounts.set_role(session, user_id=admin, role=Role.TRAINEE).role == "trainee"


def test_one_email_registered_many_times_at_once_makes_one_account(app):
    calls = [
        lambda s: accounts.register(
            s, email="same@example.com", name="Same", password="correct horse battery"
        )
        for _ in range(4)
    ]
    outcomes = together(app, calls, hold_at=("INSERT INTO users",))
    assert outcomes.count("done") == 1
    assert set(outcomes) <= {"done", "AccountError", "busy"}, outcomes
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
