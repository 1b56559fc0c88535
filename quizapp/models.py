"""Typed ORM models. Rules live in services and the pure packages, not here."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Store UTC; always read back a `timezone.utc` datetime (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass a UTC-aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Role(StrEnum):
    TRAINEE = "trainee"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.TRAINEE.value)
    session_token: Mapped[str] = mapped_column(String(64))
    desired_retention: Mapped[float] = mapped_column(default=0.9)
    new_per_day: Mapped[int] = mapped_column(default=20)
    reviews_per_day: Mapped[int] = mapped_column(default=200)
    fsrs_parameters: Mapped[list[float] | None] = mapped_column(JSON, default=None)
    # The learner's study day starts at `day_starts_at` o'clock in `timezone` (IANA name).
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    day_starts_at: Mapped[int] = mapped_column(default=4, server_default="4")
    # What a leech does: "tag" marks it, "suspend" also takes it out of the queue.
    leech_action: Mapped[str] = mapped_column(String(10), default="tag", server_default="tag")
    # The learner's default preset (with the retention and limits above); steps in seconds.
    learning_steps: Mapped[list[int] | None] = mapped_column(JSON, default=None)
    relearning_steps: Mapped[list[int] | None] = mapped_column(JSON, default=None)
    maximum_interval: Mapped[int] = mapped_column(default=36500, server_default="36500")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The signed-in session this object was loaded for (a `UserSession.key`); not stored.
    session_key = ""

    def get_id(self) -> str:
        # The token changes with the password and at "sign out everywhere"; the key names
        # one session, deleted at sign-out: either ends the session and its remember cookie.
        return f"{self.id}:{self.session_token}:{self.session_key}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value


class UserSession(db.Model):
    """One signed-in session (a browser); sign-out deletes it, so its cookies stop working."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Preset(db.Model):
    """A learner's named scheduling options (as Anki's deck options), used by chosen banks."""

    __tablename__ = "presets"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    desired_retention: Mapped[float] = mapped_column(default=0.9)
    new_per_day: Mapped[int] = mapped_column(default=20)
    reviews_per_day: Mapped[int] = mapped_column(default=200)
    learning_steps: Mapped[list[int]] = mapped_column(JSON)  # seconds
    relearning_steps: Mapped[list[int]] = mapped_column(JSON)
    maximum_interval: Mapped[int] = mapped_column(default=36500)


