"""The day-by-day walk that scores and alerts used before the running sum (scoring.py).

Kept as the reference the property tests compare the running sum with; not used by the
program. One change since: the 30 and 90-day changes start from the events settled by then
(`before`, issue 30).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence

from orbitwatch.config.settings import Settings
from orbitwatch.model.alert import KIND_ORDER, Alert
from orbitwatch.model.event import Event, Reading
from orbitwatch.signals.readings import (
    Arrow,
    CountrySignal,
    contributions,
    country_reading,
    month_ends,
    watched_countries,
)
from orbitwatch.signals.scoring import CERTAINTY


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
                score - before(own, reading_of, settings, country, start, on, 30),
                score - before(own, reading_of, settings, country, start, on, 90),
                monthly,
                tuple(top),
                len(parts),
            )
        )
    return rows


def before(
    own: Sequence[Event],
    reading_of: Mapping[str, Reading],
    settings: Settings,
    country: str,
    start: dt.date,
    on: dt.date,
    days: int,
) -> float:
    """The score a change over `days` starts from (issue 30): the walk without the month- or
    year-precision events whose period starts that day, which the change counts as new (as
    the month's change counts them)."""
    day = on - dt.timedelta(days=days)
    settled = [e for e in own if not (e.first_day == day < e.date.last_day)]
    walk = daily_scores(settled, reading_of, settings, country, start, on)
    return next(value for when, value, _ in walk if when == day)


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
    found: list[Alert] = []
    window = dt.timedelta(days=settings.convergence_window_days)
    for stance in ("away", "toward"):
        firing = sorted(
            (
                (e, r)
                for e in events
                if e.first_day <= on
                and (r := country_reading(reading_of, e, country)) is not None
                and r.origin in ("rule", "act")
                and r.stance == stance
            ),
            key=lambda item: (item[0].first_day, item[0].id),
        )
        converging = False
        for index, (event, _) in enumerate(firing):
            day = event.first_day
            recent = [(e, r) for e, r in firing[: index + 1] if day - e.first_day < window]
            # distinct rules, and independent acts (one per act as seen from the country)
            rules = sorted(
                {
                    rule_id
                    for _, r in recent
                    if r.origin == "rule"
                    for rule_id in r.rules
                    if (rule := settings.rule(rule_id)) is not None and rule.stance == stance
                }
                | {f"act {r.rule}" for _, r in recent if r.origin == "act"}
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
                            f"{len(rules)} distinct {stance} rules and acts within "
                            f"{settings.convergence_window_days} days: " + ", ".join(rules),
                            tuple(e.id for e, _ in recent),
                        )
                    )
                converging = True
            else:
                converging = False
    return found
