"""Use cases of `timeline` and `render`: the events shown, the lanes, the chart day and months.

The renderers themselves live in render/; this module only gathers what they are given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from orbitwatch.app.context import Workspace, country_scope, note_temporaries, select
from orbitwatch.app.events import selection
from orbitwatch.app.feed_loop import LoopRequest, feed_compare
from orbitwatch.files.atomic import save_output
from orbitwatch.model.errors import OrbitError
from orbitwatch.query.language import Query
from orbitwatch.render.exports import RenderInput
from orbitwatch.signals.charts import ScoreChart, chart_window, score_charts
from orbitwatch.signals.readings import watched_countries
from orbitwatch.signals.scoring import marks_of

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings
    from orbitwatch.feeds.compare import MonthPair
    from orbitwatch.model.event import Event, Reading
    from orbitwatch.render.exports import RenderInput

CHART_MONTHS = 36  # months of score history drawn per country in the html page


@dataclass(frozen=True)
class TimelineView:
    events: list[Event]
    reading_of: dict[str, Reading]
    lanes: list[str]  # the countries given a lane (by=country), at most max_lanes


def timeline_view(
    workspace: Workspace, query: Query, on: dt.date, by_country: bool, max_lanes: int
) -> TimelineView:

    timeline = workspace.load(prefilter=selection(workspace, query, on))
    workspace.check_query(query, timeline)
    events, reading_of = select(timeline, query, on)
    lanes: list[str] = []
    if by_country:
        lanes = watched_countries(events, timeline.settings) or sorted(
            {c for e in events for c in e.countries}
        )
    return TimelineView(events, reading_of, lanes[:max_lanes])


def chart_day(events: Sequence[Event], today: dt.date) -> dt.date:
    """The day the html charts end: today, or the last day covered when the events end earlier."""
    last = max((e.last_day for e in events), default=today)
    return min(today, last) if last < today else today


def charts_of(
    events: Sequence[Event], reading_of: Mapping[str, Reading], settings: Settings, end: dt.date
) -> tuple[dt.date, list[ScoreChart]]:
    """The first day the charts draw, and each scored country's chart up to `end`: the last
    CHART_MONTHS months at most, never before the first event."""

    marks = marks_of(events, reading_of, settings)
    start = chart_window(min((m.first_day for m in marks), default=None), end, CHART_MONTHS)
    return start, score_charts(marks, settings, min(start, end), end)


def render_input(
    workspace: Workspace, query: Query, on: dt.date, fmt: str, exact_only: bool, title: str
) -> RenderInput:
    """What an export format is given; only html draws charts, so only html pays for scores."""

    # html scores every event for its charts; the other formats need only what the query selects
    timeline = workspace.load(prefilter=None if fmt == "html" else selection(workspace, query, on))
    workspace.check_query(query, timeline)
    events, reading_of = select(timeline, query, on)
    charts: list[ScoreChart] = []
    start = end = on
    scope = country_scope(query)
    if fmt == "html":
        # The charts follow the signals rule: country terms choose the countries (scored from
        # every event); other terms restrict the events scored, and the page says so.
        scored, scored_readings = select(timeline, scope.events_query, on)
        end = chart_day(events or scored, on)
        start, every = charts_of(scored, scored_readings, timeline.settings, end)
        charts = [chart for chart in every if scope.wants(chart.country)]
    feed_name = ""
    feed_months: list[MonthPair] = []
    if fmt == "html" and timeline.settings.feeds:
        feed_name, feed_months = feed_beside(workspace, query, timeline.settings)
    return RenderInput(
        events,
        reading_of,
        timeline.settings,
        on,
        charts,
        exact_only,
        title,
        str(query),
        str(scope.events_query),
        feed_name,
        feed_months,
        (start, end) if fmt == "html" else None,
    )


def feed_beside(
    workspace: Workspace, query: Query, settings: Settings
) -> tuple[str, list[MonthPair]]:
    """The configured feed's months beside the curated ones, for the countries the query's
    country terms choose (the `gdelt` feed, else the first by name); nothing when its store
    cannot be read: the page is drawn without it."""

    name = "gdelt" if "gdelt" in settings.feeds else sorted(settings.feeds)[0]
    countries = Query(tuple(t for t in query.terms if t.field == "country" and not t.negated))
    try:
        found = feed_compare(workspace, LoopRequest(countries, name))
    except OrbitError:
        return "", []
    return name, [p for p in found.pairs if p.feed is not None]


def save(workspace: Workspace, path: Path, chunks: Iterable[str]) -> None:
    """Write rendered output to a file: a regular file atomically (a temporary file, then
    rename), a device or FIFO directly (see fsio.save_output). Temporary files a killed run
    left beside it are removed when their process is gone, and said once."""

    note_temporaries(workspace, path)
    save_output(path, "".join(chunks).encode("utf-8"))
