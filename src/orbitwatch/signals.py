"""Rules -> readings -> drift scores -> monthly arrows -> alerts, as pure functions.

Nothing here reads files or prints; every number it returns can be explained event by event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from orbitwatch.acts import Sides, act_readings
from orbitwatch.model import Event, Reading
from orbitwatch.query import Predicate, Query, compile_query, resolve_country
from orbitwatch.settings import Rule, Settings

CERTAINTY = {"occurred": 1.0, "scheduled": 0.5, "reported": 0.8, "rumored": 0.4, "denied": 0.2}
FINGERPRINT_VERSION = "v1"


# -- readings -------------------------------------------------------------------------------


def readings(
    events: Iterable[Event], settings: Settings, today: dt.date, analyst: bool = True
) -> dict[str, Reading]:
    """Each event's reading, per country where it differs between countries.

    Precedence for each (event, country): the analyst's own reading ([signal.XX], then
    [signal]), then the event's acts, then the tag rules (strongest weight wins; all matched
    ids are kept). An event with acts is read from its acts alone: a country no act concerns
    (the host of a summit where another state spoke) gets no reading, and no rule reads it.
    `analyst=False` sets the analyst's readings aside (what `orbit eval` compares with).
    """
    compiled = [(rule, compile_query(rule.query, today)) for rule in settings.rules]
    sides = settings.sides()
    result: dict[str, Reading] = {}
    for event in events:
        reading = _event_reading(event, settings.pole, compiled, sides, analyst)
        if reading is not None:
            result[event.id] = reading
    return result


def _event_reading(
    event: Event,
    pole: str,
    compiled: Sequence[tuple[Rule, Predicate]],
    sides: Sides,
    analyst: bool,
) -> Reading | None:
    shared: Reading | None = None
    per_country: dict[str, Reading] | None = None
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
    if analyst and event.country_signals:
        if per_country is None:
            listed = (c for c in event.countries if c != pole)
            per_country = {c: shared for c in listed} if shared is not None else {}
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
    """The watch list, or every country in the timeline; never the pole."""
    if settings.watch:
        return [c for c in settings.watch if c != settings.pole]
    seen = dict.fromkeys(c for e in events for c in e.countries)
    return sorted(c for c in seen if c != settings.pole)


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
    watched = set(watched_countries(events := list(events), settings))
    total = unread = 0
    for event in events:
        involved = [c for c in event.countries if c in watched]
        if not involved or event.first_day > on:
            continue
        total += 1
        if all(country_reading(reading_of, event, c) is None for c in involved):
            unread += 1
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


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """The last day of every month from first's month to last's month; the final one is `last`."""
    ends: list[dt.date] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        next_first = dt.date(year + (month == 12), month % 12 + 1, 1)
        ends.append(min(next_first - dt.timedelta(days=1), last))
        year, month = next_first.year, next_first.month
    return ends


def daily_scores(
    events: Sequence[Event],
    reading_of: Mapping[str, Reading],
    settings: Settings,
    country: str,
    first: dt.date,
    last: dt.date,
) -> list[tuple[dt.date, float, list[tuple[Event, float]]]]:
    """(day, score, [(event, value entering that day)]) for every day from first to last.

    The same numbers as drift_score, computed in one pass: an event enters at its first
    covered day at full value, and starts to decay from the middle of its period.
    """
    entering: dict[dt.date, list[tuple[Event, float]]] = defaultdict(list)
    maturing: dict[dt.date, float] = defaultdict(float)
    decaying = 0.0
    pending = 0.0
    daily_decay = 0.5 ** (1 / settings.half_life_days)
    for event in events:
        reading = country_reading(reading_of, event, country)
        if reading is None or reading.sign == 0:
            continue
        value = reading.sign * reading.weight * CERTAINTY[event.status]
        start, middle = event.first_day, event.date.middle
        if start > last:
            continue
        if middle < first:
            decaying += value * 0.5 ** ((first - middle).days / settings.half_life_days)
        elif start < first:
            pending += value
            maturing[middle] += value
        else:
            entering[start].append((event, value))
            maturing[middle] += value
    series = []
    day = first
    while day <= last:
        if day != first:
            decaying *= daily_decay
        todays = entering.get(day, [])
        pending += sum(value for _, value in todays)
        moving = maturing.get(day, 0.0)
        pending -= moving
        decaying += moving
        series.append((day, decaying + pending, todays))
        day += dt.timedelta(days=1)
    return series


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
    rows = []
    start = min((e.first_day for e in events), default=on)
    start = min(start, on - dt.timedelta(days=90))
    ends = month_ends(start, on)
    for country in watched_countries(events, settings):
        own = [e for e in events if country in e.countries]
        parts = contributions(own, reading_of, settings, country, on)
        score = sum(c.value for c in parts)
        # One pass over the days gives every month end and the 30/90-day changes.
        series = {
            day: value
            for day, value, _ in daily_scores(own, reading_of, settings, country, start, on)
        }
        by_rule: dict[str, float] = defaultdict(float)
        for part in parts:
            by_rule[part.reading.rule] += part.value
        top = sorted(by_rule.items(), key=lambda item: (-abs(item[1]), item[0]))[:3]
        monthly = tuple((end, series[end]) for end in ends)
        rows.append(
            CountrySignal(
                country,
                score,
                settings.level_of(score),
                score - series[on - dt.timedelta(days=30)],
                score - series[on - dt.timedelta(days=90)],
                monthly,
                tuple(top),
                len(parts),
            )
        )
    return rows


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
    result: list[Arrow] = []
    for country in countries or watched_countries(events, settings):
        own = [e for e in events if country in e.countries]
        if not own:
            continue
        ends = month_ends(min(min(e.first_day for e in own), on), on)
        before_first = ends[0].replace(day=1) - dt.timedelta(days=1)
        series = {
            day: value
            for day, value, _ in daily_scores(own, reading_of, settings, country, before_first, on)
        }
        scores = [series[end] for end in ends]
        previous = series[before_first]
        changes: list[float] = []
        for end, score in zip(ends, scores, strict=True):
            change = score - previous
            window = changes[-12:]
            average = sum(window) / len(window) if window else 0.0
            delta = change - average
            month = end.replace(day=1)
            behind = [
                (e, r)
                for e in own
                if month <= e.first_day <= end
                and (r := country_reading(reading_of, e, country)) is not None
                and r.sign != 0
            ]
            signs = {r.sign for _, r in behind}
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
                    tuple(e.id for e, _ in behind),
                )
            )
            changes.append(change)
            previous = score
    return result


def _rationale(behind: Sequence[tuple[Event, Reading]], change: float, average: float) -> str:
    numbers = f"change {change:+.2f} vs 12-month mean {average:+.2f}"
    if not behind:
        return f"no new readings; decay only ({numbers})"
    named = "; ".join(f"{'+' if r.sign > 0 else '-'}{e.id} ({r.rule})" for e, r in behind[:3])
    more = f" and {len(behind) - 3} more" if len(behind) > 3 else ""
    return f"{named}{more} ({numbers})"


# -- alerts ---------------------------------------------------------------------------------


def fingerprint(kind: str, rule: str, country: str, subject: str) -> str:
    """Identifies an alert, never describes it: rewording an event or rule keeps it."""
    digest = hashlib.sha256("\x1f".join((kind, rule, country, subject)).encode()).hexdigest()
    return f"{FINGERPRINT_VERSION}-{digest[:20]}"


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str  # signal | level-up | level-down | convergence | upcoming
    country: str
    rule: str  # rule id, level name, joined rule ids, or warning days
    subject: str  # the event id (for level-down: the event that opened the episode)
    date: dt.date
    level: str  # the country's level on that date ('' below every level)
    why: str
    event_ids: tuple[str, ...]

    @property
    def fingerprint(self) -> str:
        # The analyst's reading was called 'override' when fingerprints were first issued;
        # keeping the old word keeps every digest state valid (no alert is sent twice).
        rule = "override" if self.kind == "signal" and self.rule == "analyst" else self.rule
        return fingerprint(self.kind, rule, self.country, self.subject)


KIND_ORDER = {"level-up": 0, "convergence": 1, "upcoming": 2, "signal": 3, "level-down": 4}


def alerts(
    events: Sequence[Event],
    reading_of: Mapping[str, Reading],
    settings: Settings,
    on: dt.date,
) -> list[Alert]:
    """Every alert in force on `on`, newest first (ties: kind, country, fingerprint)."""
    result: list[Alert] = []
    countries = watched_countries(events, settings)
    start = min((e.first_day for e in events), default=on)
    level_on: dict[str, dict[dt.date, str]] = {}
    for country in countries:
        series = daily_scores(events, reading_of, settings, country, min(start, on), on)
        level_on[country] = {day: settings.level_of(score) for day, score, _ in series}
        result.extend(_level_alerts(country, series, settings))
        result.extend(_convergence_alerts(country, events, reading_of, settings, on, level_on))

    def level_at(country: str, day: dt.date) -> str:
        table = level_on.get(country, {})
        if day in table:
            return table[day]
        return "" if day < start else table.get(on, "")

    for event in events:
        reading = reading_of.get(event.id)
        involved = [c for c in event.countries if c in countries]
        if reading is not None and event.first_day <= on:
            for country in involved:
                own = reading.for_country(country)
                if own is None:
                    continue
                result.append(
                    Alert(
                        "signal",
                        country,
                        own.rule,
                        event.id,
                        event.first_day,
                        level_at(country, event.first_day),
                        _why(own),
                        (event.id,),
                    )
                )
        if event.status == "scheduled" and event.first_day > on:
            warn = event.warn
            if warn is None and reading is not None and reading.origin == "rule":
                rule = settings.rule(reading.rule)
                warn = rule.warn if rule else None
            days_left = (event.first_day - on).days
            reached = [w for w in (warn or settings.warn) if days_left <= w]
            if reached:
                tightest = min(reached)
                for country in involved:
                    result.append(
                        Alert(
                            "upcoming",
                            country,
                            f"{tightest}d",
                            event.id,
                            event.first_day - dt.timedelta(days=tightest),
                            level_at(country, on),
                            f"scheduled in {days_left} day{'s' if days_left != 1 else ''} "
                            f"(warning at {tightest} days)",
                            (event.id,),
                        )
                    )
    result.sort(key=lambda a: (-a.date.toordinal(), KIND_ORDER[a.kind], a.country, a.fingerprint))
    return result


def _why(reading: Reading) -> str:
    if reading.origin == "analyst":
        return f"{reading.stance} by the analyst's own reading"
    if reading.origin == "act":
        return f"act {reading.rule} reads {reading.stance} (weight {reading.weight})"
    return f"matches rule {reading.rule} ({reading.stance}, weight {reading.weight})"


def _level_alerts(
    country: str,
    series: Sequence[tuple[dt.date, float, list[tuple[Event, float]]]],
    settings: Settings,
) -> list[Alert]:
    found: list[Alert] = []
    opened_by: dict[str, str] = {}
    previous = 0.0
    for day, score, todays in series:
        for level in settings.levels:
            if previous < level.score <= score:
                pushers = sorted(todays, key=lambda item: (-item[1], item[0].id))
                subject = pushers[0][0].id if pushers else day.isoformat()
                opened_by[level.name] = subject
                found.append(
                    Alert(
                        "level-up",
                        country,
                        level.name,
                        subject,
                        day,
                        settings.level_of(score),
                        f"score {score:.2f} reached level {level.name} ({level.score:g})",
                        tuple(e.id for e, _ in pushers),
                    )
                )
            elif previous >= level.score > score:
                subject = opened_by.get(level.name, day.isoformat())
                found.append(
                    Alert(
                        "level-down",
                        country,
                        level.name,
                        subject,
                        day,
                        settings.level_of(score),
                        f"score {score:.2f} fell below level {level.name} ({level.score:g})",
                        tuple(e.id for e, _ in todays),
                    )
                )
        previous = score
    return found


def _convergence_alerts(
    country: str,
    events: Sequence[Event],
    reading_of: Mapping[str, Reading],
    settings: Settings,
    on: dt.date,
    level_on: Mapping[str, Mapping[dt.date, str]],
) -> list[Alert]:
    found: list[Alert] = []
    window = dt.timedelta(days=settings.convergence_window_days)
    for stance in ("away", "toward"):
        firing = sorted(
            (
                (e, r)
                for e in events
                if e.first_day <= on
                and (r := country_reading(reading_of, e, country)) is not None
                and r.origin == "rule"
                and r.stance == stance
            ),
            key=lambda item: (item[0].first_day, item[0].id),
        )
        converging = False
        for index, (event, _) in enumerate(firing):
            day = event.first_day
            recent = [(e, r) for e, r in firing[: index + 1] if day - e.first_day < window]
            rules = sorted(
                {
                    rule_id
                    for _, r in recent
                    for rule_id in r.rules
                    if (rule := settings.rule(rule_id)) is not None and rule.stance == stance
                }
            )
            if len(rules) >= settings.convergence_rules:
                if not converging:
                    found.append(
                        Alert(
                            "convergence",
                            country,
                            ",".join(rules),
                            event.id,
                            day,
                            level_on.get(country, {}).get(day, ""),
                            f"{len(rules)} distinct {stance} rules within "
                            f"{settings.convergence_window_days} days: " + ", ".join(rules),
                            tuple(e.id for e, _ in recent),
                        )
                    )
                converging = True
            else:
                converging = False
    return found


def filter_alerts(
    found: Sequence[Alert],
    query: Query,
    events_by_id: Mapping[str, Event],
    reading_of: Mapping[str, Reading],
    today: dt.date,
) -> list[Alert]:
    """The alerts a query asks for: its event matches the query, and a country term (if any)
    names the alert's own country. Alerts are computed on the whole timeline first, so a
    country's level does not change with the filter."""
    if not query.terms:
        return list(found)
    predicate = compile_query(Query(tuple(t for t in query.terms if t.field != "country")), today)
    country_terms = [t for t in query.terms if t.field == "country"]
    country_sets = [
        (frozenset(resolve_country(v) for v in t.values), t.negated) for t in country_terms
    ]
    kept = []
    for alert in found:
        if any((alert.country in codes) == negated for codes, negated in country_sets):
            continue
        event = events_by_id.get(alert.subject)
        if event is None:
            continue
        if predicate(event, reading_of.get(event.id)):
            kept.append(alert)
    return kept
