"""The iCalendar export (RFC 5545): all-day VEVENTs with stable UIDs, escaped and folded.

Month- and year-precision events span their period, or are left out with --exact-only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from orbitwatch import __version__
from orbitwatch.model.event import Precision
from orbitwatch.render.markdown import safe_url
from orbitwatch.render.text import visible

if TYPE_CHECKING:
    from orbitwatch.model.schema import Status
    from orbitwatch.render.exports import RenderInput

STATUS: dict[Status, str] = {
    "occurred": "CONFIRMED",
    "scheduled": "TENTATIVE",
    "reported": "CONFIRMED",
    "rumored": "TENTATIVE",
    "denied": "CANCELLED",
}


def escape_text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newlines escaped; controls made visible."""
    value = visible(value, keep_newlines=True).replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 sequence; CRLF line ends."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line + "\r\n"
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = char, width, 74  # continuation lines start with a space
        else:
            current += char
            size += width
    parts.append(current)
    return "\r\n ".join(parts) + "\r\n"


def render_ics(data: RenderInput) -> Iterator[str]:
    """iCalendar (RFC 5545): all-day events, stable UIDs, for calendar apps."""
    stamp = data.today.strftime("%Y%m%dT000000Z")
    yield fold("BEGIN:VCALENDAR")
    yield fold("VERSION:2.0")
    yield fold(f"PRODID:-//orbitwatch//orbitwatch {__version__}//EN")
    yield fold("CALSCALE:GREGORIAN")
    yield fold(f"X-WR-CALNAME:{escape_text(data.title)}")
    for event in data.events:
        exact = event.date.precision is Precision.DAY and (
            event.end is None or event.end.precision is Precision.DAY
        )
        if data.exact_only and not exact:
            continue
        first = event.first_day
        after = event.last_day + dt.timedelta(days=1)  # DTEND is exclusive
        yield fold("BEGIN:VEVENT")
        yield fold(f"UID:{event.id}@orbitwatch")
        yield fold(f"DTSTAMP:{stamp}")
        yield fold(f"DTSTART;VALUE=DATE:{first.strftime('%Y%m%d')}")
        yield fold(f"DTEND;VALUE=DATE:{after.strftime('%Y%m%d')}")
        summary = event.title if exact else f"{event.title} ({event.date_range_human()})"
        yield fold(f"SUMMARY:{escape_text(summary)}")
        description = event.summary
        reading = data.reading_of.get(event.id)
        if reading is not None:
            description += f"\n\nReading: {reading.stance} ({reading.rule})"
        if event.countries:
            description += "\nCountries: " + ", ".join(event.countries)
        if description.strip():
            yield fold(f"DESCRIPTION:{escape_text(description.strip())}")
        url = next((u for s in event.sources if (u := safe_url(s.url))), "")
        if url:
            yield fold(f"URL:{url}")
        if event.tags:
            yield fold("CATEGORIES:" + ",".join(escape_text(t) for t in event.tags))
        yield fold(f"STATUS:{STATUS[event.status]}")
        yield fold("TRANSP:TRANSPARENT")
        yield fold("END:VEVENT")
    yield fold("END:VCALENDAR")
