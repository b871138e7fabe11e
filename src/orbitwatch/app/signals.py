"""Use cases of `signals` and `alerts`: scores, an explained score, monthly arrows, alerts in force.

Totals, levels and the stale-data hint are decided here; render/signals.py only lays them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from orbitwatch.app.context import Workspace, select
from orbitwatch.errors import UsageError

if TYPE_CHECKING:
    from orbitwatch.alerts import Alert
    from orbitwatch.model import Event
    from orbitwatch.query import Query
    from orbitwatch.settings import Settings
    from orbitwatch.signals import Arrow, Contribution, CountrySignal, Coverage
    from orbitwatch.silences import Silence


@dataclass(frozen=True)
class Explanation:
    country: str
    on: dt.date
    score: float  # the sum of every contribution
    level: str  # the level that score reaches ('' below every level)
    parts: list[Contribution]
    settings: Settings


def explain(workspace: Workspace, query: Query, on: dt.date, country_text: str) -> Explanation:
    """Every event behind one country's score on a day, with the total and its level."""
    from orbitwatch.query import resolve_country
    from orbitwatch.signals import contributions

    timeline = workspace.load()
    events, reading_of = select(timeline, query, on)
    settings = timeline.settings
    country = resolve_country(country_text)
    if country == settings.pole:
        raise UsageError(f"{country} is the pole; the pole itself is never scored")
    parts = contributions(events, reading_of, settings, country, on)
    score = sum(p.value for p in parts)
    return Explanation(country, on, score, settings.level_of(score), parts, settings)


@dataclass(frozen=True)
class MonthlyArrows:
    arrows: list[Arrow]


def monthly(
    workspace: Workspace, query: Query, on: dt.date, countries: Sequence[str]
) -> MonthlyArrows:
    """Monthly arrows per country (only the given countries, when any are given)."""
    from orbitwatch.query import resolve_country
    from orbitwatch.signals import monthly_arrows

    timeline = workspace.load()
    events, reading_of = select(timeline, query, on)
    wanted = [resolve_country(c) for c in countries] or None
    return MonthlyArrows(monthly_arrows(events, reading_of, timeline.settings, on, wanted))


@dataclass(frozen=True)
class Scores:
    rows: list[CountrySignal]
    on: dt.date
    settings: Settings
    stale_since: dt.date | None  # the latest event's day, when every score has decayed
    coverage: Coverage  # how many scored events gave no watched country a reading


def scores(workspace: Workspace, query: Query, on: dt.date, as_of_given: bool) -> Scores:
    """Each country's drift score on a day; notes when the timeline is too old to score today."""
    from orbitwatch.signals import country_rows, country_signals, coverage, coverage_of

    if not query.terms:  # the whole timeline: read from its marks, no event built
        marked = workspace.marked(on)
        marks, settings = marked.marks, marked.settings
        latest = max((m.first_day for m in marks), default=None)
        stale = latest if latest and (on - latest).days > 2 * settings.half_life_days else None
        rows = country_rows(marks, settings, on)
        covered = coverage_of(marks, settings, on)
        return Scores(rows, on, settings, None if as_of_given else stale, covered)
    timeline = workspace.load()
    events, reading_of = select(timeline, query, on)
    settings = timeline.settings
    rows = country_signals(events, reading_of, settings, on)
    return Scores(
        rows,
        on,
        settings,
        None if as_of_given else stale_since(events, settings, on),
        coverage(events, reading_of, settings, on),
    )


def stale_since(events: Sequence[Event], settings: Settings, on: dt.date) -> dt.date | None:
    """The latest event's first day when it lies over two half-lives before `on`, else None."""
    latest = max((e.first_day for e in events), default=None)
    if latest and (on - latest).days > 2 * settings.half_life_days:
        return latest
    return None


@dataclass(frozen=True)
class AlertList:
    alerts: list[Alert]  # newest first
    by_id: Mapping[str, Event]  # built when asked for, from the index
    coverage: Coverage
    marks: dict[str, Silence] = field(default_factory=dict)  # fingerprint -> ack or silence


def alerts_in_force(
    workspace: Workspace, query: Query, on: dt.date, since: str | None
) -> AlertList:
    """The alerts in force on a day that the query asks for, dated on or after `since`."""
    from orbitwatch.alerts import alerts, filter_alerts
    from orbitwatch.app.silences import silence_marks
    from orbitwatch.signals import coverage, readings

    start = None
    if since:
        from orbitwatch.query import term_period

        start = term_period("since", since, on, f"--since {since}").first
    if not query.terms:  # every alert in force: from the marks, events built when shown
        from orbitwatch.alerts import alerts_of
        from orbitwatch.signals import coverage_of

        marked = workspace.marked(on)
        found = alerts_of(marked.marks, marked.settings, on)
        found = [a for a in found if start is None or a.date >= start]
        covered = coverage_of(marked.marks, marked.settings, on)
        return AlertList(found, marked.events, covered, silence_marks(workspace, found))
    timeline = workspace.load()
    reading_of = readings(timeline.events, timeline.settings, on)
    by_id = {e.id: e for e in timeline.events}
    in_force = alerts(timeline.events, reading_of, timeline.settings, on)
    found = [
        a
        for a in filter_alerts(in_force, query, by_id, reading_of, on)
        if start is None or a.date >= start
    ]
    covered = coverage(timeline.events, reading_of, timeline.settings, on)
    return AlertList(found, by_id, covered, silence_marks(workspace, found))
