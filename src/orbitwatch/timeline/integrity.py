"""How the cache is checked: the checksums of index entries and of the marks' snapshot, and
Damaged, what a failed check raises (the loaders discard the index and rebuild it).

Functions over bytes the index already read, and over a connection it hands in (the column
digests); no database is opened here.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3


class Damaged(Exception):
    """The index failed a check (a checksum, a decode, the database itself): discard it."""


def checksum(path: str, key: str, ok: int, content: str, record: bytes) -> int:
    """An entry's checksum: CRC-32 over its record, its content key and what locates it
    (cheap next to the read of the record itself; a damaged entry is found, not forged ones)."""
    return zlib.crc32(
        f"{path}\x1e{key}\x1e{ok}\x1e{content}".encode("utf-8", "surrogateescape"),
        zlib.crc32(record),
    )


def revision_checksum(path: str, content: str, record: bytes) -> int:
    """A revision record's checksum: its record bound to its path and content key."""
    return checksum(path, "revision", 0, content, record)


def verified_revision_record(row: tuple[Any, ...]) -> bytes:
    """The record of a (path, content, sum, record) row of revision_records; Damaged when it
    fails its checksum."""
    path, content, stored, record = row
    if type(record) is not bytes or revision_checksum(str(path), str(content), record) != stored:
        raise Damaged("a revision's record fails its checksum")
    return record


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
    except UnicodeDecodeError:  # text SQLite hands back that is not UTF-8
        raise Damaged("the database holds text that is not UTF-8") from None


def verified(rows: Iterable[tuple[str, str, int, str, int, bytes]]) -> list[tuple[str, bytes]]:
    """(path, record) of (path, stat, ok, content key, sum, record) rows whose checksum holds
    (the record is bound to its content key); Damaged when one does not."""
    found = []
    for path, key, ok, content, stored, record in rows:
        if type(record) is not bytes or checksum(path, key, ok, content, record) != stored:
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


# -- the query columns: what a pre-selection in SQL reads, and so may leave out ------------
# A row the SQL leaves out is never read, so its own checksum cannot speak for it: each
# column a WHERE reads has a digest of the whole column (in position order) in meta, checked
# before the pre-selection is believed. A write empties the digests of the columns it
# touches; the next pre-selection that needs one first checks every row's column checksum
# (csum over the query columns, rsum over the reading columns), then stores it again.
QUERY_COLUMNS = (
    "id",
    "first_day",
    "last_day",
    "date_precision",
    "status",
    "countries",
    "tags_folded",
    "actors_folded",
    "sources_folded",
    "title_folded",
    "summary_folded",
)
READING_COLUMNS = ("stances", "origins", "rules")
DIGESTED = (*QUERY_COLUMNS, *READING_COLUMNS)
_NAMES = re.compile(r"\b(" + "|".join(DIGESTED) + r")\b")


def column_checksum(path: str, values: Sequence[object]) -> int | None:
    """csum (query columns) or rsum (reading columns) of a row; None when all are NULL."""
    if all(value is None for value in values):
        return None
    text = "\x1e".join(["\x1d" if v is None else str(v) for v in (path, *values)])
    return zlib.crc32(text.encode("utf-8", "surrogateescape"))


def columns_read(where: str) -> list[str]:
    """The digested columns a WHERE clause reads."""
    return sorted(set(_NAMES.findall(where)))


def digests(db: sqlite3.Connection, columns: Sequence[str]) -> dict[str, int]:
    """One CRC-32 per column over its values in position order (NULL as \\x1d)."""
    if not columns:
        return {}
    parts = ", ".join(f"group_concat(ifnull({c}, char(29)), char(30))" for c in columns)
    inner = ", ".join(columns)
    with checked():
        # The table itself, never an index that covers the column: a row lost from the
        # table (a damaged page) must change the digest.
        row = db.execute(
            f"SELECT {parts} FROM (SELECT {inner} FROM events NOT INDEXED ORDER BY position)"
        )
        values = row.fetchone()
    return {
        c: zlib.crc32((v or "").encode("utf-8", "surrogateescape"))
        for c, v in zip(columns, values, strict=True)
    }


def stored_digests(db: sqlite3.Connection) -> dict[str, int]:
    with checked():
        rows = db.execute("SELECT key, value FROM meta WHERE key LIKE 'digest:%'").fetchall()
    try:
        return {key[len("digest:") :]: int(value) for key, value in rows}
    except (TypeError, ValueError):
        raise Damaged("a column digest is not a number") from None


def check_rows(db: sqlite3.Connection, columns: Sequence[str]) -> None:
    """Every row's column checksums for these columns; Damaged at the first that fails."""
    for group, sum_column in ((QUERY_COLUMNS, "csum"), (READING_COLUMNS, "rsum")):
        if not set(group) & set(columns):
            continue
        with checked():
            rows = db.execute(f"SELECT path, {sum_column}, {', '.join(group)} FROM events")
            for path, stored, *values in rows:
                if column_checksum(path, values) != stored:
                    raise Damaged(f"a row's {sum_column} fails")


def check_columns(db: sqlite3.Connection, where: str) -> dict[str, int]:
    """Damaged unless every column the WHERE reads is the one written; the digests to store
    again (those that were missing, made after every row was checked)."""
    wanted = columns_read(where)
    stored = stored_digests(db)
    if not wanted:
        return {}
    missing = [c for c in wanted if c not in stored]
    if missing:
        check_rows(db, missing)
    now = digests(db, wanted)
    for column in wanted:
        if column in stored and stored[column] != now[column]:
            raise Damaged(f"the column {column} is not the one written")
    return {c: now[c] for c in missing}


# -- the failed entries: every read asks for them (`ok = 0 OR ...`), so a read that lost one
# would lose its problems. meta keeps a digest of their paths, made in every transaction
# that writes entries (after checking the one before it: both through the small partial
# index) and checked against the failed rows each read returns, at no extra scan.


def failed_digest(paths: Iterable[str]) -> int:
    return zlib.crc32("\x1e".join(sorted(paths)).encode("utf-8", "surrogateescape"))


def failed_now(db: sqlite3.Connection) -> int:
    with checked():
        return failed_digest(path for (path,) in db.execute("SELECT path FROM events WHERE ok = 0"))


def check_failed(db: sqlite3.Connection, failed: Iterable[str] | None) -> None:
    """Damaged unless these (None: the ones the index holds now) are the failed entries
    meta says the index holds."""
    with checked():
        row = db.execute("SELECT value FROM meta WHERE key = 'failed'").fetchone()
    now = failed_now(db) if failed is None else failed_digest(failed)
    if row is None or str(row[0]) != str(now):
        raise Damaged("the failed entries are not the ones written")
