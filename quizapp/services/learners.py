"""A learner's own settings: their study day, the scheduler's settings they study with,
and the form that changes them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from quizapp import scheduling
from quizapp.models import User
from quizapp.scheduling.days import StudyDay, ZoneError, valid_zone
from quizapp.services import presets, statements


class SettingsError(ValueError):
    """Settings that cannot be saved; the message is for the learner."""


LEECH_ACTIONS = {
    "tag": "Mark it as a leech",
    "suspend": "Mark it as a leech and suspend it",
}


def study_day(user: User) -> StudyDay:
    """The learner's own day: it starts at their chosen hour in their time zone."""
    return StudyDay(user.timezone or "UTC", user.day_starts_at)


def settings_for(
    user: User, *, fuzz: bool, options: presets.Options | None = None
) -> scheduling.Settings:
    """The scheduler's settings for this learner, with a bank's preset (default: theirs)."""
    options = options or presets.default_options(user)
    parameters = tuple(user.fsrs_parameters) if user.fsrs_parameters else None
    return scheduling.Settings(
        desired_retention=options.desired_retention,
        parameters=parameters,
        learning_steps=options.learning_steps,
        relearning_steps=options.relearning_steps,
        maximum_interval=options.maximum_interval,
        fuzz=fuzz,
        day=study_day(user),
    )


def day_start(user: User, now: datetime) -> datetime:
    """Start of the learner's study day containing `now` (UTC)."""
    return study_day(user).start(now)


def daily_load(session: Session, user: User, now: datetime) -> Callable[[int, int], dict[int, int]]:
    """A lookup of the reviews already due on days `low` to `high` from `now`.

    The scheduler asks only when it fuzzes an interval, and only for the fuzz window.
    """

    day = study_day(user)
    today = day.date(now)

    def load(low: int, high: int) -> dict[int, int]:
        window = {
            "user_id": user.id,
            "since": day.start_of(today + timedelta(days=low)),
            "until": day.start_of(today + timedelta(days=high + 1)),
        }
        dues = session.connection().scalars(statements.reviews_due_between(), window)
        return dict(Counter((day.date(due) - today).days for due in dues))

    return load


def update_settings(
    session: Session,
    *,
    user: User,
    desired_retention: float,
    new_per_day: int,
    reviews_per_day: int,
    timezone: str | None = None,
    day_starts_at: int = 4,
    leech_action: str | None = None,
    learning_steps: str | None = None,
    relearning_steps: str | None = None,
    maximum_interval: int | None = None,
) -> None:
    """Save the learner's settings (their default preset and their day); refuse a zone that
    is not an IANA name or steps that are not steps, changing nothing."""
    if learning_steps is not None and relearning_steps is not None:
        try:
            presets.set_default_steps(
                user,
                learning_steps=learning_steps,
                relearning_steps=relearning_steps,
                maximum_interval=maximum_interval or user.maximum_interval,
            )
        except presets.PresetError as error:
            raise SettingsError(str(error)) from None
    user.desired_retention = scheduling.validate_retention(desired_retention)
    user.new_per_day, user.reviews_per_day = new_per_day, reviews_per_day
    if timezone is not None:
        try:
            day = StudyDay(valid_zone(timezone), day_starts_at)
        except ZoneError as error:
            raise SettingsError(str(error)) from None
        user.timezone, user.day_starts_at = day.zone, day.rollover
    if leech_action is not None:
        if leech_action not in LEECH_ACTIONS:
            raise SettingsError("Choose what a leech does.")
        user.leech_action = leech_action
    session.commit()
