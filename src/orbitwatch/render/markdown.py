"""The Markdown export: a heading per month, a bullet per event, sources as links.

Event text is escaped so it can never become Markdown or HTML; links are http(s) only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import quote

from orbitwatch.model.event import MONTH_NAMES, Precision
from orbitwatch.render.text import md

if TYPE_CHECKING:
    from orbitwatch.render.exports import RenderInput


def safe_url(url: str) -> str:
    """An http(s) url with the characters that would end a Markdown link percent-encoded."""
    if not re.match(r"^https?://", url, re.IGNORECASE):
        return ""
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def render_md(data: RenderInput) -> Iterator[str]:
    """Markdown: headings per month, one bullet per event with sources as links."""
    yield f"# {md(data.title)}\n"
    heading = None
    for event in data.events:
        start = event.date.start
        if event.date.precision is Precision.YEAR:
            this = f"{start.year}"
        else:
            this = f"{MONTH_NAMES[start.month]} {start.year}"
        if this != heading:
            heading = this
            yield f"\n## {this}\n\n"
        reading = data.reading_of.get(event.id)
        bits = [f"- **{md(event.date_range_human())}** {md(event.title)}"]
        if event.status != "occurred":
            bits.append(f"*({md(event.status)})*")
        line = " ".join(bits)
        meta = [", ".join(event.countries)]
        if reading is not None:
            meta.append(f"{reading.stance} ({md(reading.rule)})")
        meta.append(f"`{md(event.id)}`")
        line += " · " + " · ".join(m for m in meta if m)
        yield line + "\n"
        for paragraph in event.summary.splitlines():
            if paragraph.strip():
                yield f"  {md(paragraph.strip())}\n"
        for source in event.sources:
            label = md(source.title or source.publisher or source.url)
            extra = f" ({md(source.publisher)})" if source.publisher and source.title else ""
            url = safe_url(source.url)
            yield (
                f"  - source: [{label}]({url}){extra}\n" if url else f"  - source: {label}{extra}\n"
            )
    if not data.events:
        yield "\nNo events.\n"
