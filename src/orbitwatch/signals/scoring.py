"""Drift scores that cost what the events cost: marks, running sums, level crossings.

A mark is one (event, country) pair with the reading that scores it; marks come from events
and their readings, or straight from the index without building events. Between two events a
country's score only decays, so it is carried from event to event; a level crossing between
events is solved in closed form. No file, clock or printing here.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from orbitwatch.model.acts import in_sphere
from orbitwatch.model.event import SIGNED_STANCES, Event, Reading

if TYPE_CHECKING:
    from orbitwatch.config.settings import Level, Settings
    from orbitwatch.model.schema import Status

CERTAINTY: dict[Status, float] = {
    "occurred": 1.0,
    "scheduled": 0.5,
    "reported": 0.8,
    "rumored": 0.4,
    "denied": 0.2,
}


class Mark(NamedTuple):
    """One (event, country) pair as scores and alerts see it. An event that lists no country
    has one mark with country ''. `warn` is the warning days of the event's own, else its
    deciding rule's (None: the settings' default)."""

    event_id: str
    country: str
    first_day: dt.date
    middle: dt.date
    status: Status
    reading: Reading | None  # the reading that scores this country; None: no reading
    warn: tuple[int, ...] | None = None

    @property
    def value(self) -> float:
        """sign x weight x certainty, before decay (0 without a signed reading)."""
        reading = self.reading
        if reading is None:
            return 0.0
        return reading.sign * reading.weight * CERTAINTY[self.status]


def last_day(mark: Mark) -> dt.date:
    """The last day a mark's date may cover: a day's own day, else the end of its month (the
    middle falls in the same month) or of its year (a year's middle is in July)."""
    first, middle = mark.first_day, mark.middle
    if middle == first:
        return first
    if (middle.year, middle.month) == (first.year, first.month):
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return following - dt.timedelta(days=1)
    return dt.date(first.year, 12, 31)


def settled_by(marks: Sequence[Mark], day: dt.date) -> list[Mark]:
    """The marks a change since `day` is measured from. A month- or year-precision event
    whose period starts on `day` is left out, so the change counts it as new, as the monthly
    view counts it in its month: measured from 1 May, the May events are May's news (counting
    them on 1 May in full left the change since then with their decay only, a fall)."""
    return [m for m in marks if not (m.first_day == day < last_day(m))]


def marks_of(
    events: Iterable[Event], reading_of: Mapping[str, Reading], settings: Settings
) -> list[Mark]:
    """The marks of events in their order, countries in each event's order."""
    found: list[Mark] = []
    for event in events:
        reading = reading_of.get(event.id)
        warn = effective_warn(event, reading, settings)
        first, middle = event.first_day, event.date.middle
        if not event.countries:
            found.append(Mark(event.id, "", first, middle, event.status, None, warn))
        for country in event.countries:
            own = reading.for_country(country) if reading is not None else None
            found.append(Mark(event.id, country, first, middle, event.status, own, warn))
    return found


def effective_warn(
    event: Event, reading: Reading | None, settings: Settings
) -> tuple[int, ...] | None:
    warn = event.warn
    if warn is None and reading is not None and reading.origin == "rule":
        rule = settings.rule(reading.rule)
        warn = rule.warn if rule else None
    return None if warn is None else tuple(warn)


def by_event(marks: Sequence[Mark]) -> Iterator[list[Mark]]:
    """The marks grouped per event (an event's marks are consecutive)."""
    group: list[Mark] = []
    for mark in marks:
        if group and mark.event_id != group[0].event_id:
            yield group
            group = []
        group.append(mark)
    if group:
        yield group


def watched(marks: Sequence[Mark], settings: Settings) -> list[str]:
    """The watch list, or every country the marks name inside the pole's sphere (never the
    pole side nor a counterweight: they get no readings)."""
    if settings.watch:
        return [c for c in settings.watch if c != settings.pole]
    sides = settings.sides()
    seen = dict.fromkeys(m.country for m in marks if m.country)
    return sorted(c for c in seen if in_sphere(c, sides))


def per_country(marks: Sequence[Mark]) -> dict[str, list[Mark]]:
    found: dict[str, list[Mark]] = defaultdict(list)
    for mark in marks:
        found[mark.country].append(mark)
    return found


def signed(marks: Iterable[Mark]) -> list[Mark]:
    return [m for m in marks if m.reading is not None and m.reading.stance in SIGNED_STANCES]


# -- the running sum -------------------------------------------------------------------------

Entering = list[tuple[Mark, float]]


class ScoreSeries:
    """A country's score on any day from `first` to `last`, carried from event to event.

    The same numbers as walking every day: an event enters at its first covered day at full
    value and starts to decay from the middle of its period. State is kept only at the days
    something happens (breakpoints); between them score(D) = decaying(B) x 0.5^((D-B)/h) +
    pending(B), where pending holds the values whose decay has not started yet.
    """

    def __init__(self, marks: Sequence[Mark], half_life: float, first: dt.date, last: dt.date):
        self.half_life, self.first, self.last = half_life, first, last
        entering: dict[dt.date, Entering] = defaultdict(list)
        maturing: dict[dt.date, float] = defaultdict(float)
        decaying = pending = 0.0
        for mark in signed(marks):
            value = mark.value
            start, middle = mark.first_day, mark.middle
            if start > last:
                continue
            if middle < first:
                decaying += value * 0.5 ** ((first - middle).days / half_life)
            elif start < first:
                pending += value
                maturing[middle] += value
            else:
                entering[start].append((mark, value))
                maturing[middle] += value
        self.entering = entering
        days = sorted({first, *(d for d in entering), *(d for d in maturing if d <= last)})
        self.days = [d.toordinal() for d in days]
        self.decaying: list[float] = []
        self.pending: list[float] = []
        previous = first
        for day in days:
            if day != first:
                decaying *= self._decay((day - previous).days)
            pending += sum(value for _, value in entering.get(day, []))
            moving = maturing.get(day, 0.0)
            pending -= moving
            decaying += moving
            self.decaying.append(decaying)
            self.pending.append(pending)
            previous = day

    def _decay(self, days: int) -> float:
        return float(0.5 ** (days / self.half_life))

    def at(self, day: dt.date) -> float:
        """The score on a day from first to last."""
        position = bisect_right(self.days, day.toordinal()) - 1
        return self._at(position, day.toordinal() - self.days[position])

    def _at(self, position: int, offset: int) -> float:
        if offset == 0:
            return self.decaying[position] + self.pending[position]
        return self.decaying[position] * self._decay(offset) + self.pending[position]

    def crossings(self, levels: Sequence[Level]) -> Iterator[Crossing]:
        """Every day the score reaches a level from below or falls back below it, in order of
        day, then of level; the score before `first` counts as 0."""
        previous = 0.0
        last = self.last.toordinal()
        for position, ordinal in enumerate(self.days):
            score = self._at(position, 0)
            day = dt.date.fromordinal(ordinal)
            todays = self.entering.get(day, [])
            for level in levels:
                if previous < level.score <= score:
                    yield Crossing(day, level, True, score, todays)
                elif previous >= level.score > score:
                    yield Crossing(day, level, False, score, todays)
            end = self.days[position + 1] - 1 if position + 1 < len(self.days) else last
            span = end - ordinal
            if span <= 0:
                previous = score
                continue
            found = []
            for rank, level in enumerate(levels):
                offset = self._crossing(position, span, level.score)
                if offset is not None:
                    found.append((offset, rank, level))
            for offset, _, level in sorted(found, key=lambda item: item[:2]):
                at = self._at(position, offset)
                when = dt.date.fromordinal(ordinal + offset)
                yield Crossing(when, level, at >= level.score, at, [])
            previous = self._at(position, span)

    def _crossing(self, position: int, span: int, threshold: float) -> int | None:
        """The first day (1..span after the breakpoint) the decaying score crosses the
        threshold, or None. Decay is monotone, so there is at most one such day: solved in
        closed form, then checked with the very arithmetic `at` uses."""
        decaying, pending = self.decaying[position], self.pending[position]
        if decaying == 0:
            return None
        if decaying > 0:  # falling toward pending: the first day below the threshold

            def crossed(offset: int) -> bool:
                return self._at(position, offset) < threshold

            if not self._at(position, 0) >= threshold:
                return None
        else:  # rising toward pending: the first day at or above it

            def crossed(offset: int) -> bool:
                return self._at(position, offset) >= threshold

            if not self._at(position, 0) < threshold:
                return None
        if not crossed(span):
            return None
        ratio = (threshold - pending) / decaying
        guess = self.half_life * -math.log2(ratio) if ratio > 0 else 1.0
        offset = min(max(int(guess) + 1 if math.isfinite(guess) else 1, 1), span)
        while offset > 1 and crossed(offset - 1):
            offset -= 1
        while not crossed(offset):
            offset += 1
        return offset


@dataclass(frozen=True, slots=True)
class Crossing:
    day: dt.date
    level: Level
    upward: bool
    score: float
    entering: Entering  # (mark, value) of the events that entered that day


# -- what the views need ---------------------------------------------------------------------


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """The last day of every month from first's month to last's month; the final one is `last`."""
    ends: list[dt.date] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        next_first = dt.date(year + (month == 12), month % 12 + 1, 1)
        ends.append(min(next_first - dt.timedelta(days=1), last))
        year, month = next_first.year, next_first.month
    return ends


def contribution(mark: Mark, half_life: float, on: dt.date) -> float:
    """One mark's share of the score on `on` (the arithmetic of signals.contributions)."""
    reading = mark.reading
    assert reading is not None
    age = max(0, (on - mark.middle).days)
    decay = 0.5 ** (age / half_life)
    return float(reading.sign * reading.weight * CERTAINTY[mark.status] * decay)


def score_on(marks: Sequence[Mark], settings: Settings, on: dt.date) -> float:
    """The drift score of one country's marks on a day (summed in mark order)."""
    return sum(
        contribution(m, settings.half_life_days, on) for m in signed(marks) if m.first_day <= on
    )
