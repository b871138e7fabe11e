"""The whole timeline's marks as one snapshot (a marshal blob the index keeps).

Columns, with each distinct reading and warn stored once; beside every mark its sort key and
the file it comes from, and beside every file the version its entry had (stat and content
key, index.ok_paths). A run of an unchanged timeline unpacks the marks and nothing else; a run
after some files changed keeps the marks of the files whose version is the same and reads only
the others again. Pure: no file, no index.
"""

from __future__ import annotations

import datetime as dt
import marshal
from collections.abc import Mapping, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any

from orbitwatch.model.event import Reading
from orbitwatch.signals.scoring import Mark

SortKey = tuple[int, int, str, int]  # (first day ordinal, date precision, event id, position)
Keyed = tuple[SortKey, Mark, str]  # (sort key, mark, the file's path below the root)
FORMAT = 1
by_key = itemgetter(0)


def pack(keyed: Sequence[Keyed], stats: Mapping[str, str]) -> tuple[bytes, bytes]:
    """(marks, files): the marks in their order; then each mark's sort key parts and file, and
    each file's stat key when it has one in `stats` (a file without one, parsed but not
    stored, is never taken as unchanged). A run of an unchanged timeline reads the first only."""
    readings: dict[Reading | None, int] = {None: 0}
    warns: dict[tuple[int, ...] | None, int] = {None: 0}
    files: dict[str, int] = {}
    columns: tuple[list[Any], ...] = ([], [], [], [], [], [], [])
    ids, countries, firsts, middles, statuses, reading_at, warn_at = columns
    precisions: list[int] = []
    positions: list[int] = []
    at: list[int] = []
    for (_, precision, _, position), mark, path in keyed:
        ids.append(mark.event_id)
        countries.append(mark.country)
        firsts.append(mark.first_day.toordinal())
        middles.append(mark.middle.toordinal())
        statuses.append(mark.status)
        reading_at.append(readings.setdefault(mark.reading, len(readings)))
        warn_at.append(warns.setdefault(mark.warn, len(warns)))
        precisions.append(precision)
        positions.append(position)
        at.append(files.setdefault(path, len(files)))
    shared = [
        (r.stance, r.weight, r.rules, r.origin, r.note, r.source) for r in readings if r is not None
    ]
    marks = marshal.dumps((FORMAT, columns, shared, [w for w in warns if w is not None]))
    file_stats = [stats.get(path) for path in files]
    return marks, marshal.dumps((FORMAT, precisions, positions, at, list(files), file_stats))


def _columns(blob: bytes) -> tuple[tuple[list[Any], ...], list[Mark]]:
    version, columns, shared, warns = marshal.loads(blob)
    if version != FORMAT:
        raise ValueError("another snapshot format")
    ids, countries, firsts, middles, statuses, reading_at, warn_at = columns
    day = {n: dt.date.fromordinal(n) for n in {*firsts, *middles}}.__getitem__
    reading = [None, *(Reading(*fields) for fields in shared)].__getitem__
    warn = [None, *warns].__getitem__
    marks = list(  # built by C loops: 150,000 marks in about 0.1 s
        map(
            tuple.__new__,
            repeat(Mark),
            zip(
                ids,
                countries,
                map(day, firsts),
                map(day, middles),
                statuses,
                map(reading, reading_at),
                map(warn, warn_at),
                strict=True,
            ),
        )
    )
    return columns, marks


def unpack_marks(blob: bytes) -> list[Mark]:
    """The marks alone, in their order (from the first blob of pack)."""
    return _columns(blob)[1]


def unpack_keyed(blobs: tuple[bytes, bytes]) -> tuple[list[Keyed], dict[str, str | None]]:
    """(sort key, mark, path) in order, and the stat key each file had (both blobs of pack)."""
    columns, marks = _columns(blobs[0])
    version, precisions, positions, at, files, file_stats = marshal.loads(blobs[1])
    if version != FORMAT or len(at) != len(marks):
        raise ValueError("another snapshot format")
    keys = zip(columns[2], precisions, columns[0], positions, strict=True)
    paths = map(files.__getitem__, at)
    return list(zip(keys, marks, paths, strict=True)), dict(zip(files, file_stats, strict=True))


def merged(kept: list[Keyed], more: list[Keyed]) -> list[Keyed]:
    """Both lists in sort-key order; `kept` is in order already (few more: inserted)."""
    import bisect

    if len(more) > 1000 or not kept:
        kept.extend(more)
        kept.sort(key=by_key)
        return kept
    for item in more:
        bisect.insort(kept, item, key=by_key)
    return kept
