"""Parse results of committed files taken from the index by content, so that a file's content
is parsed once for the working tree and for every revision (--known-at, diff, replay).

A record depends on the file's path (its id defaults to the file name), its bytes (keyed by
the git blob id, records.content_key) and the settings it was checked with (the tag
vocabulary, blocs and declared countries of orbit.toml). The index is kept for one orbit.toml
(the working tree's), so a revision reuses records only when its orbit.toml has the same
bytes; then each (path, blob) comes from the working tree's entry with that content key, else
from revision_records (records parsed from revisions, checked like the entries, emptied with
them when orbit.toml changes). Parsing is the loaders' (handed in).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from orbitwatch.files.walk import SETTINGS_FILE
from orbitwatch.git.revisions import RevisionListing, cat_blobs
from orbitwatch.model.errors import Problem
from orbitwatch.model.event import Event
from orbitwatch.timeline import index as cache
from orbitwatch.timeline.integrity import (
    checked,
    revision_checksum,
    verified,
    verified_revision_record,
)
from orbitwatch.timeline.records import content_key, decoded, dump, packed, to_record

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings

T = TypeVar("T")
Item = tuple[str, str]  # (path relative to the root, blob id)
Parsed = tuple["Event | None", list[Problem]]
BATCH = 5000  # records written per transaction


def settings_key(root: Path, settings_blob: str | None) -> str | None:
    """The settings hash the index is opened with (load.settings_hash) when the working
    tree's orbit.toml has the bytes of the revision's (blob id `settings_blob`, None when it
    has none); None when they differ, or when the cache is turned off (ORBIT_NO_CACHE)."""
    if os.environ.get("ORBIT_NO_CACHE", "") not in ("", "0"):
        return None
    try:
        data: bytes | None = (root / SETTINGS_FILE).read_bytes()
    except OSError:
        data = None
    same = settings_blob is None if data is None else settings_blob == content_key(data)
    return hashlib.sha256(data or b"").hexdigest() if same else None


def read_files(
    root: Path,
    listing: RevisionListing,
    label: str,
    index: cache.Index | None,
    settings_of: Callable[[bytes | None], tuple[Settings, list[Problem]]],
    parse: Callable[[list[tuple[str, bytes]], str, Path, Settings], list[Parsed]],
) -> tuple[Settings, list[Event], list[Problem], int]:
    """The settings, events (in path order, twins kept) and problems of a revision, and how
    many files were parsed: what the index holds is reused, the rest read with one cat-file
    (orbit.toml with them, read by `settings_of`) and parsed with `parse(items, label, root,
    settings)`."""
    found = cached(index, listing.events)
    missing = [item for item in listing.events if item not in found]
    names = [listing.settings] if listing.settings is not None else []
    contents = cat_blobs(root, names + [blob for _, blob in missing])
    settings, problems = settings_of(contents[0] if names else None)
    items = [(rel, data) for (rel, _), data in zip(missing, contents[len(names) :], strict=True)]
    fresh = dict(zip(missing, parse(items, label, root, settings), strict=True))
    store(index, missing, list(fresh.values()))
    events: list[Event] = []
    for item in listing.events:
        event, file_problems = fresh.get(item) or decoded(found[item], f"{label}:{item[0]}")
        problems.extend(file_problems)
        if event is not None:
            events.append(event)
    return settings, events, problems, len(missing)


def cached(index: cache.Index | None, items: Iterable[Item]) -> dict[Item, bytes]:
    """The stored record of each (path, blob) the index holds (the working tree's entry
    whose content key is that blob, else revision_records), each checked against its
    checksum; Damaged when one fails."""
    found: dict[Item, bytes] = {}
    if index is None:
        return found
    with checked():
        for path, content in items:
            row = index.db.execute(
                "SELECT path, stat, ok, content, sum, record FROM events WHERE path = ?", (path,)
            ).fetchone()
            if row is not None and row[3] == content:
                found[(path, content)] = verified([row])[0][1]
                continue
            row = index.db.execute(
                "SELECT path, content, sum, record FROM revision_records "
                "WHERE path = ? AND content = ?",
                (path, content),
            ).fetchone()
            if row is not None:
                found[(path, content)] = verified_revision_record(row)
    return found


def store(index: cache.Index | None, items: Sequence[Item], parsed: Sequence[Parsed]) -> None:
    """Keep the records parsed from a revision (best effort, in batches, like Index.update)."""
    if index is None:
        return
    rows: list[tuple[object, ...]] = []
    for (path, content), (event, problems) in zip(items, parsed, strict=True):
        record = packed(dump(to_record(event, problems)))
        rows.append((path, content, revision_checksum(path, content, record), record))
        if len(rows) >= BATCH:
            _write(index, rows)
            rows = []
    _write(index, rows)


def _write(index: cache.Index, rows: list[tuple[object, ...]]) -> None:
    if rows:  # the index's own best-effort transaction (a busy database keeps what it had)
        index._best_effort((_INSERT, rows))


_INSERT = "INSERT OR REPLACE INTO revision_records VALUES (?, ?, ?, ?)"
