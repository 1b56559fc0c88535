"""Spaced-repetition rules as plain values: a thin wrapper over fsrs.

Nothing here knows of Flask or the database. Every input arrives as an argument,
times are UTC-aware, and the fuzz on review intervals is seeded from the card
and its repetition count, so the same history always gives the same schedule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from random import Random

from fsrs import Card, Rating, Scheduler, State
from fsrs.scheduler import FUZZ_RANGES

__all__ = [
    "DEFAULT_RETENTION",
    "LEECH_LAPSES",
    "Grade",
    "MemoryState",
    "Outcome",
    "Settings",
    "format_interval",
    "preview",
    "review",
]

DEFAULT_RETENTION = 0.9
MIN_RETENTION, MAX_RETENTION = 0.70, 0.99
LEECH_LAPSES = 8
# Reviews already due on days low..high from now, by day.
Load = Callable[[int, int], Mapping[int, int]]
LEARNING_STEPS = (timedelta(minutes=1), timedelta(minutes=10))
RELEARNING_STEPS = (timedelta(minutes=10),)


class Grade(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()


@dataclass(frozen=True)
class Settings:
    """A learner's scheduling settings."""

    desired_retention: float = DEFAULT_RETENTION
    parameters: tuple[float, ...] | None = None
    learning_steps: tuple[timedelta, ...] = LEARNING_STEPS
    relearning_steps: tuple[timedelta, ...] = RELEARNING_STEPS
    fuzz: bool = True


@dataclass(frozen=True)
class MemoryState:
    """What the scheduler knows of one learner's memory of one question.

    `last_review` None means the card is new. `reps` and `lapses` are counted
    here because fsrs does not keep them.
    """

    state: int = State.Learning.value
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0

    @property
    def is_new(self) -> bool:
        return self.last_review is None

    @property
    def is_leech(self) -> bool:
        return self.lapses >= LEECH_LAPSES


@dataclass(frozen=True)
class Outcome:
    """The memory state after one answer, and what the review log records."""

    after: MemoryState
    interval: timedelta


class _SeededScheduler(Scheduler):
    """fsrs's scheduler with seeded fuzz that also evens out the daily load.

    fsrs draws fuzz from the global random generator; here it comes from a generator
    seeded per card and repetition. Within the fuzz range (the same as fsrs's and
    Anki's), days that already have many reviews due are less likely to be picked, as
    Anki's load balancer does, so the number of reviews a day stays even.
    """

    def __init__(self, *, seed: int, load: Load | None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._rng = Random(seed)
        self._load = load

    def _get_fuzzed_interval(self, *, interval: timedelta) -> timedelta:
        days = interval.days
        if days < 2.5:
            return interval
        delta = 1.0
        for fuzz_range in FUZZ_RANGES:
            delta += fuzz_range["factor"] * max(
                min(float(days), fuzz_range["end"]) - fuzz_range["start"], 0.0
            )
        low = min(max(2, round(days - delta)), self.maximum_interval)
        high = min(round(days + delta), self.maximum_interval)
        candidates = list(range(min(low, high), high + 1))
        due = self._load(candidates[0], candidates[-1]) if self._load else {}
        weights = [1 / (due.get(day, 0) + 1) ** 2 for day in candidates]
        return timedelta(days=self._rng.choices(candidates, weights)[0])


def _scheduler(
    settings: Settings, *, seed: int, load: Mapping[int, int] | None = None
) -> Scheduler:
    kwargs: dict[str, object] = {
        "desired_retention": settings.desired_retention,
        "learning_steps": settings.learning_steps,
        "relearning_steps": settings.relearning_steps,
        "enable_fuzzing": settings.fuzz,
    }
    if settings.parameters is not None:
        kwargs["parameters"] = settings.parameters
    return _SeededScheduler(seed=seed, load=load, **kwargs)


def _card(card_id: int, memory: MemoryState, now: datetime) -> Card:
    return Card(
        card_id=card_id,
        state=State(memory.state),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due or now,
        last_review=memory.last_review,
    )


def review(
    settings: Settings,
    *,
    card_id: int,
    memory: MemoryState,
    grade: Grade,
    now: datetime,
    load: Load | None = None,
) -> Outcome:
    """Apply one answer given at `now` (UTC-aware) and return the new memory state.

    `load(low, high)` tells how many reviews are already due on each of the days `low`
    to `high` after `now`; it is asked only when an interval is fuzzed.
    """
    scheduler = _scheduler(settings, seed=card_id * 1000 + memory.reps, load=load)
    card, _log = scheduler.review_card(_card(card_id, memory, now), Rating(grade), now)
    lapsed = grade is Grade.AGAIN and memory.state == State.Review.value
    after = MemoryState(
        state=card.state.value,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
        reps=memory.reps + 1,
        lapses=memory.lapses + lapsed,
    )
    return Outcome(after=after, interval=card.due - now)


def preview(
    settings: Settings, *, card_id: int, memory: MemoryState, now: datetime
) -> dict[Grade, timedelta]:
    """The interval each grade would give, for the grade buttons."""
    return {
        grade: review(settings, card_id=card_id, memory=memory, grade=grade, now=now).interval
        for grade in Grade
    }


def retrievability(settings: Settings, memory: MemoryState, now: datetime) -> float:
    """Predicted probability of recall at `now`; 0 for a card never reviewed."""
    if memory.is_new:
        return 0.0
    scheduler = _scheduler(settings, seed=0)
    return scheduler.get_card_retrievability(_card(0, memory, now), now)


def passed(correct: bool | None, grade: int) -> bool:
    """Whether an answer counts as right: as judged where it could be, else recalled."""
    return correct if correct is not None else grade > Grade.AGAIN


def forgetting_curve(settings: Settings) -> tuple[float, float]:
    """FSRS's (factor, decay): recall after t days at stability S is (1 + factor·t/S)^decay.

    The same constants as `retrievability`, for computing it over many cards at once.
    """
    scheduler = _scheduler(settings, seed=0)
    return scheduler._FACTOR, scheduler._DECAY


def recall_threshold(settings: Settings, target: float) -> float:
    """Elapsed days per day of stability up to which predicted recall stays ≥ `target`."""
    factor, decay = forgetting_curve(settings)
    return (target ** (1 / decay) - 1) / factor


def validate_retention(value: float) -> float:
    if not MIN_RETENTION <= value <= MAX_RETENTION:
        raise ValueError(f"desired retention must be between {MIN_RETENTION} and {MAX_RETENTION}")
    return value


def format_interval(interval: timedelta) -> str:
    """Anki-style short interval: 45s, 10m, 3h, 4d, 2.5mo, 1.2y."""
    seconds = max(interval.total_seconds(), 0)
    for limit, unit, size in _UNITS:
        if seconds < limit:
            value = seconds / size
            return f"{value:.0f}{unit}" if unit in ("s", "m", "h", "d") else f"{value:.1f}{unit}"
    return f"{seconds / _YEAR:.1f}y"


_DAY = 86400
_YEAR = 365 * _DAY
_UNITS: Sequence[tuple[float, str, float]] = (
    (60, "s", 1),
    (3600, "m", 60),
    (_DAY, "h", 3600),
    (30 * _DAY, "d", _DAY),
    (_YEAR, "mo", 30 * _DAY),
)
