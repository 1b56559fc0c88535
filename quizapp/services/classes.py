"""Classes: creation, join codes, rosters and co-instructors.

Every lookup for an instructor goes through `taught_class`, which answers only for
classes the user teaches, so no route can reach another instructor's class.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from quizapp.models import Classroom, Membership, Role, User
from quizapp.services.accounts import find_user

INSTRUCTOR, TRAINEE = "instructor", "trainee"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


class ClassError(ValueError):
    """A class action that cannot be done; the message is for the user."""


def new_join_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def can_teach(user: User) -> bool:
    return user.role in (Role.INSTRUCTOR.value, Role.ADMIN.value)


def create_class(session: Session, *, instructor: User, name: str, now: datetime) -> Classroom:
    if not can_teach(instructor):
        raise ClassError("Only instructors can create classes.")
    classroom = Classroom(name=name.strip(), join_code=new_join_code(), created_at=now)
    classroom.members.append(Membership(user_id=instructor.id, role=INSTRUCTOR, joined_at=now))
    session.add(classroom)
    session.commit()
    return classroom


def taught_class(session: Session, *, user: User, class_id: int) -> Classroom | None:
    """The class, if this user teaches it; None otherwise (callers answer 404)."""
    return session.scalar(
        select(Classroom)
        .join(Membership)
        .where(
            Classroom.id == class_id,
            Membership.user_id == user.id,
            Membership.role == INSTRUCTOR,
        )
    )


def _classes(session: Session, user: User, role: str) -> list[Classroom]:
    return list(
        session.scalars(
            select(Classroom)
            .join(Membership)
            .where(Membership.user_id == user.id, Membership.role == role)
            .order_by(Classroom.name)
        )
    )


def classes_taught(session: Session, user: User) -> list[Classroom]:
    return _classes(session, user, INSTRUCTOR)


def classes_joined(session: Session, user: User) -> list[Classroom]:
    return _classes(session, user, TRAINEE)


def join(session: Session, *, user: User, code: str, now: datetime) -> Classroom:
    """Join a class as a trainee with its code (case and spaces ignored)."""
    wanted = "".join(code.split()).upper()
    classroom = session.scalar(select(Classroom).where(Classroom.join_code == wanted))
    if classroom is None:
        raise ClassError("No class has that code. Check it with your instructor.")
    if any(member.user_id == user.id for member in classroom.members):
        return classroom
    classroom.members.append(Membership(user_id=user.id, role=TRAINEE, joined_at=now))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
    return classroom


def reset_code(session: Session, classroom: Classroom) -> str:
    classroom.join_code = new_join_code()
    session.commit()
    return classroom.join_code


def trainees(classroom: Classroom) -> list[User]:
    """The class's trainees by name, read in one statement."""
    session = object_session(classroom)
    assert session is not None
    members = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.class_id == classroom.id, Membership.role == TRAINEE)
    )
    return sorted(members, key=lambda user: user.name.casefold())


def instructors(classroom: Classroom) -> list[User]:
    return sorted(
        (m.user for m in classroom.members if m.role == INSTRUCTOR),
        key=lambda user: user.name.casefold(),
    )


def remove_trainee(session: Session, classroom: Classroom, *, user_id: int) -> None:
    member = next(
        (m for m in classroom.members if m.user_id == user_id and m.role == TRAINEE), None
    )
    if member is None:
        raise ClassError("That trainee is not in this class.")
    classroom.members.remove(member)
    session.commit()


def add_instructor(session: Session, classroom: Classroom, *, email: str, now: datetime) -> User:
    user = find_user(session, email)
    if user is None or not can_teach(user):
        raise ClassError("No instructor account has that email.")
    member = next((m for m in classroom.members if m.user_id == user.id), None)
    if member is None:
        classroom.members.append(Membership(user_id=user.id, role=INSTRUCTOR, joined_at=now))
    else:
        member.role = INSTRUCTOR
    session.commit()
    return user
