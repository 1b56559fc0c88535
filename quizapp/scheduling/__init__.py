"""Spaced-repetition rules as plain values: Anki's scheduler with FSRS, over fsrs's formulas.

Nothing here knows of Flask or the database. Every input arrives as an argument,
times are UTC-aware, and the fuzz on review intervals is seeded from the card
and its repetition count, so the same history always gives the same schedule.
Learning steps, graduation, the interval rules (Hard < Good < Easy, no shrinking
within the fuzz range), fuzz ranges, study days and leech thresholds follow Anki
(rslib `scheduler/states/`), so a card scheduled here and in Anki agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from random import Random
from typing import Any

from fsrs import Card, Rating, Scheduler, State
from fsrs.scheduler import STABILITY_MIN

from quizapp.scheduling.days import StudyDay

__all__ = [
    "DEFAULT_RETENTION",
    "LEECH_LAPSES",
    "Grade",
    "MemoryState",
    "Outcome",
    "Settings",
    "format_interval",
    "fuzz_range",
    "leech_threshold_met",
    "preview",
    "review",
]

_DAY = 86400
DEFAULT_RETENTION = 0.9
MIN_RETENTION, MAX_RETENTION = 0.70, 0.99
LEECH_LAPSES = 8
MAXIMUM_INTERVAL = 36500
# Anki's (fsrs-rs's) ceiling on stability, whatever the maximum interval.
STABILITY_MAX = 36500.0
# (start, end, factor) in days: Anki's fuzz grows by `factor` a day within each range.
FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, math.inf, 0.05))
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
    maximum_interval: int = MAXIMUM_INTERVAL
    leech_lapses: int = LEECH_LAPSES
    day: StudyDay = field(default_factory=StudyDay)
    fuzz: bool = True


_MOMENTS = ("due", "last_review")


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

    def to_dict(self) -> dict[str, Any]:
        """The state as JSON values (times in ISO 8601), as a review's `card_before`."""
        data: dict[str, Any] = dict(self.__dict__)
        for name in _MOMENTS:
            data[name] = data[name].isoformat() if data[name] else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MemoryState:
        values = dict(data)
        for name in _MOMENTS:
            values[name] = datetime.fromisoformat(values[name]) if values.get(name) else None
        return cls(**values)

    @property
    def is_leech(self) -> bool:
        return self.lapses >= LEECH_LAPSES


@dataclass(frozen=True)
class Outcome:
    """The memory state after one answer, and what the review log records."""

    after: MemoryState
    interval: timedelta
    leech: bool = False  # this lapse reached the leech threshold (again)


def _round(value: float) -> int:
    """Round half away from zero, as Anki (Rust's f32::round) does; Python rounds to even."""
    return math.floor(value + 0.5)


@dataclass(frozen=True)
class _Next:
    """One grade's memory state and FSRS interval (days, unrounded)."""

    stability: float
    difficulty: float
    interval: float


class _Memory:
    """FSRS memory updates from fsrs's own formulas, given elapsed days as Anki counts them.

    fsrs's `review_card` counts elapsed days as 24-hour periods; Anki (on whose day counts
    FSRS's default parameters were fitted) counts rollovers crossed. fsrs is asked with a
    card last reviewed exactly `elapsed` days ago, so its formulas get Anki's count.
    """

    def __init__(self, settings: Settings) -> None:
        kwargs: dict[str, object] = {"enable_fuzzing": False, "learning_steps": ()}
        if settings.parameters is not None:
            kwargs["parameters"] = settings.parameters
        self._fsrs = Scheduler(**kwargs)  # type: ignore[arg-type]
        w = self._fsrs.parameters
        self._decay = -w[20]
        self._factor = 0.9 ** (1 / self._decay) - 1
        self._retention = settings.desired_retention

    def interval(self, stability: float) -> float:
        return stability / self._factor * (self._retention ** (1 / self._decay) - 1)

    def recall(self, stability: float, elapsed_days: float) -> float:
        return float((1 + self._factor * elapsed_days / stability) ** self._decay)

    def next(self, memory: MemoryState, elapsed: int, now: datetime) -> dict[Grade, _Next]:
        if memory.stability is None or memory.difficulty is None:
            card = Card(card_id=1, due=now)
        else:
            card = Card(
                card_id=1,
                state=State.Review,
                step=None,
                stability=min(max(memory.stability, STABILITY_MIN), STABILITY_MAX),
                difficulty=memory.difficulty,
                due=now,
                last_review=now - timedelta(days=elapsed),
            )
        states = {}
        for grade in Grade:
            after, _log = self._fsrs.review_card(card, Rating(grade), now)
            assert after.stability is not None and after.difficulty is not None
            # Anki stores stability to 4 places and difficulty to 3, and goes on from those.
            stability = round(min(max(after.stability, STABILITY_MIN), STABILITY_MAX), 4)
            difficulty = round(after.difficulty, 3)
            states[grade] = _Next(stability, difficulty, self.interval(stability))
        return states


