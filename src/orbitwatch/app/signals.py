"""Use cases of `signals` and `alerts`: scores, an explained score, monthly arrows, alerts in force.

Totals, levels and the stale-data hint are decided here; render/signals.py only lays them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from orbitwatch.app.context import Workspace, country_scope, select
from orbitwatch.app.silences import silence_marks
from orbitwatch.model.acts import cancelled
from orbitwatch.model.errors import UsageError
from orbitwatch.query.language import resolve_country, term_period
from orbitwatch.signals.alerts import alerts, alerts_of, filter_alerts
from orbitwatch.signals.readings import (
    contributions,
    country_reading,
    country_rows,
    country_signals,
    coverage,
    coverage_of,
    monthly_arrows,
    readings,
    watched_countries,
)
from orbitwatch.signals.scoring import per_country, score_on

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings
    from orbitwatch.model.acts import Vote
    from orbitwatch.model.alert import Alert
    from orbitwatch.model.event import Event, Reading
    from orbitwatch.query.language import Query
    from orbitwatch.signals.readings import Arrow, Contribution, CountrySignal, Coverage
    from orbitwatch.signals.silences import Silence
    from orbitwatch.timeline.load import Timeline


@dataclass(frozen=True)
class Explanation:
    country: str
    on: dt.date
    score: float  # the sum of every contribution
    level: str  # the level that score reaches ('' below every level)
    parts: list[Contribution]
    settings: Settings
    events_query: str = ""  # scores from the events matching this query only ('' = every event)
    # events up to the day whose acts cancelled for the country: listed, worth nothing
    cancelled: tuple[tuple[Event, tuple[Vote, ...]], ...] = ()


def explain(workspace: Workspace, query: Query, on: dt.date, country_text: str) -> Explanation:
    """Every event behind one country's score on a day, with the total and its level."""

    timeline = workspace.load()
    scope = country_scope(query)
    workspace.check_query(query, timeline)
    events, reading_of = select(timeline, scope.events_query, on)
    settings = timeline.settings
    country = resolve_country(country_text)
    if country == settings.pole:
        raise UsageError(f"{country} is the pole; the pole itself is never scored")
    parts = contributions(events, reading_of, settings, country, on)
    score = sum(p.value for p in parts)
    level = settings.level_of(score)
    sides = settings.sides()
    gone = tuple(
        (event, tuple(votes))
        for event in events
        if event.acts and country in event.countries and event.first_day <= on
        for code, votes in cancelled(event, sides).items()
        if code == country and country_reading(reading_of, event, country) is None
    )
    return Explanation(country, on, score, level, parts, settings, str(scope.events_query), gone)


@dataclass(frozen=True)
class MonthlyArrows:
    arrows: list[Arrow]
    events_query: str = ""  # scores from the events matching this query only ('' = every event)


def monthly(
    workspace: Workspace, query: Query, on: dt.date, countries: Sequence[str]
) -> MonthlyArrows:
    """Monthly arrows per country: the countries the query's country terms (and `countries`)
    choose, scored from every event unless other terms restrict them."""

    timeline = workspace.load()
    scope = country_scope(query)
    workspace.check_query(query, timeline)
    events, reading_of = select(timeline, scope.events_query, on)
    wanted = [resolve_country(c) for c in countries] or watched_countries(events, timeline.settings)
    chosen = [c for c in wanted if scope.wants(c)]
    arrows = monthly_arrows(events, reading_of, timeline.settings, on, chosen) if chosen else []
    return MonthlyArrows(arrows, str(scope.events_query))


@dataclass(frozen=True)
class Scores:
    rows: list[CountrySignal]
    on: dt.date
    settings: Settings
    stale_since: dt.date | None  # the latest event's day, when every score has decayed
    coverage: Coverage  # how many scored events gave no watched country a reading
    events_query: str = ""  # scores from the events matching this query only ('' = every event)


def scores(workspace: Workspace, query: Query, on: dt.date, as_of_given: bool) -> Scores:
    """Each country's drift score on a day; notes when the timeline is too old to score today.

    Country terms choose the rows (scored from every event); other terms restrict the events."""

    if not query.terms:  # the whole timeline: read from its marks, no event built
        marked = workspace.marked(on)
        marks, settings = marked.marks, marked.settings
        latest = max((m.first_day for m in marks), default=None)
        stale = latest if latest and (on - latest).days > 2 * settings.half_life_days else None
        rows = country_rows(marks, settings, on)
        covered = coverage_of(marks, settings, on)
        return Scores(rows, on, settings, None if as_of_given else stale, covered)
    timeline = workspace.load()
    scope = country_scope(query)
    workspace.check_query(query, timeline)
    events, reading_of = select(timeline, scope.events_query, on)
    settings = timeline.settings
    rows = [r for r in country_signals(events, reading_of, settings, on) if scope.wants(r.country)]
    return Scores(
        rows,
        on,
        settings,
        None if as_of_given else stale_since(events, settings, on),
        coverage(events, reading_of, settings, on),
        str(scope.events_query),
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
    levels_now: dict[str, str] = field(default_factory=dict)  # country -> level on the day

    def history_note(self, on: dt.date) -> str:
        """Says which alerts are current and which are history: each alert's level is its
        country's level on the alert's date; the countries' levels on `on` follow."""
        if not self.alerts:
            return ""
        now = ", ".join(f"{c} {level or 'none'}" for c, level in self.levels_now.items())
        return (
            f"level: the country's level on the alert's date; on {on.isoformat()}: {now}. "
            "Alerts of a country whose level has fallen since are history."
        )


def alerts_in_force(
    workspace: Workspace, query: Query, on: dt.date, since: str | None
) -> AlertList:
    """The alerts in force on a day that the query asks for, dated on or after `since`."""

    start = None
    if since:
        start = term_period("since", since, on, f"--raised-since {since}").first
    if not query.terms:  # every alert in force: from the marks, events built when shown
        marked = workspace.marked(on)
        found = alerts_of(marked.marks, marked.settings, on)
        found = [a for a in found if start is None or a.date >= start]
        covered = coverage_of(marked.marks, marked.settings, on)
        own = per_country(marked.marks)
        levels = {
            a.country: marked.settings.level_of(
                score_on(own.get(a.country, []), marked.settings, on)
            )
            for a in found
        }
        marks = silence_marks(workspace, found)
        return AlertList(found, marked.events, covered, marks, levels)
    timeline = workspace.load()
    reading_of = readings(timeline.events, timeline.settings, on)
    by_id = {e.id: e for e in timeline.events}
    in_force = alerts(timeline.events, reading_of, timeline.settings, on)
    workspace.check_query(query, timeline)
    found = [
        a
        for a in filter_alerts(in_force, query, by_id, reading_of, on)
        if start is None or a.date >= start
    ]
    covered = coverage(timeline.events, reading_of, timeline.settings, on)
    marks = silence_marks(workspace, found)
    return AlertList(found, by_id, covered, marks, levels_now(timeline, reading_of, found, on))


def levels_now(
    timeline: Timeline, reading_of: Mapping[str, Reading], found: Sequence[Alert], on: dt.date
) -> dict[str, str]:
    """The level on `on` of each country the alerts are about, in their order."""

    result: dict[str, str] = {}
    for alert in found:
        if alert.country not in result:
            parts = contributions(timeline.events, reading_of, timeline.settings, alert.country, on)
            result[alert.country] = timeline.settings.level_of(sum(p.value for p in parts))
    return result
