"""Accounts: registration, sign-in, passwords and roles."""

from __future__ import annotations

import secrets
import threading
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from quizapp.models import Role, User, UserSession
from quizapp.scheduling.days import DEFAULT_ZONE, zone_names

MIN_PASSWORD = 8
MAX_PASSWORD = 256
# zxcvbn's score 3: about 10^8 guesses or more ("safely unguessable" online).
STRONG_ENOUGH = 3
_ZXCVBN = threading.Lock()
# A session, remembered or not, ends this long after sign-in.
SESSION_LIFETIME = timedelta(days=30)
# Checked when the email is unknown, so a failed sign-in takes as long either way.
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ValueError):
    """A request about an account that cannot be met; the message is for the user."""


class WeakPassword(AccountError):
    """The new password is refused; the message says why."""


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_password(password: str, *, email: str, name: str) -> None:
    """Refuse short passwords and, as NIST SP 800-63B asks, ones that are common or built
    from the account's own details (zxcvbn estimates how many guesses each would take)."""
    if len(password) < MIN_PASSWORD:
        raise WeakPassword(f"Use a password of at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise WeakPassword(f"Use a password of at most {MAX_PASSWORD} characters.")
    context = [email, email.partition("@")[0], name, *name.split(), "quizapp"]
    with _ZXCVBN:  # zxcvbn keeps the user inputs in a module-level dictionary
        verdict = zxcvbn(password[:72], user_inputs=[part for part in context if part])
    if verdict["score"] < STRONG_ENOUGH:
        feedback = verdict["feedback"]
        why = feedback["warning"] or (
            "It is built from your name or email."
            if verdict["sequence"]
            and any(m.get("dictionary_name") == "user_inputs" for m in verdict["sequence"])
            else "It would be guessed quickly."
        )
        hint = " ".join(feedback["suggestions"]) or "Add another word or two."
        raise WeakPassword(f"That password is too easy to guess. {why.rstrip('.')}. {hint}")


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
    """Create an account; refuse a taken email or a weak password.

    `timezone` is the one the browser proposed; anything but an IANA zone name gives UTC,
    which the learner can change in Settings.
    """
    _check_password(password, email=_normalise_email(email), name=name)
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
    try:
        session.commit()
    except IntegrityError:  # the same address registered at the same moment
        session.rollback()
        raise AccountError("An account with this email already exists.") from None
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    user = find_user(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def start_session(session: Session, user: User, *, now: datetime) -> str:
    """Record a new signed-in session for `user`; its key goes into the user's id."""
    key = secrets.token_urlsafe(24)
    session.execute(  # this user's expired sessions go at the next sign-in
        delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.created_at <= now - SESSION_LIFETIME
        )
    )
    session.add(UserSession(user_id=user.id, key=key, created_at=now))
    session.commit()
    user.session_key = key
    return key


@cache
def _session_user() -> Select[Any]:
    """The user `user_id` with their session `key` begun after `since`: read on every
    request, so built once."""
    return (
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.id == bindparam("user_id"),
            UserSession.key == bindparam("key"),
            UserSession.created_at > bindparam("since"),
        )
    )


def load_session_user(session: Session, user_id: str, *, now: datetime) -> User | None:
    """Resolve a Flask-Login id `<id>:<token>:<session key>`.

    Refused when the token is stale (password changed, signed out everywhere), the
    session was signed out, or it is older than SESSION_LIFETIME.
    """
    number, _, rest = user_id.partition(":")
    token, _, key = rest.partition(":")
    if not number.isdigit() or len(number) > 10 or not key:
        return None
    user = session.scalar(
        _session_user(),
        {"user_id": int(number), "key": key, "since": now - SESSION_LIFETIME},
    )
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    user.session_key = key
    return user


def end_session(session: Session, user: User) -> None:
    """Sign out this session: its session and remember cookies stop working."""
    session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.key == user.session_key
        )
    )
    session.commit()


def _end_all_sessions(session: Session, user: User) -> None:
    user.session_token = secrets.token_hex(16)
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def end_all_sessions(session: Session, user: User) -> None:
    """Sign out every session of this user, on every device."""
    _end_all_sessions(session, user)
    session.commit()


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """Change the password and sign out every other session."""
    if not check_password_hash(user.password_hash, current):
        raise AccountError("The current password is not right.")
    _check_password(new, email=user.email, name=user.name)
    user.password_hash = generate_password_hash(new)
    _end_all_sessions(session, user)
    session.commit()


def set_role(session: Session, *, user_id: int, role: Role) -> User:
    """Change a role; the last admin cannot stop being one, however many ask at once.

    The admins' rows are locked first (FOR UPDATE on PostgreSQL; SQLite has one writer),
    and the change is one UPDATE that applies only while another admin remains.
    """
    user = session.get(User, user_id)
    if user is None:
        raise AccountError("No such user.")
    session.scalars(select(User.id).where(User.role == Role.ADMIN.value).with_for_update()).all()
    others = (
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN.value, User.id != user_id)
        .scalar_subquery()
    )
    changed = session.execute(
        update(User)
        .where(User.id == user_id, (User.role != Role.ADMIN.value) | (others > 0))
        .values(role=role.value)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1 and role is not Role.ADMIN:
        session.rollback()
        raise AccountError("This is the last admin; make someone else admin first.")
    session.commit()
    session.refresh(user)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))
