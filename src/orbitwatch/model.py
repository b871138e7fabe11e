"""The values everything else passes around: PartialDate, Source, SignalOverride, Event, Reading.

Frozen dataclasses only; no I/O, no parsing of text (see dates.py and check.py).
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from dataclasses import dataclass

STATUSES = ("occurred", "scheduled", "reported", "rumored", "denied")
STANCES = ("away", "toward", "neutral")
# fmt: off
MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
# fmt: on
MONTH_ABBR = (
    "",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


class Precision(enum.IntEnum):
    """Finer sorts first: day before month before year."""

    DAY = 0
    MONTH = 1
    YEAR = 2


@dataclass(frozen=True, slots=True, order=False)
class PartialDate:
    """A date known to a day, a month or a year; `start` is the first day it covers."""

    start: dt.date
    precision: Precision

    @classmethod
    def day(cls, year: int, month: int, day: int) -> PartialDate:
        return cls(dt.date(year, month, day), Precision.DAY)

    @classmethod
    def month(cls, year: int, month: int) -> PartialDate:
        return cls(dt.date(year, month, 1), Precision.MONTH)

    @classmethod
    def year(cls, year: int) -> PartialDate:
        return cls(dt.date(year, 1, 1), Precision.YEAR)

    @property
    def first_day(self) -> dt.date:
        return self.start

    @property
    def last_day(self) -> dt.date:
        if self.precision is Precision.DAY:
            return self.start
        if self.precision is Precision.MONTH:
            last = calendar.monthrange(self.start.year, self.start.month)[1]
            return self.start.replace(day=last)
        return dt.date(self.start.year, 12, 31)

    @property
    def middle(self) -> dt.date:
        """The day a partial date stands for in arithmetic (scores): the middle of its period."""
        span = (self.last_day - self.first_day).days
        return self.first_day + dt.timedelta(days=span // 2)

    def sort_key(self) -> tuple[dt.date, int]:
        return (self.start, int(self.precision))

    def iso(self) -> str:
        if self.precision is Precision.DAY:
            return self.start.isoformat()
        if self.precision is Precision.MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return f"{self.start.year:04d}"

    def human(self) -> str:
        if self.precision is Precision.DAY:
            return f"{self.start.day} {MONTH_ABBR[self.start.month]} {self.start.year}"
        if self.precision is Precision.MONTH:
            return f"{MONTH_ABBR[self.start.month]} {self.start.year}"
        return f"{self.start.year}"

    @property
    def precision_name(self) -> str:
        return self.precision.name.lower()

    def __str__(self) -> str:
        return self.human()


@dataclass(frozen=True, slots=True)
class Source:
    title: str = ""
    publisher: str = ""
    url: str = ""
    author: str = ""
    date: PartialDate | None = None


@dataclass(frozen=True, slots=True)
class SignalOverride:
    """An event's own `[signal]` table: the analyst's reading, which beats every rule."""

    stance: str
    weight: int
    note: str = ""


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    path: str
    line: int  # where the event's data starts in its file (after leading comments)
    date: PartialDate
    title: str
    end: PartialDate | None = None
    summary: str = ""
    countries: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    status: str = "occurred"
    sources: tuple[Source, ...] = ()
    signal: SignalOverride | None = None
    warn: tuple[int, ...] | None = None
    pinned_id: bool = False

    @property
    def first_day(self) -> dt.date:
        return self.date.first_day

    @property
    def last_day(self) -> dt.date:
        return (self.end or self.date).last_day

    def sort_key(self) -> tuple[dt.date, int, str]:
        return (self.date.start, int(self.date.precision), self.id)

    def date_range_human(self) -> str:
        if self.end is None:
            return self.date.human()
        return f"{self.date.human()} – {self.end.human()}"

    def date_range_iso(self) -> str:
        if self.end is None:
            return self.date.iso()
        return f"{self.date.iso()}..{self.end.iso()}"


@dataclass(frozen=True, slots=True)
class Reading:
    """How an event reads against the pole: from its [signal] table or from the rules."""

    stance: str
    weight: int
    rules: tuple[str, ...] = ()  # every matched rule id, strongest first
    origin: str = "rule"  # "rule" or "override"
    note: str = ""

    @property
    def rule(self) -> str:
        """The rule that decided the reading, or 'override' for an event's own [signal]."""
        if self.origin == "override":
            return "override"
        return self.rules[0] if self.rules else ""

    @property
    def sign(self) -> int:
        return {"away": 1, "toward": -1}.get(self.stance, 0)


def sort_events(events: list[Event] | tuple[Event, ...]) -> list[Event]:
    return sorted(events, key=Event.sort_key)


@dataclass(frozen=True, slots=True)
class Prefilter:
    """A cheap, conservative pre-selection a loader may apply before building events.

    Each inner set is an OR (any of these values), the outer tuple an AND; None or empty means
    no constraint. Whatever it lets through is still checked by the full query.
    """

    countries: tuple[frozenset[str], ...] = ()
    tags: tuple[frozenset[str], ...] = ()  # case-folded
    statuses: tuple[frozenset[str], ...] = ()
    first_on_or_before: dt.date | None = None  # the event's first day <= this
    last_on_or_after: dt.date | None = None  # the event's last day >= this
    ids: frozenset[str] | None = None  # exact ids (no globs)
