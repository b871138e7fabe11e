"""What one index row holds: its columns, made from a parse result, bound by checksums.

Pure: values in, values out; the database is index.py's.
"""

from __future__ import annotations

from orbitwatch.model.event import Event
from orbitwatch.query import sql as querysql
from orbitwatch.timeline.integrity import QUERY_COLUMNS, checksum, column_checksum
from orbitwatch.timeline.records import packed
from orbitwatch.timeline.selection import ID_COLUMNS, StatKey

_NO_EVENT = ("", 0, 0, 0, "", querysql.SEP, querysql.SEP, querysql.SEP, querysql.SEP, "", "")


def row_for(
    path: str, key: StatKey, event: Event | None, blob: bytes, content: str = ""
) -> tuple[object, ...]:
    """The index row of one file: its record (packed), bound by the checksum to its content
    key (records.content_key; "" unread), and querysql's columns (ok = 0: no event) with
    their checksums: csum over all of them, isum over the few an id-only answer reads."""
    stored = packed(blob)
    if event is None:
        columns: tuple[object, ...] = (*_NO_EVENT, None, None, None)
    else:
        columns = querysql.event_row(event)
    csum = column_checksum(path, columns[: len(QUERY_COLUMNS)])
    at = {name: position for position, name in enumerate(QUERY_COLUMNS)}
    isum = column_checksum(path, [columns[at[name]] for name in ID_COLUMNS])
    ok = int(event is not None)
    return (
        path,
        key,
        ok,
        content,
        checksum(path, key, ok, content, stored),
        stored,
        *columns,
        csum,
        isum,
    )
