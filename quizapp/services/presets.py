"""Scheduling presets, as Anki's deck options: each learner's named sets of options,
chosen per bank; a bank without one uses the learner's default (their own settings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quizapp import scheduling
from quizapp.models import Bank, BankPreset, Preset, User
from quizapp.services import statements

MAX_INTERVAL_LIMIT = 36500


class PresetError(ValueError):
    """A preset that cannot be saved or used; the message is for the learner."""


@dataclass(frozen=True)
class Options:
    """The options in force for one bank."""

    name: str | None  # None: the learner's default
    desired_retention: float
    new_per_day: int
    reviews_per_day: int
    learning_steps: tuple[timedelta, ...]
    relearning_steps: tuple[timedelta, ...]
    maximum_interval: int


def _steps(seconds: list[int] | None, default: tuple[timedelta, ...]) -> tuple[timedelta, ...]:
    return default if seconds is None else tuple(timedelta(seconds=s) for s in seconds)


def default_options(user: User) -> Options:
    return Options(
        name=None,
        desired_retention=user.desired_retention,
        new_per_day=user.new_per_day,
        reviews_per_day=user.reviews_per_day,
        learning_steps=_steps(user.learning_steps, scheduling.LEARNING_STEPS),
        relearning_steps=_steps(user.relearning_steps, scheduling.RELEARNING_STEPS),
        maximum_interval=user.maximum_interval or MAX_INTERVAL_LIMIT,
    )


def options_of(preset: Preset | Any) -> Options:
    """The options a preset (or a row with its columns) holds."""
    return Options(
        name=preset.name,
        desired_retention=preset.desired_retention,
        new_per_day=preset.new_per_day,
        reviews_per_day=preset.reviews_per_day,
        learning_steps=_steps(preset.learning_steps, scheduling.LEARNING_STEPS),
        relearning_steps=_steps(preset.relearning_steps, scheduling.RELEARNING_STEPS),
        maximum_interval=preset.maximum_interval,
    )


def options_in(row: Any, user: User) -> Options:
    """The options in a row read with `statements.PRESET`: the preset's, or the default."""
    return default_options(user) if row.preset_id is None else options_of(row)


def for_bank(session: Session, user: User, bank_id: int) -> Options:
    """The options the learner uses for this bank."""
    preset = session.scalar(
        select(Preset)
        .join(BankPreset, BankPreset.preset_id == Preset.id)
        .where(BankPreset.user_id == user.id, BankPreset.bank_id == bank_id)
    )
    return default_options(user) if preset is None else options_of(preset)


def _parse_steps(text: str, label: str) -> list[int]:
    try:
        steps = scheduling.parse_steps(text)
    except ValueError as error:
        raise PresetError(f"{label}: {error}") from None
    return [int(step.total_seconds()) for step in steps]


def _check(
    desired_retention: float, new_per_day: int, reviews_per_day: int, maximum_interval: int
) -> None:
    try:
        scheduling.validate_retention(desired_retention)
    except ValueError as error:
        raise PresetError(f"Desired retention: {error}.") from None
    if not 0 <= new_per_day <= 9999 or not 0 <= reviews_per_day <= 99999:
        raise PresetError("Daily limits are from 0 to 9,999 new cards and 99,999 reviews.")
    if not 1 <= maximum_interval <= MAX_INTERVAL_LIMIT:
        raise PresetError(f"The maximum interval is from 1 to {MAX_INTERVAL_LIMIT:,} days.")


def save_preset(
    session: Session,
    *,
    user: User,
    preset_id: int | None,
    name: str,
    desired_retention: float,
    new_per_day: int,
    reviews_per_day: int,
    learning_steps: str,
    relearning_steps: str,
    maximum_interval: int,
) -> Preset:
    """Create a preset (`preset_id` None) or change one of the learner's own."""
    name = name.strip()
    if not name or len(name) > 60:
        raise PresetError("Give the preset a name of up to 60 characters.")
    _check(desired_retention, new_per_day, reviews_per_day, maximum_interval)
    values = {
        "name": name,
        "desired_retention": desired_retention,
        "new_per_day": new_per_day,
        "reviews_per_day": reviews_per_day,
        "learning_steps": _parse_steps(learning_steps, "Learning steps"),
        "relearning_steps": _parse_steps(relearning_steps, "Relearning steps"),
        "maximum_interval": maximum_interval,
    }
    if preset_id is None:
        preset = Preset(user_id=user.id, **values)
        session.add(preset)
    else:
        preset = _own(session, user, preset_id)
        for key, value in values.items():
            setattr(preset, key, value)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise PresetError(f"You already have a preset named {name!r}.") from None
    return preset


def set_default_steps(
    user: User, *, learning_steps: str, relearning_steps: str, maximum_interval: int
) -> None:
    """Change the steps and maximum interval of the learner's default preset (the caller
    commits)."""
    if not 1 <= maximum_interval <= MAX_INTERVAL_LIMIT:
        raise PresetError(f"The maximum interval is from 1 to {MAX_INTERVAL_LIMIT:,} days.")
    learning = _parse_steps(learning_steps, "Learning steps")
    relearning = _parse_steps(relearning_steps, "Relearning steps")
    user.learning_steps, user.relearning_steps = learning, relearning
    user.maximum_interval = maximum_interval


def delete_preset(session: Session, *, user: User, preset_id: int) -> None:
    """Delete one of the learner's presets; its banks go back to the default."""
    preset = _own(session, user, preset_id)
    session.execute(delete(BankPreset).where(BankPreset.preset_id == preset.id))
    session.delete(preset)
    session.commit()


def assign(session: Session, *, user: User, bank_id: int, preset_id: int | None) -> None:
    """Use a preset (None: the default) for one bank."""
    if session.get(Bank, bank_id) is None:
        raise PresetError("There is no such bank.")
    if preset_id is not None:
        _own(session, user, preset_id)
    session.execute(
        delete(BankPreset).where(BankPreset.user_id == user.id, BankPreset.bank_id == bank_id)
    )
    if preset_id is not None:
        session.add(BankPreset(user_id=user.id, bank_id=bank_id, preset_id=preset_id))
    session.commit()


def overview(session: Session, user: User) -> tuple[list[Preset], list[tuple[Bank, int | None]]]:
    """The learner's presets, and every bank with the preset it uses (None: default)."""
    presets = list(
        session.scalars(select(Preset).where(Preset.user_id == user.id).order_by(Preset.name))
    )
    chosen = dict(
        session.execute(
            select(BankPreset.bank_id, BankPreset.preset_id).where(BankPreset.user_id == user.id)
        ).all()
    )
    banks = session.scalars(
        select(Bank).where(Bank.id.in_(statements.PUBLISHED_BANKS)).order_by(Bank.topic)
    )
    return presets, [(bank, chosen.get(bank.id)) for bank in banks]


def _own(session: Session, user: User, preset_id: int) -> Preset:
    preset = session.get(Preset, preset_id)
    if preset is None or preset.user_id != user.id:
        raise PresetError("There is no such preset.")
    return preset
