"""The TimelineJS export: the JSON that Knight Lab's TimelineJS reads.

Dates carry only the parts their precision gives; text fields are HTML-escaped (TimelineJS
renders them as HTML).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from orbitwatch.model import countries
from orbitwatch.model.event import Event, PartialDate, Precision
from orbitwatch.render.markdown import safe_url
from orbitwatch.render.text import json_safe, visible
from orbitwatch.text.words import plural

if TYPE_CHECKING:
    from orbitwatch.render.exports import RenderInput


def tl_date(date: PartialDate) -> dict[str, str]:
    parts = {"year": str(date.start.year)}
    if date.precision <= Precision.MONTH:
        parts["month"] = str(date.start.month)
    if date.precision is Precision.DAY:
        parts["day"] = str(date.start.day)
    return parts


def group_of(stance: str, pole: str) -> str:
    """The slide's group (a TimelineJS row): the event's reading relative to the pole."""
    name = countries.name(pole)
    return {
        "away": f"away from {name}",
        "toward": f"toward {name}",
        "neutral": "neutral",
        "mixed": "mixed readings",
    }.get(stance, "no reading")


def slide_text(data: RenderInput, event: Event) -> str:
    """The summary, the reading of each country and the sources (with publishers), as HTML."""
    body = html.escape(visible(event.summary, keep_newlines=True))
    reading = data.reading_of.get(event.id)
    if reading is not None:
        parts = [
            f"{country + ' ' if country else ''}{part.stance} (weight {part.weight}, {part.rule})"
            for country, part in reading.parts()
        ]
        body += "<br>Reading: " + html.escape(visible("; ".join(parts)))
    sources = []
    for source in event.sources:
        label = html.escape(visible(source.title or source.publisher or source.url))
        url = safe_url(source.url)
        item = f'<a href="{html.escape(url, quote=True)}">{label}</a>' if url else label
        if source.publisher and source.title:
            item += f" ({html.escape(visible(source.publisher))})"
        sources.append(item)
    if sources:
        body += "<br>Sources: " + " · ".join(sources)
    return body


def title_text(data: RenderInput) -> str:
    """The title slide: how many events over which dates, what the readings measure."""
    if not data.events:
        return "No events match this query."
    first, last = data.events[0].date.human(), data.events[-1].date.human()
    text = (
        f"{plural(len(data.events), 'event')}, {first} to {last}. Each is grouped by how it "
        f"moves the countries involved relative to {countries.name(data.settings.pole)}."
    )
    if data.query:
        text += f" Query: {data.query}."
    return html.escape(visible(text))


def render_timelinejs(data: RenderInput) -> Iterator[str]:
    """TimelineJS JSON: start_date as far as the precision goes, headline, text, group."""
    events = []
    for event in data.events:
        reading = data.reading_of.get(event.id)
        item: dict[str, object] = {
            "unique_id": event.id,
            "start_date": tl_date(event.date),
            "text": {
                "headline": html.escape(visible(event.title)),
                "text": slide_text(data, event),
            },
            "group": group_of(reading.stance if reading else "none", data.settings.pole),
        }
        if event.end is not None:
            item["end_date"] = tl_date(event.end)
        events.append(item)
    document = {
        "title": {"text": {"headline": html.escape(visible(data.title)), "text": title_text(data)}},
        "events": events,
    }
    yield json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"
