"""Alerts from readings and scores: new signals, level crossings, convergence, upcoming events.

Each alert carries a stable fingerprint (kind, rule, country, event id) that identifies it and
never describes it. Pure functions: nothing here reads files, the clock or prints.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from orbitwatch.model.alert import KIND_ORDER, Alert
from orbitwatch.query.language import Query, compile_query, resolve_country
from orbitwatch.signals.scoring import Mark, ScoreSeries, by_event, marks_of, per_country, watched
from orbitwatch.text.words import signed_number

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings
    from orbitwatch.model.event import Event, Reading


def alerts(
    events: Sequence[Event],
    reading_of: Mapping[str, Reading],
    settings: Settings,
    on: dt.date,
) -> list[Alert]:
    """Every alert in force on `on`, newest first (ties: kind, country, fingerprint)."""
    return alerts_of(marks_of(events, reading_of, settings), settings, on)


def alerts_of(marks: Sequence[Mark], settings: Settings, on: dt.date) -> list[Alert]:
    """alerts from marks (the events need not be built)."""
    result: list[Alert] = []
    countries = watched(marks, settings)
    start = min((m.first_day for m in marks), default=on)
    first = min(start, on)
    of_country = per_country(marks)
    series: dict[str, ScoreSeries] = {}
    for country in countries:
        own = of_country.get(country, [])
        series[country] = ScoreSeries(own, settings.half_life_days, first, on)
        result.extend(_level_alerts(country, series[country], settings))
        result.extend(_convergence_alerts(country, own, settings, on, series[country]))

    def level_at(country: str, day: dt.date) -> str:
        if country not in series:
            return ""
        if first <= day <= on:
            return settings.level_of(series[country].at(day))
        return "" if day < start else settings.level_of(series[country].at(on))

    watching = set(countries)
    for group in by_event(marks):
        head = group[0]
        involved = [m for m in group if m.country in watching]
        if head.first_day <= on:
            for mark in involved:
                if mark.reading is None:
                    continue
                result.append(
                    Alert(
                        "signal",
                        mark.country,
                        mark.reading.rule,
                        head.event_id,
                        head.first_day,
                        level_at(mark.country, head.first_day),
                        _why(mark.reading),
                        (head.event_id,),
                    )
                )
        if head.status == "scheduled" and head.first_day > on:
            result.extend(_upcoming(head, involved, settings, on, level_at))
    result.sort(key=lambda a: (-a.date.toordinal(), KIND_ORDER[a.kind], a.country, a.fingerprint))
    return result


def _upcoming(
    head: Mark,
    involved: Sequence[Mark],
    settings: Settings,
    on: dt.date,
    level_at: Callable[[str, dt.date], str],
) -> list[Alert]:
    days_left = (head.first_day - on).days
    reached = [w for w in (head.warn or settings.warn) if days_left <= w]
    if not reached:
        return []
    tightest = min(reached)
    return [
        Alert(
            "upcoming",
            mark.country,
            f"{tightest}d",
            head.event_id,
            head.first_day - dt.timedelta(days=tightest),
            level_at(mark.country, on),
            f"scheduled in {days_left} day{'s' if days_left != 1 else ''} "
            f"(warning at {tightest} days)",
            (head.event_id,),
        )
        for mark in involved
    ]


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


def fall_cause(pullers: Sequence[tuple[str, float]], last_push: dt.date | None) -> str:
    """What made a score fall: the toward readings entering that day, else decay."""
    if pullers:
        names = ", ".join(f"{event_id} ({signed_number(value)})" for event_id, value in pullers[:3])
        return f"toward reading of {names}"
    since = f" since {last_push.isoformat()}" if last_push else ""
    return f"decay, no new away reading{since}"


def _last_push(series: ScoreSeries, day: dt.date) -> dt.date | None:
    """The last day before `day` an away reading entered the country's score."""
    pushes = [
        d for d, entering in series.entering.items() if d < day and any(v > 0 for _, v in entering)
    ]
    return max(pushes, default=None)


def _level_alerts(country: str, series: ScoreSeries, settings: Settings) -> list[Alert]:
    found: list[Alert] = []
    opened_by: dict[str, str] = {}
    for crossing in series.crossings(settings.levels):
        day, level, score = crossing.day, crossing.level, crossing.score
        if crossing.upward:
            pushers = sorted(crossing.entering, key=lambda item: (-item[1], item[0].event_id))
            subject = pushers[0][0].event_id if pushers else day.isoformat()
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
                    tuple(m.event_id for m, _ in pushers),
                )
            )
        else:
            # The fingerprint keeps naming the episode's opener (states stay valid); the
            # why and the events name what made the score fall.
            subject = opened_by.get(level.name, day.isoformat())
            pullers = sorted(
                ((m.event_id, v) for m, v in crossing.entering if v < 0),
                key=lambda item: (item[1], item[0]),
            )
            found.append(
                Alert(
                    "level-down",
                    country,
                    level.name,
                    subject,
                    day,
                    settings.level_of(score),
                    f"score {digits_below(score, level.score)} fell below level {level.name} "
                    f"({level.score:g}): {fall_cause(pullers, _last_push(series, day))}",
                    tuple(event_id for event_id, _ in pullers) or (subject,),
                )
            )
    return found


def _convergence_alerts(
    country: str, own: Sequence[Mark], settings: Settings, on: dt.date, series: ScoreSeries
) -> list[Alert]:
    found: list[Alert] = []
    window = settings.convergence_window_days
    stance_of = {rule.id: rule.stance for rule in reversed(settings.rules)}  # the first wins
    for stance in ("away", "toward"):
        firing = sorted(
            (
                m
                for m in own
                if m.first_day <= on
                and m.reading is not None
                and m.reading.origin in ("rule", "act")
                and m.reading.stance == stance
            ),
            key=lambda m: (m.first_day, m.event_id),
        )
        converging = False
        oldest = 0
        # rule ids and independent acts of the stance within the window
        counts: dict[str, int] = defaultdict(int)
        for index, mark in enumerate(firing):
            day = mark.first_day
            for rule_id in _own_rules(mark, stance, stance_of):
                counts[rule_id] += 1
            while (day - firing[oldest].first_day).days >= window:
                for rule_id in _own_rules(firing[oldest], stance, stance_of):
                    counts[rule_id] -= 1
                oldest += 1
            rules = sorted(rule_id for rule_id, count in counts.items() if count > 0)
            if len(rules) >= settings.convergence_rules:
                if not converging:
                    recent = firing[oldest : index + 1]
                    found.append(
                        Alert(
                            "convergence",
                            country,
                            ",".join(rules),
                            mark.event_id,
                            day,
                            settings.level_of(series.at(day)) if day >= series.first else "",
                            f"{len(rules)} distinct {stance} rules and acts within "
                            f"{settings.convergence_window_days} days: " + ", ".join(rules),
                            tuple(m.event_id for m in recent),
                        )
                    )
                converging = True
            else:
                converging = False
    return found


def _own_rules(mark: Mark, stance: str, stance_of: Mapping[str, str]) -> set[str]:
    """What a mark adds to a convergence: its rule ids of the stance, or its deciding act
    ('act US aid TJ': one per counterpart and act kind, so the same act repeated by the same
    party counts once; a different partner or a different kind of act is independent)."""
    assert mark.reading is not None
    if mark.reading.origin == "act":
        return {f"act {mark.reading.rule}"}
    return {rule_id for rule_id in mark.reading.rules if stance_of.get(rule_id) == stance}


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
