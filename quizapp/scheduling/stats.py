"""Learner statistics as plain values: counts by day, true retention, stability, strength.

Inputs are study dates and numbers the caller has read already; nothing here knows
of Flask or the database, so every figure can be checked by hand in a test.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

MATURE_DAYS = 21
REVIEW_STATE = 2
HEATMAP_DAYS = 365
FORECAST_DAYS = 30
RETENTION_WEEKS = 12
# Upper bounds in days; the last bin is open-ended.
STABILITY_BOUNDS = (1, 3, 7, 14, 30, 90, 180, 365)


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


@dataclass(frozen=True)
class Answer:
    """One answer as the retention chart needs it.

    `interval_days` is the interval the card had been scheduled for when it was
    answered; it tells young cards (under 21 days) from mature ones, as Anki does.
    """

    day: date
    rating: int
    state_before: int | None
    interval_days: float | None

    @property
    def passed(self) -> bool:
        return self.rating > 1


@dataclass(frozen=True)
class RetentionWeek:
    """Passing answers on review cards in the week starting on `start` (a Monday)."""

    start: date
    young_passed: int = 0
    young_total: int = 0
    mature_passed: int = 0
    mature_total: int = 0

    @property
    def young(self) -> float | None:
        return self.young_passed / self.young_total if self.young_total else None

    @property
    def mature(self) -> float | None:
        return self.mature_passed / self.mature_total if self.mature_total else None

    @property
    def total(self) -> int:
        return self.young_total + self.mature_total


@dataclass(frozen=True)
class Bin:
    label: str
    count: int


@dataclass(frozen=True)
class SectionStrength:
    section: str
    cards: int
    retrievability: float


def daily_counts(days: Iterable[date], *, today: date, span: int = HEATMAP_DAYS) -> list[DayCount]:
    """Answers per study day for the `span` days ending today, oldest first, zeros included."""
    counts = Counter(days)
    first = today - timedelta(days=span - 1)
    return [DayCount(day, counts[day]) for day in _dates(first, span)]


def forecast(due_days: Iterable[date], *, today: date, span: int = FORECAST_DAYS) -> list[DayCount]:
    """Cards falling due on each of the next `span` days; overdue cards count for today."""
    counts = Counter(max(day, today) for day in due_days)
    return [DayCount(day, counts[day]) for day in _dates(today, span)]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_retention(
    answers: Iterable[Answer], *, today: date, weeks: int = RETENTION_WEEKS
) -> list[RetentionWeek]:
    """Share of passing answers on review cards, young and mature, for the last `weeks` weeks."""
    first = week_start(today) - timedelta(weeks=weeks - 1)
    tally: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for answer in answers:
        if answer.state_before != REVIEW_STATE or answer.day < first or answer.day > today:
            continue
        counts = tally[week_start(answer.day)]
        mature = (answer.interval_days or 0) >= MATURE_DAYS
        counts[2 * mature] += answer.passed
        counts[2 * mature + 1] += 1
    return [
        RetentionWeek(start, *tally.get(start, (0, 0, 0, 0)))
        for start in (first + timedelta(weeks=n) for n in range(weeks))
    ]


def stability_bins(stabilities: Iterable[float]) -> list[Bin]:
    """How many cards have a stability (days until recall falls to 90%) in each range."""
    labels = [*_bin_labels()]
    counts = [0] * len(labels)
    for stability in stabilities:
        index = next(
            (i for i, bound in enumerate(STABILITY_BOUNDS) if stability < bound),
            len(STABILITY_BOUNDS),
        )
        counts[index] += 1
    return [Bin(label, count) for label, count in zip(labels, counts, strict=True)]


def section_strength(cards: Iterable[tuple[str, float]]) -> list[SectionStrength]:
    """Mean predicted recall now per section, from (section, retrievability) pairs."""
    by_section: dict[str, list[float]] = defaultdict(list)
    for section, value in cards:
        by_section[section].append(value)
    return [
        SectionStrength(section, len(values), sum(values) / len(values))
        for section, values in by_section.items()
    ]


def _dates(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]


def _bin_labels() -> Iterable[str]:
    low = 0
    for bound in STABILITY_BOUNDS:
        yield f"{_days(low)}–{_days(bound)}"
        low = bound
    yield f"{_days(low)} or more"


def _days(days: int) -> str:
    if days == 0:
        return "0"
    if days >= 365 and days % 365 == 0:
        return f"{days // 365}y"
    return f"{days}d"
