"""Accounts: registration, sign-in, passwords and roles."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from quizapp.models import Role, User
from quizapp.scheduling.days import DEFAULT_ZONE, zone_names

MIN_PASSWORD = 8
# Checked when the email is unknown, so a failed sign-in takes as long either way.
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ValueError):
    """A request about an account that cannot be met; the message is for the user."""


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Use a password of at least {MIN_PASSWORD} characters.")


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == _normalise_email(email)))


def register(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: Role = Role.TRAINEE,
    timezone: str | None = None,
) -> User:
    """Create an account; refuse a taken email or a short password.

    `timezone` is the one the browser proposed; anything but an IANA zone name gives UTC,
    which the learner can change in Settings.
    """
    _check_password(password)
    if find_user(session, email) is not None:
        raise AccountError("An account with this email already exists.")
    user = User(
        email=_normalise_email(email),
        name=name.strip() or email.split("@")[0],
        password_hash=generate_password_hash(password),
        role=role.value,
        session_token=secrets.token_hex(16),
        timezone=timezone if timezone and timezone in zone_names() else DEFAULT_ZONE,
    )
    session.add(user)
    session.commit()
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    user = find_user(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def load_session_user(session: Session, user_id: str) -> User | None:
    """Resolve a Flask-Login id `<id>:<token>`; a stale token (password changed) is refused."""
    number, _, token = user_id.partition(":")
    if not number.isdigit():
        return None
    user = session.get(User, int(number))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """Change the password and sign out every other session."""
    if not check_password_hash(user.password_hash, current):
        raise AccountError("The current password is not right.")
    _check_password(new)
    user.password_hash = generate_password_hash(new)
    user.session_token = secrets.token_hex(16)
    session.commit()


def set_role(session: Session, *, user_id: int, role: Role) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise AccountError("No such user.")
    admins = session.scalar(select(func.count()).where(User.role == Role.ADMIN.value))
    if user.role == Role.ADMIN.value and role is not Role.ADMIN and admins == 1:
        raise AccountError("This is the last admin; make someone else admin first.")
    user.role = role.value
    session.commit()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))