class BankPreset(db.Model):
    """The preset one learner uses for one bank; no row means their default."""

    __tablename__ = "bank_presets"
    __table_args__ = (UniqueConstraint("user_id", "bank_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    preset_id: Mapped[int] = mapped_column(ForeignKey("presets.id"))


class Bank(db.Model):
    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    topic: Mapped[str] = mapped_column(String(200))
    # Read only where it is used: every study page finds its bank by slug.
    article: Mapped[str] = mapped_column(Text, default="", deferred=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who first loaded or created it; None for a load from the shell without --maintainer.
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # "draft" (built on the site, seen only by its maintainers) or "published".
    status: Mapped[str] = mapped_column(String(10), default="published", server_default="published")

    questions: Mapped[list[Question]] = relationship(back_populates="bank")


class BankMaintainer(db.Model):
    """An instructor who may edit and retire a bank's questions (admins always may)."""

    __tablename__ = "bank_maintainers"
    __table_args__ = (UniqueConstraint("bank_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Question(db.Model):
    """A question of a bank; `key` is its stable ID from the bank file."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("bank_id", "key"),
        Index("ix_questions_bank_fact", "bank_id", "fact"),
        # The study queue reads a bank's live questions, in order, from this index alone.
        Index("ix_questions_queue", "bank_id", "retired", "status", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    key: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    section: Mapped[str] = mapped_column(String(30))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    # Questions of one bank that ask the same fact share it: siblings, never both studied
    # on one day.
    fact: Mapped[str | None] = mapped_column(String(120))
    retired: Mapped[bool] = mapped_column(default=False)
    # Review: "draft", "approved" or "rejected"; learners see only approved questions.
    status: Mapped[str] = mapped_column(String(10), default="approved", server_default="approved")
    # `content.merge.question_hash` of the content last loaded from a file or built from
    # the article (None: loaded before this was recorded), so a load tells a site edit
    # from a change in the file.
    base_hash: Mapped[str | None] = mapped_column(String(64))
    # A rebuilt version waiting for review beside the edited one, or None.
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bank: Mapped[Bank] = relationship(back_populates="questions")


class QuestionChange(db.Model):
    """One change to a question: who (None with `actor` for the command line), when,
    what, and its content before and after."""

    __tablename__ = "question_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(30))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Card(db.Model):
    """One learner's schedule for one question. `version` rises with every change, and
    only `services.cards` changes it (refusing a card that moved on since it was read)."""

    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        Index("ix_cards_user_due", "user_id", "due"),
        # Every column the instructor pages sum (`services.aggregates`): SQLite reads a
        # class's sums from this index alone, not the table.
        Index(
            "ix_cards_sums",
            "user_id",
            "question_id",
            "reps",
            "passed",
            "state",
            "due",
            "last_review",
            "stability",
            "difficulty",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    state: Mapped[int] = mapped_column(default=1)
    step: Mapped[int | None] = mapped_column(default=0)
    stability: Mapped[float | None]
    difficulty: Mapped[float | None]
    due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reps: Mapped[int] = mapped_column(default=0)
    lapses: Mapped[int] = mapped_column(default=0)
    # Answers judged right (or recalled, where an answer cannot be judged); with `reps`
    # this gives accuracy without reading the reviews.
    passed: Mapped[int] = mapped_column(default=0, server_default="0")
    suspended: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    question: Mapped[Question] = relationship()


BROWSER, ANKI = "browser", "anki"


class Review(db.Model):
    """One answer: everything the FSRS optimiser needs, and the state to undo it."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("user_id", "token"),
        Index("ix_reviews_user_time", "user_id", "reviewed_at"),
        Index("ix_reviews_question", "question_id"),
        # Few answers come from Anki: the instructor pages count them through this
        # small index instead of reading every review of the class.
        Index(
            "ix_reviews_from_anki",
            "user_id",
            "question_id",
            sqlite_where=text("source = 'anki'"),
            postgresql_where=text("source = 'anki'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    token: Mapped[str] = mapped_column(String(64))
    rating: Mapped[int]
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int | None]
    state_before: Mapped[int | None]
    state_after: Mapped[int]
    stability_after: Mapped[float | None]
    difficulty_after: Mapped[float | None]
    response: Mapped[str | None] = mapped_column(Text)
    correct: Mapped[bool | None]
    card_before: Mapped[dict[str, Any]] = mapped_column(JSON)
    # "browser", or "anki": imported from Anki, its token "anki:<Anki's review id>".
    source: Mapped[str] = mapped_column(String(10), default=BROWSER, server_default=BROWSER)


class Flag(db.Model):
    """A learner's report that a question is wrong or unclear: one per learner and
    question, edited by flagging again."""

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("user_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    reason: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Classroom(db.Model):
    """A class an instructor teaches; trainees join it with its code."""

    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[Membership]] = relationship(
        back_populates="classroom", cascade="all, delete-orphan"
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="classroom", order_by="Assignment.id"
    )


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("class_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    classroom: Mapped[Classroom] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Assignment(db.Model):
    """A question set given to a class, with dates and a target."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    title: Mapped[str] = mapped_column(String(200))
    selection: Mapped[dict[str, Any]] = mapped_column(JSON)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    exam_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    target_kind: Mapped[str] = mapped_column(String(20))
    target_reviews: Mapped[int] = mapped_column(default=1)
    target_retention: Mapped[float] = mapped_column(default=0.9)
    target_share: Mapped[float] = mapped_column(default=0.8)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    exam_questions: Mapped[int | None]
    exam_minutes: Mapped[int] = mapped_column(default=20)
    exam_attempts: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    classroom: Mapped[Classroom] = relationship(back_populates="assignments")
    bank: Mapped[Bank] = relationship()


class ExamAttempt(db.Model):
    """One timed attempt at an assignment's exam; its questions are drawn when it starts."""

    __tablename__ = "exam_attempts"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"))
    # Every card page and answer asks whether the learner has an exam open.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int]
    question_ids: Mapped[list[int]] = mapped_column(JSON)
    responses: Mapped[dict[str, str] | None] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None]
    # Question ids the learner marked to look at again before handing in.
    review_marks: Mapped[list[int] | None] = mapped_column(JSON)
    # Answers that reached the server after the deadline: not marked, but shown as late.
    late: Mapped[dict[str, str] | None] = mapped_column(JSON)

    assignment: Mapped[Assignment] = relationship()


class ExtraNewCards(db.Model):
    """New cards a learner added to one study day's limit ("today only"), as in Anki."""

    __tablename__ = "extra_new_cards"
    __table_args__ = (UniqueConstraint("user_id", "day_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    day_start: Mapped[datetime] = mapped_column(UTCDateTime)
    extra: Mapped[int] = mapped_column(default=0)
