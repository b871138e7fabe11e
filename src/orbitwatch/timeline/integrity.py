"""How the cache is checked: the checksums of index entries and of the marks' snapshot, and
Damaged, what a failed check raises (the loaders discard the index and rebuild it).

Pure functions over bytes the index already read; no database is opened here.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any


class Damaged(Exception):
    """The index failed a check (a checksum, a decode, the database itself): discard it."""


def checksum(path: str, key: str, ok: int, record: bytes) -> int:
    """An entry's checksum: CRC-32 over its record and what locates it (cheap next to the
    read of the record itself; a damaged entry is found, not forged ones)."""
    return zlib.crc32(
        f"{path}\x1e{key}\x1e{ok}".encode("utf-8", "surrogateescape"), zlib.crc32(record)
    )


def snapshot_checksum(key: str, base: str, blobs: tuple[bytes, bytes]) -> int:
    return zlib.crc32(f"{key}\x1e{base}".encode(), zlib.crc32(blobs[1], zlib.crc32(blobs[0])))


@contextmanager
def checked() -> Iterator[None]:
    """Reading the database: any error of the database itself is damage."""
    import sqlite3

    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise Damaged(f"the database cannot be read: {exc}") from None


def verified(rows: Iterable[tuple[str, str, int, int, bytes]]) -> list[tuple[str, bytes]]:
    """(path, record) of (path, stat, ok, sum, record) rows whose checksum holds; Damaged when
    one does not."""
    found = []
    for path, key, ok, stored, record in rows:
        if type(record) is not bytes or checksum(path, key, ok, record) != stored:
            raise Damaged("an entry fails its checksum")
        found.append((path, record))
    return found


def checked_snapshot(row: tuple[Any, ...]) -> tuple[bytes, bytes]:
    key, base, stored, marks, files = row
    if type(marks) is not bytes or type(files) is not bytes:
        raise Damaged("the marks' snapshot is not what orbit stores")
    if snapshot_checksum(str(key), str(base), (marks, files)) != stored:
        raise Damaged("the marks' snapshot fails its checksum")
    return marks, files
