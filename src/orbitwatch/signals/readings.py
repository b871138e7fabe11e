"""Rules -> readings -> drift scores -> monthly arrows, as pure functions (alerts: alerts.py).

Nothing here reads files or prints; every number it returns can be explained event by event.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orbitwatch.model.acts import Sides, act_readings, in_sphere
from orbitwatch.model.event import Event, Reading
from orbitwatch.query.language import DATE_FIELDS, Predicate, compile_query

# Alerts live in alerts.py; these names stay importable from here for existing callers.
from orbitwatch.signals.scoring import (
    CERTAINTY,
    Mark,
    ScoreSeries,
    contribution,
    marks_of,
    month_ends,
    per_country,
    settled_by,
    signed,
    watched,
)
from orbitwatch.text.words import signed_number

if TYPE_CHECKING:
    from orbitwatch.config.settings import Rule, Settings

# -- readings -------------------------------------------------------------------------------


def readings(
    events: Iterable[Event], settings: Settings, today: dt.date, analyst: bool = True
) -> dict[str, Reading]:
    """Each event's reading, per country where it differs between countries.

    Precedence for each (event, country): the analyst's own reading ([signal.XX], then
    [signal]), then the event's acts, then the tag rules (strongest weight wins; all matched
    ids are kept). An event with acts is read from its acts alone: a country no act concerns
    (the host of a summit where another state spoke) gets no reading, and no rule reads it.
    Acts, rules and the event's [signal] read only the countries inside the pole's sphere
    (acts.in_sphere: not the pole side, not a counterweight); only the analyst's own
    [signal.XX] can read another country.
    `analyst=False` sets the analyst's readings aside (what `orbit eval` compares with).
    """
    compiled = [(rule, compile_query(rule.query, today)) for rule in settings.rules]
    sides = settings.sides()
    result: dict[str, Reading] = {}
    for event in events:
        reading = _event_reading(event, compiled, sides, analyst)
        if reading is not None:
            result[event.id] = reading
    return result


class ReadingMemo:
    """readings() and marks_of() of timeline after timeline (a replay's days and commits),
    each event read once while the settings stay the same object: an event (the same parsed
    object, as the revision walk keeps it) keeps its reading and marks. A rule whose `when`
    names dates reads differently each day: then every call reads afresh."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._compiled: list[tuple[Rule, Predicate]] = []
        self._dated = False
        # id(event) -> (event, reading, marks); the event is kept, so its id is never reused
        self._memo: dict[int, tuple[Event, Reading | None, list[Mark] | None]] = {}

    def readings(
        self, events: Sequence[Event], settings: Settings, today: dt.date
    ) -> dict[str, Reading]:
        if settings is not self._settings:
            self._settings, self._memo = settings, {}
            self._dated = any(
                term.field in DATE_FIELDS for rule in settings.rules for term in rule.query.terms
            )
            self._compiled = [(rule, compile_query(rule.query, today)) for rule in settings.rules]
        if self._dated:
            return readings(events, settings, today)
        sides = settings.sides()
        old, memo = self._memo, {}
        result: dict[str, Reading] = {}
        for event in events:
            entry = old.get(id(event))
            if entry is None or entry[0] is not event:
                entry = (event, _event_reading(event, self._compiled, sides, True), None)
            memo[id(event)] = entry
            if entry[1] is not None:
                result[event.id] = entry[1]
        self._memo = memo
        return result

    def marks(
        self, events: Sequence[Event], reading_of: Mapping[str, Reading], settings: Settings
    ) -> list[Mark]:
        """marks_of(events, reading_of, settings), each event's marks made once."""
        if settings is not self._settings or self._dated:
            return marks_of(events, reading_of, settings)
        found: list[Mark] = []
        memo = self._memo
        for event in events:
            entry = memo.get(id(event))
            reading = reading_of.get(event.id)
            if entry is None or entry[0] is not event or entry[1] is not reading:
                found.extend(marks_of((event,), reading_of, settings))
                continue
            own = entry[2]
            if own is None:
                own = marks_of((event,), reading_of, settings)
                memo[id(event)] = (event, reading, own)
            found.extend(own)
        return found


def _event_reading(
    event: Event,
    compiled: Sequence[tuple[Rule, Predicate]],
    sides: Sides,
    analyst: bool,
) -> Reading | None:
    shared: Reading | None = None
    per_country: dict[str, Reading] | None = None
    sphere = [c for c in event.countries if in_sphere(c, sides)]
    if event.acts:
        per_country = act_readings(event, sides)
    else:
        matched = [rule for rule, predicate in compiled if predicate(event, None)]
        if matched:
            # Strongest weight wins; ties go to the rule written first in orbit.toml.
            ordered = sorted(matched, key=lambda rule: -rule.weight)
            strongest = ordered[0]
            shared = Reading(
                strongest.stance,
                strongest.weight,
                tuple(rule.id for rule in ordered),
                "rule",
                source=strongest.id,
            )
    if analyst and event.signal is not None:
        own = event.signal
        shared = Reading(own.stance, own.weight, (), "analyst", own.note, "analyst")
        per_country = None
    if per_country is None and shared is not None and len(sphere) < len(event.countries):
        # A rule or [signal] reads the listed countries inside the sphere only.
        per_country = {c: shared for c in sphere}
    if analyst and event.country_signals:
        if per_country is None:
            per_country = {c: shared for c in sphere} if shared is not None else {}
        for own in event.country_signals:
            per_country[own.country] = Reading(
                own.stance, own.weight, (), "analyst", own.note, "analyst"
            )
    if per_country is None:
        return shared
    return _per_country(event, per_country)


def _per_country(event: Event, found: Mapping[str, Reading]) -> Reading | None:
    """A per-country reading whose own fields summarise its parts for the views."""
    parts = tuple((c, found[c]) for c in event.countries if c in found)
    if not parts:
        return None
    stances = {reading.stance for _, reading in parts}
    strongest = max((reading for _, reading in parts), key=lambda reading: reading.weight)
    rules = tuple(dict.fromkeys(rule for _, reading in parts for rule in reading.rules))
    sources = list(dict.fromkeys(reading.rule for _, reading in parts))
    sources.remove(strongest.rule)
    more = f" and {len(sources)} more" if sources else ""
    return Reading(
        stances.pop() if len(stances) == 1 else "mixed",
        strongest.weight,
        rules,
        strongest.origin,
        strongest.note,
        strongest.rule + more,
        parts,
    )


def country_reading(
    reading_of: Mapping[str, Reading], event: Event, country: str
) -> Reading | None:
    """The reading that scores `country` for `event`, or None."""
    reading = reading_of.get(event.id)
    if reading is None or country not in event.countries:
        return None
    return reading.for_country(country)


def watched_countries(events: Iterable[Event], settings: Settings) -> list[str]:
    """The watch list, or every country in the timeline inside the pole's sphere (never the
    pole side nor a counterweight: they get no readings)."""
    if settings.watch:
        return [c for c in settings.watch if c != settings.pole]
    sides = settings.sides()
    seen = dict.fromkeys(c for e in events for c in e.countries)
    return sorted(c for c in seen if in_sphere(c, sides))


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of the scored period the readings cover: silence made visible."""

    events: int  # events up to the day that involve a watched country
    unread: int  # of those, events that give no watched country a reading

    @property
    def read(self) -> int:
        return self.events - self.unread

    def sentence(self, on: dt.date) -> str:
        events = f"{self.events} event{'s' if self.events != 1 else ''}"
        return (
            f"{self.unread} of {events} up to {on.isoformat()} gave no watched country a "
            "reading (orbit list stance:none)"
        )


def coverage(
    events: Iterable[Event], reading_of: Mapping[str, Reading], settings: Settings, on: dt.date
) -> Coverage:
    return coverage_of(marks_of(events, reading_of, settings), settings, on)


def coverage_of(marks: Sequence[Mark], settings: Settings, on: dt.date) -> Coverage:
    countries = set(watched(marks, settings))
    total = unread = 0
    current = ""
    involved = read = False
    for mark in marks:  # an event's marks are consecutive
        if mark.event_id != current:
            if involved:
                total += 1
                unread += not read
            current, involved, read = mark.event_id, False, False
        if mark.country in countries and mark.first_day <= on:
            involved = True
            read = read or mark.reading is not None
    if involved:
        total += 1
        unread += not read
    return Coverage(total, unread)


# -- scores ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contribution:
    event: Event
    reading: Reading
    certainty: float
    decay: float
    value: float  # sign x weight x certainty x decay


def contributions(
    events: Iterable[Event],
    reading_of: Mapping[str, Reading],
    settings: Settings,
    country: str,
    on: dt.date,
) -> list[Contribution]:
    """Every event of `country` up to `on` that carries a non-neutral reading, with its share."""
    result: list[Contribution] = []
    for event in events:
        reading = country_reading(reading_of, event, country)
        if reading is None or reading.sign == 0:
            continue
        if event.first_day > on:
            continue
        # A partial date counts from the first day it covers; its age runs from the middle
        # of its period and is never negative.
        age = max(0, (on - event.date.middle).days)
        certainty = CERTAINTY[event.status]
        decay = 0.5 ** (age / settings.half_life_days)
        value = reading.sign * reading.weight * certainty * decay
        result.append(Contribution(event, reading, certainty, decay, value))
    return result


def drift_score(
    events: Iterable[Event],
    reading_of: Mapping[str, Reading],
    settings: Settings,
    country: str,
    on: dt.date,
) -> float:
    return sum(c.value for c in contributions(events, reading_of, settings, country, on))


@dataclass(frozen=True, slots=True)
class CountrySignal:
    country: str
    score: float
    level: str
    change_30d: float
    change_90d: float
    monthly: tuple[tuple[dt.date, float], ...]  # (month end, score)
    top_rules: tuple[tuple[str, float], ...]  # (rule id, summed contribution), largest first
    events: int


def country_signals(
    events: Sequence[Event],
    reading_of: Mapping[str, Reading],
    settings: Settings,
    on: dt.date,
) -> list[CountrySignal]:
    """One row per watched country: score, level, changes, monthly scores, top rules."""
    return country_rows(marks_of(events, reading_of, settings), settings, on)


def country_rows(marks: Sequence[Mark], settings: Settings, on: dt.date) -> list[CountrySignal]:
    """country_signals from marks: the score sums every contribution; month ends and the 30
    and 90-day changes come from the running sum."""
    rows = []
    start = min((m.first_day for m in marks), default=on)
    start = min(start, on - dt.timedelta(days=90))
    ends = month_ends(start, on)
    of_country = per_country(marks)
    half_life = settings.half_life_days
    for country in watched(marks, settings):
        own = of_country.get(country, [])
        parts = [m for m in signed(own) if m.first_day <= on]
        values = [contribution(m, half_life, on) for m in parts]
        score = sum(values)
        series = ScoreSeries(own, half_life, start, on)
        by_rule: dict[str, float] = defaultdict(float)
        for mark, value in zip(parts, values, strict=True):
            assert mark.reading is not None
            by_rule[mark.reading.rule] += value
        top = sorted(by_rule.items(), key=lambda item: (-abs(item[1]), item[0]))[:3]
        monthly = tuple((end, series.at(end)) for end in ends)
        changes = [score - _score_before(own, series, on - dt.timedelta(days)) for days in (30, 90)]
        rows.append(
            CountrySignal(
                country,
                score,
                settings.level_of(score),
                changes[0],
                changes[1],
                monthly,
                tuple(top),
                len(parts),
            )
        )
    return rows


def _score_before(own: Sequence[Mark], series: ScoreSeries, day: dt.date) -> float:
    """The score a change since `day` starts from: the events whose whole period ended by
    then (see scoring.settled_by); the series itself when no period runs across the day."""
    settled = settled_by(own, day)
    if len(settled) == len(own):
        return series.at(day)
    return ScoreSeries(settled, series.half_life, series.first, series.last).at(day)


# -- monthly arrows -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Arrow:
    country: str
    month: dt.date  # first day of the month
    arrow: str  # away | toward | steady
    score: float
    change: float
    trailing_average: float
    rationale: str
    event_ids: tuple[str, ...]


def monthly_arrows(
    events: Sequence[Event],
    reading_of: Mapping[str, Reading],
    settings: Settings,
    on: dt.date,
    countries: Sequence[str] | None = None,
) -> list[Arrow]:
    """An arrow a country a month: the month's score change against the trailing 12-month mean."""
    return arrows_of(marks_of(events, reading_of, settings), settings, on, countries)


def arrows_of(
    marks: Sequence[Mark], settings: Settings, on: dt.date, countries: Sequence[str] | None = None
) -> list[Arrow]:
    """monthly_arrows from marks: the scores of month ends only, from the running sum."""
    result: list[Arrow] = []
    of_country = per_country(marks)
    for country in countries or watched(marks, settings):
        own = of_country.get(country, [])
        if not own:
            continue
        ends = month_ends(min(min(m.first_day for m in own), on), on)
        before_first = ends[0].replace(day=1) - dt.timedelta(days=1)
        series = ScoreSeries(own, settings.half_life_days, before_first, on)
        behind_in: dict[tuple[int, int], list[Mark]] = defaultdict(list)
        for mark in signed(own):
            behind_in[(mark.first_day.year, mark.first_day.month)].append(mark)
        previous = series.at(before_first)
        changes: list[float] = []
        for end in ends:
            score = series.at(end)
            change = score - previous
            window = changes[-12:]
            average = sum(window) / len(window) if window else 0.0
            delta = change - average
            month = end.replace(day=1)
            behind = [m for m in behind_in.get((end.year, end.month), []) if m.first_day <= end]
            signs = {m.reading.sign for m in behind if m.reading is not None}
            # An arrow needs events behind it: decay alone never makes one.
            if delta > settings.arrow_threshold and 1 in signs:
                arrow = "away"
            elif delta < -settings.arrow_threshold and -1 in signs:
                arrow = "toward"
            else:
                arrow = "steady"
            result.append(
                Arrow(
                    country,
                    month,
                    arrow,
                    score,
                    change,
                    average,
                    _rationale(behind, change, average),
                    tuple(m.event_id for m in behind),
                )
            )
            changes.append(change)
            previous = score
    return result


def _rationale(behind: Sequence[Mark], change: float, average: float) -> str:
    numbers = f"change {signed_number(change)} vs 12-month mean {signed_number(average)}"
    if not behind:
        return f"no new readings; decay only ({numbers})"
    named = "; ".join(
        f"{'+' if m.reading.sign > 0 else '-'}{m.event_id} ({m.reading.rule})"
        for m in behind[:3]
        if m.reading is not None
    )
    more = f" and {len(behind) - 3} more" if len(behind) > 3 else ""
    return f"{named}{more} ({numbers})"
