"""What every export format of `orbit render` sees: the events, readings and scores, once.

A value type and the renderer signature only; the registry of formats is registry.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings
    from orbitwatch.feeds.compare import MonthPair
    from orbitwatch.model.event import Event, Reading


@dataclass(frozen=True)
class RenderInput:
    """Everything an export sees: the same events, readings and scores for every format."""

    events: Sequence[Event]
    reading_of: Mapping[str, Reading]
    settings: Settings
    today: dt.date
    monthly_scores: Mapping[str, Sequence[tuple[dt.date, float]]] = field(default_factory=dict)
    exact_only: bool = False
    title: str = "orbitwatch timeline"
    query: str = ""  # the query the events were chosen by ('' = the whole timeline)
    events_query: str = ""  # charts scored from the events matching this only ('' = every event)
    feed_name: str = ""  # the feed drawn beside the curated scores ('' = none configured)
    feed_months: Sequence[MonthPair] = ()  # curated and feed months per country (html only)


Renderer = Callable[[RenderInput], Iterator[str]]
