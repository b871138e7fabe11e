"""The values everything else passes around: PartialDate, Source, SignalOverride, Event, Reading.

Frozen dataclasses only; no I/O, no parsing of text (see dates.py and check.py).
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # The closed vocabularies are defined with the event schema (schema.py, import-light for
    # the CLI's start-up) and are part of the model: Event, SignalOverride and Reading use them.
    from orbitwatch.model.schema import (
        Origin,
        ReadingStance,
        Stance,
        Status,
    )

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
    """The analyst's own reading (`[signal]`, or `[signal.KZ]` for one country): beats acts
    and rules. `country` is '' for the reading of every listed country."""

    stance: Stance
    weight: int
    note: str = ""
    country: str = ""


@dataclass(frozen=True, slots=True)
class Act:
    """One coded interaction (`[[acts]]`): `by` did `act` (a CAMEO root name) to `to`."""

    by: tuple[str, ...]
    act: str  # the CAMEO root category's name, e.g. "reduce"
    to: tuple[str, ...]
    code: str = ""  # the CAMEO code as written ("163"), or "" when given by name
    note: str = ""

    def __str__(self) -> str:
        return f"{'+'.join(self.by)} {self.act} {'+'.join(self.to)}"


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
    status: Status = "occurred"
    sources: tuple[Source, ...] = ()
    signal: SignalOverride | None = None
    warn: tuple[int, ...] | None = None
    pinned_id: bool = False
    acts: tuple[Act, ...] = ()
    country_signals: tuple[SignalOverride, ...] = ()  # [signal.KZ] tables, in file order

    def analyst_reading(self, country: str) -> SignalOverride | None:
        """The analyst's reading for one country: its own [signal.XX], else [signal]."""
        for own in self.country_signals:
            if own.country == country:
                return own
        return self.signal

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


_SIGNS = {"away": 1, "toward": -1}
SIGNED_STANCES = frozenset(_SIGNS)  # the stances whose reading has a sign


@dataclass(frozen=True, slots=True)
class Reading:
    """How an event reads against the pole, for one country or for every listed country.

    `origin` is analyst, act or rule; `source` names what decided it (the act "AM reduce
    CSTO", the rule id, or "analyst"). An event read per country (acts, or [signal.XX]) has
    `per_country`: (country, reading) pairs, and its own fields summarise them for views
    (stance "mixed" when they disagree); otherwise `per_country` is None and the reading
    applies to every country the event lists.
    """

    stance: ReadingStance
    weight: int
    rules: tuple[str, ...] = ()  # every matched rule id, strongest first
    origin: Origin = "rule"
    note: str = ""
    source: str = ""
    per_country: tuple[tuple[str, Reading], ...] | None = None

    @property
    def rule(self) -> str:
        """What decided the reading: the rule id, the act, or 'analyst'."""
        if self.source:
            return self.source
        if self.origin == "analyst":
            return "analyst"
        return self.rules[0] if self.rules else ""

    @property
    def sign(self) -> int:
        return _SIGNS.get(self.stance, 0)

    @property
    def origin_text(self) -> str:
        """Where the reading comes from, for people: 'analyst', 'act AM reduce CSTO', 'rule X'."""
        return "analyst" if self.origin == "analyst" else f"{self.origin} {self.rule}"

    def for_country(self, country: str) -> Reading | None:
        """The reading that scores `country` (None: this event says nothing about it)."""
        if self.per_country is None:
            return self
        for code, reading in self.per_country:
            if code == country:
                return reading
        return None

    def parts(self) -> tuple[tuple[str, Reading], ...]:
        """(country, reading) pairs; ('', self) for a reading of every listed country."""
        return self.per_country if self.per_country is not None else (("", self),)

    @property
    def stances(self) -> frozenset[str]:
        return frozenset(reading.stance for _, reading in self.parts())

    @property
    def origins(self) -> frozenset[str]:
        return frozenset(reading.origin for _, reading in self.parts())


def sort_events(events: list[Event] | tuple[Event, ...]) -> list[Event]:
    return sorted(events, key=Event.sort_key)


@dataclass(frozen=True, slots=True)
class Prefilter:
    """A conservative pre-selection an indexed load may apply before building events; whatever
    it lets through is still checked by the full query. None means no constraint.
    """

    ids: frozenset[str] | None = None  # exact ids (no globs)
    # A standard-SQL WHERE clause over querysql's `events` table, with its parameters.
    where: tuple[str, tuple[object, ...]] | None = None
    # (readings key, clause, parameters): the clause to use instead where the index holds
    # readings made under that key (it reads them; rows without one pass).
    read: tuple[str, str, tuple[object, ...]] | None = None