def _fuzz_bounds(interval: float, minimum: int, maximum: int) -> tuple[int, int]:
    """The days a fuzzed interval may take (Anki's `constrained_fuzz_bounds`)."""
    minimum = min(minimum, maximum)
    interval = min(max(interval, minimum), maximum)
    delta = 0.0
    if interval >= 2.5:
        delta = 1.0 + sum(
            factor * max(min(interval, end) - start, 0.0) for start, end, factor in FUZZ_RANGES
        )
    lower = min(max(_round(interval - delta), minimum), maximum)
    upper = min(max(_round(interval + delta), minimum), maximum)
    if upper == lower and 2 < upper < maximum:
        upper = lower + 1
    return lower, upper


def _minimum_passing(interval: float, previous: int, maximum: int) -> int:
    """Anki keeps a passing review at least a day above the previous interval, or at it
    while the previous interval is inside the new one's fuzz range."""
    _lower, upper = _fuzz_bounds(interval, 1, maximum)
    if _round(interval) > previous:
        return previous + 1
    return previous if previous <= upper else 0


class _Rules:
    """Anki's rules for turning FSRS intervals into whole days for one answer."""

    def __init__(self, settings: Settings, *, seed: int, load: Load | None, now: datetime):
        self.maximum = max(settings.maximum_interval, 1)
        self.fuzz = Random(seed).random() if settings.fuzz else None
        self.load = load
        self.now = now

    def days(self, interval: float, minimum: int = 1) -> int:
        """`interval` as whole days at least `minimum`, fuzzed when fuzz is on."""
        minimum = min(max(minimum, 1), self.maximum)
        if self.fuzz is None:
            return min(max(_round(interval), minimum), self.maximum)
        lower, upper = _fuzz_bounds(interval, minimum, self.maximum)
        if self.load is None or upper == lower:
            return math.floor(lower + self.fuzz * (1 + upper - lower))
        # Among the allowed days, favour those with fewer reviews already due.
        due = self.load(lower, upper)
        candidates = list(range(lower, upper + 1))
        weights = [1 / (due.get(day, 0) + 1) ** 2 for day in candidates]
        return Random(self.fuzz).choices(candidates, weights)[0]

    def graduate(self, interval: float) -> int:
        return self.days(max(_round(interval), 1))

    def graduate_easy(self, good: float, easy: float) -> int:
        return self.days(max(_round(easy), 1), self.days(good) + 1)

    def passing(self, states: dict[Grade, _Next], previous: int) -> dict[Grade, int]:
        hard = self.days(
            states[Grade.HARD].interval,
            max(_minimum_passing(states[Grade.HARD].interval, previous, self.maximum), 1),
        )
        good = self.days(
            states[Grade.GOOD].interval,
            max(_minimum_passing(states[Grade.GOOD].interval, previous, self.maximum), hard + 1),
        )
        easy = self.days(
            states[Grade.EASY].interval,
            max(_minimum_passing(states[Grade.EASY].interval, previous, self.maximum), good + 1),
        )
        return {Grade.HARD: hard, Grade.GOOD: good, Grade.EASY: easy}


