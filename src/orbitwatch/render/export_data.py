"""The json, jsonl and csv exports of `orbit render`: the same contracts as `orbit list`.

Thin adapters from RenderInput to render/data.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from orbitwatch.render.data import events_csv, events_json, events_jsonl

if TYPE_CHECKING:
    from orbitwatch.render.exports import RenderInput


def render_json(data: RenderInput) -> Iterator[str]:
    """JSON: one document with a schema version, events with their readings."""
    return events_json(data.events, data.reading_of)


def render_jsonl(data: RenderInput) -> Iterator[str]:
    """JSON Lines: one event a line, each with the schema version."""
    return events_jsonl(data.events, data.reading_of)


def render_csv(data: RenderInput) -> Iterator[str]:
    """CSV: one row per event, lists joined with ';', formulas neutralised."""
    return events_csv(data.events, data.reading_of)
