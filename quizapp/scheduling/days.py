"""A learner's study day: it starts at a chosen hour in the learner's own time zone.

Anki counts days by rollovers: a review answered at 23:00 and one at 08:00 the next
morning are a day apart, answers at 03:55 and 04:05 too (rollover at 04:00), and a
review card is due from the start of its study day. FSRS's default parameters were
fitted on those day counts, so elapsed days are counted the same way here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_ZONE = "UTC"
DEFAULT_ROLLOVER = 4
_DAY_SECONDS = 86400


class ZoneError(ValueError):
    """Not a time zone name (IANA, e.g. Europe/London) or not an hour 0–23."""


def valid_zone(name: str) -> str:
    """The IANA zone name if it is one, else ZoneError."""
    if name not in zone_names():
        raise ZoneError(f"{name!r} is not a time zone; choose one such as Europe/London.")
    return name


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA time zone name, sorted (UTC first)."""
    names = sorted(available_timezones() - {"UTC", "localtime", "Factory"})
    return ("UTC", *names)


@dataclass(frozen=True)
class StudyDay:
    """When a learner's day starts: `rollover` o'clock in time zone `zone`."""

    zone: str = DEFAULT_ZONE
    rollover: int = DEFAULT_ROLLOVER
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0 <= self.rollover <= 23:
            raise ZoneError("The next day starts at an hour from 0 to 23.")
        try:
            object.__setattr__(self, "_tz", ZoneInfo(self.zone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ZoneError(f"{self.zone!r} is not a time zone.") from None

    def date(self, moment: datetime) -> date:
        """The study date `moment` falls on (before the rollover it is still yesterday)."""
        return (moment.astimezone(self._tz) - timedelta(hours=self.rollover)).date()

    def start_of(self, day: date) -> datetime:
        """When study date `day` starts, in UTC."""
        local = datetime.combine(day, time(self.rollover), tzinfo=self._tz)
        return local.astimezone(UTC)

    def start(self, moment: datetime) -> datetime:
        """Start of the study day containing `moment`, in UTC."""
        return self.start_of(self.date(moment))

    def next_start(self, moment: datetime) -> datetime:
        """Start of the study day after the one containing `moment`, in UTC."""
        return self.start_of(self.date(moment) + timedelta(days=1))

    def elapsed_days(self, since: datetime, now: datetime) -> int:
        """Days elapsed as Anki counts them for FSRS: whole days from `since` to the next
        rollover after `now`, i.e. the rollovers crossed between them."""
        seconds = (self.next_start(now) - since).total_seconds()
        return max(int(seconds // _DAY_SECONDS), 0)

    def days_between(self, earlier: datetime, later: datetime) -> int:
        """Study dates from `earlier`'s to `later`'s."""
        return (self.date(later) - self.date(earlier)).days

    def local(self, moment: datetime) -> datetime:
        """`moment` on the learner's clock."""
        return moment.astimezone(self._tz)

    def from_local(self, wall_clock: datetime) -> datetime:
        """A time read off the learner's clock (no zone attached), in UTC."""
        return wall_clock.replace(tzinfo=self._tz).astimezone(UTC)
