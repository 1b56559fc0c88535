"""Chart geometry for the statistics page: shapes in SVG user units, drawn by a template.

Colours come from classes styled in static/stats.css, because the page's
Content-Security-Policy allows neither style attributes nor inline <style>.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from quizapp.scheduling.stats import Bin, DayCount, RetentionWeek, SectionStrength

WIDTH = 720
CELL, GAP = 11, 2
WEEKDAY_LABELS = {0: "Mon", 2: "Wed", 4: "Fri"}


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    cls: str
    title: str


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    cls: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    cls: str = "label"


@dataclass
class Chart:
    width: float
    height: float
    rects: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)


def heatmap(days: Sequence[DayCount]) -> Chart:
    """A calendar: one column per week (Monday first), one cell per day, darker for more."""
    left, top, step = 30, 16, CELL + GAP
    first_monday = days[0].day - timedelta(days=days[0].day.weekday())
    weeks = (days[-1].day - first_monday).days // 7 + 1
    chart = Chart(width=left + weeks * step + 20, height=top + 7 * step)
    busiest = max((day.count for day in days), default=0)
    for row, name in WEEKDAY_LABELS.items():
        chart.texts.append(Text(left - 4, top + row * step + CELL - 1, name, "end"))
    last_month = None
    for day in days:
        column = (day.day - first_monday).days // 7
        x, y = left + column * step, top + day.day.weekday() * step
        chart.rects.append(
            Rect(x, y, CELL, CELL, f"heat heat-{_level(day.count, busiest)}", _day_title(day))
        )
        if day.day.month != last_month and day.day.weekday() == 0:
            last_month = day.day.month
            chart.texts.append(Text(x, top - 5, day.day.strftime("%b")))
    return chart


def forecast(days: Sequence[DayCount]) -> Chart:
    """Bars of cards due per day; a label every week."""
    return _bars(
        [day.count for day in days],
        labels=[_short(day.day) if n % 7 == 0 else "" for n, day in enumerate(days)],
        titles=[_due_title(n, day) for n, day in enumerate(days)],
        cls="bar due",
    )


def stability(bins: Sequence[Bin]) -> Chart:
    return _bars(
        [b.count for b in bins],
        labels=[b.label for b in bins],
        titles=[f"{b.label}: {b.count} card{'s' * (b.count != 1)}" for b in bins],
        cls="bar stability",
    )


def retention(weeks: Sequence[RetentionWeek], desired: float) -> Chart:
    """Young and mature pass rates side by side each week, against the desired retention."""
    left, bottom, top, height = 40, 22, 8, 200
    plot = height - bottom - top
    chart = Chart(width=WIDTH, height=height)
    slot = (WIDTH - left) / max(len(weeks), 1)
    bar = slot * 0.38

    def y(share: float) -> float:
        return top + plot * (1 - share)

    for share in (0.0, 0.5, 1.0):
        chart.lines.append(Line(left, y(share), WIDTH, y(share), "grid"))
        chart.texts.append(Text(left - 4, y(share) + 4, f"{share:.0%}", "end"))
    for n, week in enumerate(weeks):
        x = left + n * slot + slot * 0.1
        for offset, kind, value, passed, total in (
            (0, "young", week.young, week.young_passed, week.young_total),
            (bar, "mature", week.mature, week.mature_passed, week.mature_total),
        ):
            if value is None:
                continue
            title = f"Week of {_short(week.start)}, {kind}: {value:.0%} ({passed} of {total})"
            chart.rects.append(Rect(x + offset, y(value), bar, plot * value, f"bar {kind}", title))
        if n % 2 == 0:
            chart.texts.append(Text(x + bar, height - 6, _short(week.start), "middle"))
    chart.lines.append(Line(left, y(desired), WIDTH, y(desired), "target"))
    return chart


def strength(sections: Sequence[SectionStrength], label: Callable[[str], str] = str) -> Chart:
    """Horizontal bars of mean predicted recall per section, 0–100%."""
    left, row, top = 190, 24, 4
    plot = WIDTH - left - 48
    chart = Chart(width=WIDTH, height=top + row * len(sections) + 4)
    for n, section in enumerate(sections):
        y = top + n * row
        name = label(section.section)
        chart.texts.append(Text(left - 6, y + 15, name, "end"))
        chart.rects.append(
            Rect(
                left,
                y + 3,
                max(plot * section.retrievability, 1),
                row - 6,
                "bar strength",
                f"{name}: {section.retrievability:.0%} over {section.cards} cards",
            )
        )
        chart.texts.append(
            Text(left + plot * section.retrievability + 6, y + 15, f"{section.retrievability:.0%}")
        )
    return chart


def _bars(
    values: Sequence[int], *, labels: Sequence[str], titles: Sequence[str], cls: str
) -> Chart:
    left, bottom, top, height = 40, 22, 8, 180
    plot = height - bottom - top
    chart = Chart(width=WIDTH, height=height)
    peak = _nice(max(values, default=0))
    slot = (WIDTH - left) / max(len(values), 1)
    for tick in sorted({0, peak // 2, peak}):
        y = top + plot * (1 - tick / peak) if peak else top + plot
        chart.lines.append(Line(left, y, WIDTH, y, "grid"))
        chart.texts.append(Text(left - 4, y + 4, str(tick), "end"))
    for n, (value, label, title) in enumerate(zip(values, labels, titles, strict=True)):
        x = left + n * slot + slot * 0.15
        size = plot * value / peak if peak else 0
        if value:
            chart.rects.append(Rect(x, top + plot - size, slot * 0.7, size, cls, title))
        if label:
            chart.texts.append(Text(x + slot * 0.35, height - 6, label, "middle"))
    return chart


def _nice(value: int) -> int:
    """The axis maximum: `value` rounded up to an even multiple of a power of ten."""
    if value <= 1:
        return value
    power = 10 ** math.floor(math.log10(value))
    factors = (1, 1.2, 1.6, 2, 3, 4, 6, 8, 10) if power > 1 else (2, 4, 6, 8, 10)
    return next(round(f * power) for f in factors if value <= f * power)


def _level(count: int, busiest: int) -> int:
    if count == 0 or busiest == 0:
        return 0
    return min(4, 1 + (4 * (count - 1)) // busiest)


def _day_title(day: DayCount) -> str:
    return f"{_date(day.day)}: {day.count} review{'s' * (day.count != 1)}"


def _due_title(n: int, day: DayCount) -> str:
    when = "Today (with overdue)" if n == 0 else _date(day.day)
    return f"{when}: {day.count} due"


def _short(day: date) -> str:
    return f"{day:%b} {day.day}"


def _date(day: date) -> str:
    return f"{day:%a %b} {day.day}, {day.year}"
