"""What every export format of `orbit render` sees: the events, readings and scores, once.

A value type and the renderer signature only; the registry of formats is registry.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings
    from orbitwatch.feeds.compare import MonthPair
    from orbitwatch.model.event import Event, Reading
    from orbitwatch.signals.charts import ScoreChart


@dataclass(frozen=True)
class RenderInput:
    """Everything an export sees: the same events, readings and scores for every format."""

    events: Sequence[Event]
    reading_of: Mapping[str, Reading]
    settings: Settings
    today: dt.date
    charts: Sequence[ScoreChart] = ()  # html only: one per scored country, from chart_window
    exact_only: bool = False
    title: str = "orbitwatch timeline"
    query: str = ""  # the query the events were chosen by ('' = the whole timeline)
    events_query: str = ""  # charts scored from the events matching this only ('' = every event)
    feed_name: str = ""  # the feed drawn beside the curated scores ('' = none configured)
    feed_months: Sequence[MonthPair] = ()  # curated and feed months per country (html only)
    chart_window: tuple[dt.date, dt.date] | None = None  # the days the charts span (html only)


Renderer = Callable[[RenderInput], Iterator[str]]
