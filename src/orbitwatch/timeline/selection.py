"""What a read of the index selects: the WHERE clause of a pre-selection, and the rows of an
id-only answer (checked against their column checksums).

Pure: values in, values out; the database is index.py's.
"""

from __future__ import annotations

from typing import NamedTuple

from orbitwatch.model.event import Prefilter
from orbitwatch.timeline.integrity import Damaged, column_checksum

StatKey = str  # "size:mtime_ns:ctime_ns:inode", compared as text ("" when not to be trusted)


def where_clause(prefilter: Prefilter | None, readings_key: str | None) -> tuple[str, list[object]]:
    if prefilter is None:
        return "1 = 1", []
    if prefilter.ids is not None and not prefilter.ids:
        return "ok = 0", []  # no event: the problems only
    clauses: list[str] = []
    params: list[object] = []
    if prefilter.ids is not None:
        clauses.append("id IN (" + ",".join("?" for _ in prefilter.ids) + ")")
        params.extend(sorted(prefilter.ids))
    if prefilter.read is not None and prefilter.read[0] == readings_key:
        clauses.append(prefilter.read[1])  # the readings held are the ones the query means
        params.extend(prefilter.read[2])
    elif prefilter.where is not None:
        clauses.append(prefilter.where[0])
        params.extend(prefilter.where[1])
    if not clauses:
        return "1 = 1", []
    return "ok = 0 OR (" + " AND ".join(f"({c})" for c in clauses) + ")", params


class IdRow(NamedTuple):
    """What an id-only answer needs of an event the index holds: its sort key's parts and its
    tags (casefolded, between separators), never its record."""

    path: str
    id: str
    first_day: int  # the ordinal of its first day
    precision: int
    tags_folded: str


# What an id-only answer reads of a row, checked by the row's own narrow checksum (isum),
# so that the long text columns are never fetched.
ID_COLUMNS = ("id", "first_day", "date_precision", "tags_folded")
ID_ROW_SELECT = f"SELECT path, isum, {', '.join(ID_COLUMNS)} FROM events"


def id_rows(rows: list[tuple[object, ...]]) -> list[IdRow]:
    """IdRows of (path, isum, id, first_day, date_precision, tags_folded) rows, each checked
    against its checksum (Damaged when one fails: the row is not the one written)."""
    found = []
    for path, stored, event_id, first_day, precision, tags in rows:
        if (
            type(path) is not str
            or column_checksum(path, (event_id, first_day, precision, tags)) != stored
        ):
            raise Damaged("a row's isum fails")
        found.append(
            IdRow(path, str(event_id), int(str(first_day)), int(str(precision)), str(tags))
        )
    return found
