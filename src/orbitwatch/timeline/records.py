"""The compact record form of a parse result (plain tuples: fast to marshal, fast to rebuild),
what the index stores and the worker processes hand back.

Pure: no file, no database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import zlib
from collections.abc import Sequence
from typing import Any

from orbitwatch.model.errors import Problem
from orbitwatch.model.event import (
    Act,
    Event,
    PartialDate,
    Precision,
    SignalOverride,
    Source,
)
from orbitwatch.timeline.integrity import Damaged

PRECISIONS = (Precision.DAY, Precision.MONTH, Precision.YEAR)
_from_ordinal = dt.date.fromordinal


def _date_record(date: PartialDate | None) -> tuple[int, int] | None:
    return None if date is None else (date.start.toordinal(), int(date.precision))


def _date(record: tuple[int, int] | None) -> PartialDate | None:
    return None if record is None else PartialDate(_from_ordinal(record[0]), PRECISIONS[record[1]])


def to_record(event: Event | None, problems: Sequence[Problem]) -> Any:
    event_record = None
    if event is not None:
        event_record = (
            event.id,
            event.path,
            event.line,
            _date_record(event.date),
            _date_record(event.end),
            event.title,
            event.summary,
            event.countries,
            event.actors,
            event.tags,
            event.status,
            tuple(
                (s.title, s.publisher, s.url, s.author, _date_record(s.date)) for s in event.sources
            ),
            (event.signal.stance, event.signal.weight, event.signal.note) if event.signal else None,
            event.warn,
            event.pinned_id,
            tuple((a.by, a.act, a.to, a.code, a.note) for a in event.acts),
            tuple((s.stance, s.weight, s.note, s.country) for s in event.country_signals),
        )
    problem_records = tuple(
        (p.line, p.col, p.message, p.severity, p.hint, p.field) for p in problems
    )
    return (event_record, problem_records)


def from_record(record: Any, shown: str) -> tuple[Event | None, list[Problem]]:
    """The Event (or None) and problems of a record; problems are shown as `shown`."""
    event_record, problem_records = record
    event = None
    if event_record is not None:
        (event_id, path, line, date, end, title, summary, countries, actors, tags, status,
         sources, signal, warn, pinned, acts, own_signals) = event_record  # fmt: skip
        start = PartialDate(_from_ordinal(date[0]), PRECISIONS[date[1]])
        event = Event(
            event_id, path, line, start, title, _date(end), summary, countries, actors,
            tags, status, tuple(Source(t, p, u, a, _date(d)) for t, p, u, a, d in sources),
            SignalOverride(*signal) if signal is not None else None, warn, pinned,
            tuple(Act(*act) for act in acts),
            tuple(SignalOverride(*own) for own in own_signals),
        )  # fmt: skip
    problems = [
        Problem(shown, line, col, message, severity, hint, field)
        for line, col, message, severity, hint, field in problem_records
    ]
    return event, problems


def dump(record: Any) -> bytes:
    return marshal.dumps(record)


def load(blob: bytes) -> Any:
    return marshal.loads(blob)


def content_key(data: bytes) -> str:
    """The key a record is stored under: the git blob id of the file's bytes (what
    `git hash-object` prints), so the same content has the same key in the working tree and
    in any commit."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def packed(blob: bytes) -> bytes:
    """A record blob as the index stores it: compressed (zlib's fastest level halves it, and
    the index stays under 3x the event files; a read costs about a microsecond more)."""
    return zlib.compress(blob, 1)


def decoded(stored: bytes, shown: str) -> tuple[Event | None, list[Problem]]:
    """from_record of a record as the index stores it; Damaged when it does not decode."""
    try:
        return from_record(marshal.loads(zlib.decompress(stored)), shown)
    except (ValueError, EOFError, TypeError, IndexError, KeyError, OverflowError) as exc:
        raise Damaged(f"a record does not decode ({type(exc).__name__})") from None
    except zlib.error:
        raise Damaged("a record does not decode (zlib)") from None
