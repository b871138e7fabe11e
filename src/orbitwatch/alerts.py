"""Alerts from readings and scores: new signals, level crossings, convergence, upcoming events.

Each alert carries a stable fingerprint (kind, rule, country, event id) that identifies it and
never describes it. Pure functions: nothing here reads files, the clock or prints.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from orbitwatch.model import Event, Reading
from orbitwatch.query import Query, compile_query, resolve_country
from orbitwatch.settings import Settings

FINGERPRINT_VERSION = "v1"


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
    from orbitwatch.signals import daily_scores, watched_countries  # signals re-exports us

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


def digits_below(score: float, threshold: float) -> str:
    """The score with enough decimals to read as below the threshold (2.9996, not 3.00)."""
    for places in range(2, 7):
        text = f"{score:.{places}f}"
        if float(text) < threshold:
            return text
    return f"{score:.6f}"


def fall_cause(pullers: Sequence[tuple[Event, float]], last_push: dt.date | None) -> str:
    """What made a score fall: the toward readings entering that day, else decay."""
    if pullers:
        names = ", ".join(f"{event.id} ({value:+.2f})" for event, value in pullers[:3])
        return f"toward reading of {names}"
    since = f" since {last_push.isoformat()}" if last_push else ""
    return f"decay, no new away reading{since}"


def _level_alerts(
    country: str,
    series: Sequence[tuple[dt.date, float, list[tuple[Event, float]]]],
    settings: Settings,
) -> list[Alert]:
    found: list[Alert] = []
    opened_by: dict[str, str] = {}
    previous = 0.0
    last_push: dt.date | None = None  # the last day an away reading entered
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
                # The fingerprint keeps naming the episode's opener (states stay valid); the
                # why and the events name what made the score fall.
                subject = opened_by.get(level.name, day.isoformat())
                pullers = sorted((i for i in todays if i[1] < 0), key=lambda i: (i[1], i[0].id))
                found.append(
                    Alert(
                        "level-down",
                        country,
                        level.name,
                        subject,
                        day,
                        settings.level_of(score),
                        f"score {digits_below(score, level.score)} fell below level {level.name} "
                        f"({level.score:g}): {fall_cause(pullers, last_push)}",
                        tuple(e.id for e, _ in pullers) or (subject,),
                    )
                )
        if any(value > 0 for _, value in todays):
            last_push = day
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
    from orbitwatch.signals import country_reading

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
