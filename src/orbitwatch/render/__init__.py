"""Renderers: one module per output format, each turning values into text (or rich renderables).

Escaping happens inside each renderer, by construction; callers hand over raw event text.
Export formats for `orbit render` live in a plain registry filled by explicit register() calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from orbitwatch.config.settings import Settings
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


Renderer = Callable[[RenderInput], Iterator[str]]
REGISTRY: dict[str, Renderer] = {}


def register(name: str, renderer: Renderer) -> None:
    """Add an export format; its docstring's first line is its help text."""
    REGISTRY[name] = renderer


def describe(name: str) -> str:
    doc = REGISTRY[name].__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else name


def builtin() -> dict[str, Renderer]:
    """Register the built-in formats the same way an extension would, and return the registry."""
    if REGISTRY:
        return REGISTRY
    from orbitwatch.render import export_data, html, ics, markdown, timelinejs

    register("md", markdown.render_md)
    register("html", html.render_html)
    register("json", export_data.render_json)
    register("jsonl", export_data.render_jsonl)
    register("csv", export_data.render_csv)
    register("ics", ics.render_ics)
    register("timelinejs", timelinejs.render_timelinejs)
    return REGISTRY
