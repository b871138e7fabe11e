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
ACTS = 15  # where an event record holds its acts (to_record)
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


def thinned(record: Any, acts_only: bool) -> tuple[Any, str | None]:
    """(the record to build, the id of its event or None): with acts_only, an event without
    acts is left out of the record (`check` builds only events with acts; of the others it
    needs the id alone, to count them and find duplicate ids)."""
    event_record, problem_records = record
    if event_record is None:
        return record, None
    event_id = event_record[0]
    if type(event_id) is not str:
        raise TypeError("an event id that is not text")
    if acts_only and not event_record[ACTS]:
        return (None, problem_records), event_id
    return record, event_id


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


def decoded_thin(
    stored: bytes, shown: str, acts_only: bool
) -> tuple[Event | None, list[Problem], str | None]:
    """decoded, with the event's id, and with acts_only the event built only when it has
    acts (thinned); Damaged when it does not decode."""
    try:
        record, event_id = thinned(marshal.loads(zlib.decompress(stored)), acts_only)
        return (*from_record(record, shown), event_id)
    except (ValueError, EOFError, TypeError, IndexError, KeyError, OverflowError) as exc:
        raise Damaged(f"a record does not decode ({type(exc).__name__})") from None
    except zlib.error:
        raise Damaged("a record does not decode (zlib)") from None