def _hard_delay(steps: Sequence[timedelta], index: int) -> timedelta:
    """Hard repeats the current step; on the first, halfway to the next (Anki's rule)."""
    if index > 0:
        return steps[index]
    again = int(steps[0].total_seconds())
    if len(steps) > 1:
        seconds = (again + int(steps[1].total_seconds())) // 2
    else:
        seconds = min(again * 3 // 2, again + _DAY)
    if seconds > _DAY:
        seconds = _round(seconds / _DAY) * _DAY
    return timedelta(seconds=seconds)


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

    As Anki does with FSRS on: elapsed days are the learner's rollovers crossed since the
    last answer; learning steps are timed to the second and reviews are due from the start
    of a study day. `load(low, high)` tells how many reviews are already due on each of
    the days `low` to `high` after today; it is asked only when an interval is fuzzed.
    """
    day = settings.day
    elapsed = 0 if memory.last_review is None else day.elapsed_days(memory.last_review, now)
    states = _Memory(settings).next(memory, elapsed, now)
    chosen = states[grade]
    rules = _Rules(settings, seed=card_id * 1000 + memory.reps, load=load, now=now)
    was_review = memory.state == State.Review.value and not memory.is_new
    lapses = memory.lapses + (grade is Grade.AGAIN and was_review)
    in_relearning = memory.state == State.Relearning.value and not memory.is_new
    steps = settings.relearning_steps if (was_review or in_relearning) else settings.learning_steps
    step: int | None = None
    delay: timedelta | None = None  # a learning step, or None for a review in whole days
    days = 0

    if was_review:
        if grade is Grade.AGAIN:
            if steps:
                step, delay = 0, steps[0]
            elif chosen.interval < 0.5:
                step, delay = 0, timedelta(seconds=int(chosen.interval * _DAY))
            else:
                days = max(_round(chosen.interval), 1)
        else:
            previous = max(day.days_between(memory.last_review, memory.due or now), 0)
            days = rules.passing(states, previous)[grade]
    else:
        index = min(memory.step or 0, max(len(steps) - 1, 0))
        if grade is Grade.EASY:
            days = rules.graduate_easy(states[Grade.GOOD].interval, chosen.interval)
        elif steps and grade is Grade.AGAIN:
            step, delay = 0, steps[0]
        elif steps and grade is Grade.HARD:
            step, delay = index, _hard_delay(steps, index)
        elif steps and grade is Grade.GOOD and index + 1 < len(steps):
            step, delay = index + 1, steps[index + 1]
        elif not steps and chosen.interval < 0.5:
            step, delay = 0, timedelta(seconds=int(chosen.interval * _DAY))
        else:
            days = rules.graduate(chosen.interval)

    if delay is not None:
        state = State.Relearning if (was_review or in_relearning) else State.Learning
        due = now + delay
        until_rollover = day.next_start(now) - now
        if delay >= until_rollover:
            # A step past the rollover is due from the start of its day, as in Anki.
            later = (delay - until_rollover) // timedelta(days=1) + 1
            due = day.start_of(day.date(now) + timedelta(days=later))
    else:
        state, step = State.Review, None
        due = day.start_of(day.date(now) + timedelta(days=days))
    after = MemoryState(
        state=state.value,
        step=step,
        stability=chosen.stability,
        difficulty=chosen.difficulty,
        due=due,
        last_review=now,
        reps=memory.reps + 1,
        lapses=lapses,
    )
    leech = (
        grade is Grade.AGAIN and was_review and leech_threshold_met(lapses, settings.leech_lapses)
    )
    return Outcome(after=after, interval=due - now, leech=leech)


def fuzz_range(
    settings: Settings, *, card_id: int, memory: MemoryState, grade: Grade, now: datetime
) -> tuple[int, int]:
    """The fewest and most days a fuzzed interval for `grade` can take (Anki's fuzz range,
    raised where Hard < Good < Easy pushes a grade above the one before it)."""
    day = settings.day
    elapsed = 0 if memory.last_review is None else day.elapsed_days(memory.last_review, now)
    states = _Memory(settings).next(memory, elapsed, now)
    maximum = max(settings.maximum_interval, 1)
    if memory.state == State.Review.value and not memory.is_new and grade is not Grade.AGAIN:
        previous = max(day.days_between(memory.last_review, memory.due or now), 0)
        low = high = 0  # the grade below's range
        for passing in (Grade.HARD, Grade.GOOD, Grade.EASY):
            interval = states[passing].interval
            floor = max(_minimum_passing(interval, previous, maximum), 1)
            low = _fuzz_bounds(interval, max(floor, low + 1), maximum)[0]
            high = _fuzz_bounds(interval, max(floor, high + 1), maximum)[1]
            if passing is grade:
                break
        return low, high
    good = _fuzz_bounds(states[Grade.GOOD].interval, 1, maximum)
    if grade is Grade.EASY:
        easy = max(_round(states[Grade.EASY].interval), 1)
        return (
            _fuzz_bounds(easy, good[0] + 1, maximum)[0],
            _fuzz_bounds(easy, good[1] + 1, maximum)[1],
        )
    return _fuzz_bounds(max(_round(states[grade].interval), 1), 1, maximum)


def leech_threshold_met(lapses: int, threshold: int) -> bool:
    """True at `threshold` lapses and every half threshold after (Anki: 8, 12, 16...)."""
    if threshold <= 0:
        return False
    half = max(math.ceil(threshold / 2), 1)
    return lapses >= threshold and (lapses - threshold) % half == 0


def preview(
    settings: Settings, *, card_id: int, memory: MemoryState, now: datetime
) -> dict[Grade, timedelta]:
    """The interval each grade would give, for the grade buttons."""
    return {
        grade: review(settings, card_id=card_id, memory=memory, grade=grade, now=now).interval
        for grade in Grade
    }


def retrievability(settings: Settings, memory: MemoryState, now: datetime) -> float:
    """Predicted probability of recall at `now`; 0 for a card never reviewed.

    Elapsed time counts to the second, as Anki's card info shows it.
    """
    if memory.is_new or memory.stability is None or memory.last_review is None:
        return 0.0
    elapsed = max((now - memory.last_review).total_seconds(), 0) / _DAY
    stability = min(max(memory.stability, STABILITY_MIN), STABILITY_MAX)
    return _Memory(settings).recall(stability, elapsed)


def passed(correct: bool | None, grade: int) -> bool:
    """Whether an answer counts as right: as judged where it could be, else recalled."""
    return correct if correct is not None else grade > Grade.AGAIN


def forgetting_curve(settings: Settings) -> tuple[float, float]:
    """FSRS's (factor, decay): recall after t days at stability S is (1 + factor·t/S)^decay.

    The same constants as `retrievability`, for computing it over many cards at once.
    """
    memory = _Memory(settings)
    return memory._factor, memory._decay


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


_YEAR = 365 * _DAY
_UNITS: Sequence[tuple[float, str, float]] = (
    (60, "s", 1),
    (3600, "m", 60),
    (_DAY, "h", 3600),
    (30 * _DAY, "d", _DAY),
    (_YEAR, "mo", 30 * _DAY),
)


_STEP_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_steps(text: str) -> tuple[timedelta, ...]:
    """Learning steps as Anki writes them: "1m 10m", "30s 5m 1h 1d" (a bare number is minutes).

    Raises ValueError with a message for people on anything else.
    """
    steps = []
    for token in text.replace(",", " ").split():
        unit = token[-1].lower() if token[-1].isalpha() else "m"
        number = token[:-1] if token[-1].isalpha() else token
        try:
            value = float(number)
        except ValueError:
            value = -1.0
        if unit not in _STEP_UNITS or not 0 < value <= 365 * 86400 / _STEP_UNITS[unit]:
            raise ValueError(
                f"{token!r} is not a step: write steps like 1m 10m 1h 1d, separated by spaces."
            )
        steps.append(timedelta(seconds=round(value * _STEP_UNITS[unit])))
    if len(steps) > 20:
        raise ValueError("At most 20 steps.")
    return tuple(steps)


def format_steps(steps: Sequence[timedelta]) -> str:
    """Steps as Anki shows them: 1m 10m 1h 1d."""
    words = []
    for step in steps:
        seconds = int(step.total_seconds())
        for unit in ("d", "h", "m"):
            if seconds % _STEP_UNITS[unit] == 0:
                words.append(f"{seconds // _STEP_UNITS[unit]}{unit}")
                break
        else:
            words.append(f"{seconds}s")
    return " ".join(words)
