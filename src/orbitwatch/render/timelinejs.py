"""The TimelineJS export: the JSON that Knight Lab's TimelineJS reads.

Dates carry only the parts their precision gives; text fields are HTML-escaped (TimelineJS
renders them as HTML).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator

from orbitwatch.model import PartialDate, Precision
from orbitwatch.render import RenderInput
from orbitwatch.render.markdown import safe_url
from orbitwatch.render.text import json_safe, visible


def tl_date(date: PartialDate) -> dict[str, str]:
    parts = {"year": str(date.start.year)}
    if date.precision <= Precision.MONTH:
        parts["month"] = str(date.start.month)
    if date.precision is Precision.DAY:
        parts["day"] = str(date.start.day)
    return parts


def render_timelinejs(data: RenderInput) -> Iterator[str]:
    """TimelineJS JSON: start_date as far as the precision goes, headline, text, group."""
    events = []
    for event in data.events:
        body = html.escape(visible(event.summary, keep_newlines=True))
        links = [
            f'<a href="{html.escape(url, quote=True)}">'
            f"{html.escape(visible(s.title or s.publisher or url))}</a>"
            for s in event.sources
            if (url := safe_url(s.url))
        ]
        if links:
            body += "<br>" + " · ".join(links)
        item: dict[str, object] = {
            "unique_id": event.id,
            "start_date": tl_date(event.date),
            "text": {"headline": html.escape(visible(event.title)), "text": body},
            "group": event.countries[0] if event.countries else "",
        }
        if event.end is not None:
            item["end_date"] = tl_date(event.end)
        events.append(item)
    document = {
        "title": {"text": {"headline": html.escape(visible(data.title)), "text": ""}},
        "events": events,
    }
    yield json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"
