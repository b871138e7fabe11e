"""Machine formats for events and signals: json, jsonl, csv, ids, plain tab-separated lines.

Generators of text; each is a contract carrying a schema_version (see docs/formats).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from orbitwatch.render.text import escape_controls, json_safe, one_line

if TYPE_CHECKING:
    from orbitwatch.model.event import Event, Reading

SCHEMA_VERSION = 2  # 2: readings per country, acts, origin analyst|act|rule
CSV_FIELDS = (
    "id", "date", "end", "title", "summary", "countries", "actors", "tags", "status",
    "source_titles", "source_publishers", "source_urls", "source_authors", "source_dates",
    "signal_stance", "signal_weight", "signal_note", "warn", "stance", "weight", "rules", "path",
    "acts", "country_signals", "sources",
)  # fmt: skip


def reading_dict(reading: Reading | None) -> dict[str, object] | None:
    """The event's reading summed up (stance 'mixed' when its countries read differently)."""
    if reading is None:
        return None
    return {
        "stance": reading.stance,
        "weight": reading.weight,
        "rule": reading.rule,
        "rules": list(reading.rules),
        "origin": reading.origin,
    }


def readings_list(event: Event, reading: Reading | None) -> list[dict[str, object]]:
    """One entry per (country, reading): what scores each listed country."""
    if reading is None:
        return []
    return [
        {
            "country": country,
            "stance": own.stance,
            "weight": own.weight,
            "origin": own.origin,
            "source": own.rule,
        }
        for country in event.countries
        if (own := reading.for_country(country)) is not None
    ]


def acts_list(event: Event) -> list[dict[str, object]]:
    return [
        {"by": list(act.by), "act": act.code or act.act, "to": list(act.to), "note": act.note}
        for act in event.acts
    ]


def signal_dict(event: Event) -> dict[str, object] | None:
    """The analyst's readings as the file writes them: [signal] keys and [signal.XX] tables."""
    found: dict[str, object] = {}
    if event.signal is not None:
        found.update(stance=event.signal.stance, weight=event.signal.weight, note=event.signal.note)
    for own in event.country_signals:
        found[own.country] = {"stance": own.stance, "weight": own.weight, "note": own.note}
    return found or None


def event_dict(event: Event, reading: Reading | None) -> dict[str, object]:
    return {
        "id": event.id,
        "date": event.date.iso(),
        "precision": event.date.precision_name,
        "end": event.end.iso() if event.end else None,
        "title": event.title,
        "summary": event.summary,
        "countries": list(event.countries),
        "actors": list(event.actors),
        "tags": list(event.tags),
        "status": event.status,
        "sources": [
            {
                "title": s.title,
                "publisher": s.publisher,
                "url": s.url,
                "author": s.author,
                "date": s.date.iso() if s.date else None,
            }
            for s in event.sources
        ],
        "signal": signal_dict(event),
        "acts": acts_list(event),
        "warn": list(event.warn) if event.warn else None,
        "reading": reading_dict(reading),
        "readings": readings_list(event, reading),
        "path": event.path,
    }


def events_json(events: Iterable[Event], reading_of: Mapping[str, Reading]) -> Iterator[str]:
    """One JSON document, streamed an event at a time."""
    yield f'{{"schema_version": {SCHEMA_VERSION}, "events": ['
    first = True
    for event in events:
        body = json_safe(
            json.dumps(event_dict(event, reading_of.get(event.id)), ensure_ascii=False)
        )
        yield ("\n  " if first else ",\n  ") + body
        first = False
    yield "\n]}\n" if not first else "]}\n"


def events_jsonl(events: Iterable[Event], reading_of: Mapping[str, Reading]) -> Iterator[str]:
    for event in events:
        record = {"schema_version": SCHEMA_VERSION, **event_dict(event, reading_of.get(event.id))}
        yield json_safe(json.dumps(record, ensure_ascii=False)) + "\n"


def safe_cell(value: str) -> str:
    """Controls made visible, and spreadsheet formulas neutralised: a cell starting with
    = + - @ tab or CR gets a leading quote."""
    value = escape_controls(value)
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def events_csv(events: Iterable[Event], reading_of: Mapping[str, Reading]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_FIELDS)
    yield flush()
    for event in events:
        reading = reading_of.get(event.id)
        row = [
            event.id, event.date.iso(), event.end.iso() if event.end else "", event.title,
            event.summary, ";".join(event.countries), ";".join(event.actors),
            ";".join(event.tags), event.status,
            ";".join(s.title for s in event.sources), ";".join(s.publisher for s in event.sources),
            ";".join(s.url for s in event.sources), ";".join(s.author for s in event.sources),
            ";".join(s.date.iso() if s.date else "" for s in event.sources),
            event.signal.stance if event.signal else "",
            str(event.signal.weight) if event.signal else "",
            event.signal.note if event.signal else "",
            ";".join(str(w) for w in event.warn) if event.warn else "",
            reading.stance if reading else "", str(reading.weight) if reading else "",
            ";".join(reading.rules) if reading else "", event.path,
            json.dumps(acts_list(event), ensure_ascii=False) if event.acts else "",
            json.dumps(
                {k: v for k, v in (signal_dict(event) or {}).items() if isinstance(v, dict)},
                ensure_ascii=False,
            ) if event.country_signals else "",
            json.dumps(event_dict(event, None)["sources"], ensure_ascii=False)
            if event.sources else "",
        ]  # fmt: skip
        writer.writerow([safe_cell(cell) for cell in row])
        yield flush()


def events_ids(events: Iterable[Event], reading_of: Mapping[str, Reading]) -> Iterator[str]:
    return ids_lines(event.id for event in events)


def ids_lines(ids: Iterable[str]) -> Iterator[str]:
    """One id a line."""
    for event_id in ids:
        yield one_line(event_id) + "\n"


def events_plain(events: Iterable[Event], reading_of: Mapping[str, Reading]) -> Iterator[str]:
    """Tab-separated: date, id, countries, status, stance, rule, title (one event a line)."""
    for event in events:
        reading = reading_of.get(event.id)
        cells = [
            event.date_range_iso(), event.id, ",".join(event.countries), event.status,
            reading.stance if reading else "-", reading.rule if reading else "-", event.title,
        ]  # fmt: skip
        yield "\t".join(one_line(cell) for cell in cells) + "\n"


LIST_FORMATS = {
    "plain": events_plain,
    "json": events_json,
    "jsonl": events_jsonl,
    "csv": events_csv,
    "ids": events_ids,
}
