"""What a read of the index selects: the WHERE clause of a pre-selection, and the rows of an
id-only answer (checked against their column checksums).

Pure: values in, values out; the database is index.py's.
"""

from __future__ import annotations

from typing import NamedTuple

from orbitwatch.model.event import Prefilter
from orbitwatch.timeline.integrity import QUERY_COLUMNS, Damaged, column_checksum

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


ID_ROW_SELECT = f"SELECT path, csum, {', '.join(QUERY_COLUMNS)} FROM events"


def id_rows(rows: list[tuple[object, ...]]) -> list[IdRow]:
    """IdRows of (path, csum, *query columns) rows, each checked against its column checksum
    (Damaged when one fails: the row is not the one written)."""
    found = []
    at = {name: position for position, name in enumerate(QUERY_COLUMNS, 2)}
    for row in rows:
        path, stored = row[0], row[1]
        if type(path) is not str or column_checksum(path, row[2:]) != stored:
            raise Damaged("a row's csum fails")
        found.append(
            IdRow(
                path,
                str(row[at["id"]]),
                int(str(row[at["first_day"]])),
                int(str(row[at["date_precision"]])),
                str(row[at["tags_folded"]]),
            )
        )
    return found
