"""An index of parsed event files in the user's cache folder (SQLite), so warm runs skip parsing.

One database per timeline, keyed by its absolute path. Each file's entry is keyed by
(size, mtime_ns, ctime_ns, inode): a changed file never matches and is parsed again. Entries
are rows of querysql's `events` table, so a query compiled to SQL pre-selects the events a
filtered `list` builds. The index is a copy, checked before it is believed: its key (schema,
orbit, Python and marshal versions) when opened, each entry's and each snapshot's checksum
when read. A foreign key means a new index; a damaged one (a checksum, a decode error, a
malformed database) raises Damaged, which the loaders answer by discarding the file and
rebuilding it from the event files. A busy or unwritable one means no index this time.
Also the compact record form of a parse result, shared with the worker processes.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import sys
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from orbitwatch import __version__
from orbitwatch.model.event import (
    Prefilter,
)
from orbitwatch.query import sql as querysql
from orbitwatch.timeline.integrity import (
    QUERY_COLUMNS,
    READING_COLUMNS,
    Damaged,
    check_columns,
    check_failed,
    checked,
    checked_snapshot,
    column_checksum,
    failed_digest,
    failed_now,
    snapshot_checksum,
    verified,
)
from orbitwatch.timeline.selection import ID_ROW_SELECT, IdRow, StatKey, id_rows, where_clause

if TYPE_CHECKING:
    import sqlite3

SCHEMA_BASE = f"orbitwatch-index-6-{__version__}"
# What else a stored record depends on: the interpreter that wrote it and marshal's format.
# Kept in meta too, so that an index written by another Python is rebuilt, never decoded.
KEY_PARTS = {"python": sys.version, "marshal": str(marshal.version)}
PAGE_SIZE = 8192  # rows of about 1.2 KB left a quarter of each 4 KiB page empty
# The modules whose code decides what a parse result is: any change to them (even without a
# version bump, as in a development checkout) makes a new schema, so no old result is served.
PARSING_MODULES = (
    "model/acts.py",
    "model/alert.py",
    "text/chars.py",
    "timeline/check.py",
    "timeline/committed.py",
    "model/countries.py",
    "model/dates.py",
    "timeline/index.py",
    "timeline/integrity.py",
    "timeline/load.py",
    "timeline/parsing.py",
    "timeline/records.py",
    "timeline/rows.py",
    "timeline/selection.py",
    "model/event.py",
    "model/schema.py",
    "config/settings.py",
    "config/inhibit.py",
    "query/language.py",
    "query/sql.py",
    "text/tomlpos.py",
)


def schema() -> str:
    digest = hashlib.sha256(SCHEMA_BASE.encode())
    for part in KEY_PARTS.values():
        digest.update(part.encode())
    folder = Path(__file__).parent.parent  # the orbitwatch package
    for name in PARSING_MODULES:
        try:
            digest.update((folder / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    return f"{SCHEMA_BASE}-{digest.hexdigest()[:12]}"


_VERSION = "stat || char(31) || content"  # what one parse of one file is known by


# -- the database ---------------------------------------------------------------------------


def index_path(root: Path) -> Path:
    import platformdirs

    key = hashlib.sha256(os.path.abspath(root).encode("utf-8", "surrogateescape")).hexdigest()
    folder = Path(platformdirs.user_cache_dir("orbitwatch", appauthor=False)) / "index"
    return folder / f"{key[:24]}.sqlite"


TABLES = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID",
    "CREATE TABLE events (position INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, stat TEXT, "
    f"ok INTEGER, content TEXT, sum INTEGER, record BLOB, {querysql.COLUMNS}, csum INTEGER, "
    "rsum INTEGER, isum INTEGER)",
    "CREATE INDEX events_id ON events (id, ok)",  # covers twins
    "CREATE INDEX events_failed ON events (path) WHERE ok = 0",
    "CREATE TABLE snapshot (key TEXT, base TEXT, sum INTEGER, marks BLOB, files BLOB)",  # one
    "CREATE TABLE revision_records (path TEXT, content TEXT, sum INTEGER, record BLOB, "
    "PRIMARY KEY (path, content)) WITHOUT ROWID",  # committed.py: records by content key
)


def discard(root: Path) -> None:
    """Remove the index of a timeline (a damaged one), its log and journal with it."""
    path = index_path(root)
    for suffix in ("", "-journal", "-wal", "-shm"):
        try:
            os.unlink(f"{path}{suffix}")
        except OSError:
            pass


class Index:
    """Open with Index.open(root, settings_hash); None when no usable index can be had.

    `damage` says why the file found was discarded and a new index begun (None when it was
    sound, foreign or absent): a loader says so once."""

    def __init__(self, connection: sqlite3.Connection):
        self.db = connection
        self.damage: str | None = None
        self.failed: set[str] = set()  # the failed entries the last records() checked
        self._twins: list[tuple[str, str]] | None = None
        # Closed when closed, when dropped, or at the latest when the program ends (an index
        # a view keeps for later is never closed by hand): SQLite then folds its write-ahead
        # log back in, which an unclosed connection leaves behind (250 MB after a 100k run).
        self._closer = weakref.finalize(self, _close, connection)

    @classmethod
    def open(cls, root: Path, settings_hash: str) -> Index | None:
        import sqlite3

        try:
            path = index_path(root)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError:
            return None
        damage = None
        for attempt in range(2):
            db = None
            try:
                db = sqlite3.connect(path, timeout=5.0, isolation_level=None)
                index = cls(db)
                if index._prepare(os.path.abspath(root), settings_hash):
                    index.damage = damage
                    return index
                db.close()
            except sqlite3.OperationalError as exc:
                if db is not None:
                    db.close()
                if "locked" in str(exc) or "busy" in str(exc):
                    return None  # another run is busy with it: no index this time, no harm
                damage = f"the database cannot be read: {exc}"
            except (sqlite3.DatabaseError, Damaged, UnicodeDecodeError) as exc:
                if db is not None:
                    db.close()
                damage = str(exc) if isinstance(exc, Damaged) else f"not a database: {exc}"
            if attempt == 0:  # damaged or foreign: rebuild once from nothing
                discard(root)
        return None

    def _prepare(self, root: str, settings_hash: str) -> bool:
        """False for another version's or timeline's index; Damaged when tables are missing
        or not the ones this version makes."""
        db = self.db
        db.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # only a new database takes it
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA journal_size_limit = 67108864")  # a log left behind: at most 64 MiB
        db.execute("PRAGMA case_sensitive_like = ON")  # standard LIKE (id globs are exact)
        found = _tables(db)
        if not found:  # a new database: every table at once, so that no run sees half of them
            db.execute("BEGIN IMMEDIATE")
            if not _tables(db):
                for statement in TABLES:
                    db.execute(statement)
            db.execute("COMMIT")
            found = _tables(db)
        meta: dict[str, str] = {}
        if "meta" in found:
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        current = {"schema": schema(), **KEY_PARTS}
        if any(meta.get(name) not in (None, value) for name, value in current.items()):
            return False  # another version's index (orbit, Python or marshal)
        if meta.get("root") not in (None, root):
            return False  # another timeline's
        if found != _expected_tables():
            raise Damaged("its tables are not the ones orbit makes")
        if meta.get("settings") != settings_hash:
            db.execute("BEGIN IMMEDIATE")
            for table in ("events", "snapshot", "revision_records", "meta"):
                db.execute(f"DELETE FROM {table}")
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [*current.items(), ("root", root), ("settings", settings_hash), EMPTY_FAILED],
            )
            db.execute("COMMIT")
        return True

    def signature(self) -> str | None:
        """The tree signature (freshness.tree_signature) stored when the entries last matched the
        timeline's files one for one; any change to the entries removes it."""
        with checked():
            row = self.db.execute("SELECT value FROM meta WHERE key = 'tree'").fetchone()
        return None if row is None else str(row[0])

    def set_signature(self, signature: str) -> None:
        self._best_effort(("INSERT OR REPLACE INTO meta VALUES ('tree', ?)", [(signature,)]))

    def plain_listing(self) -> str | None:
        """The digest of the last git answer found to list plain event files only
        (freshness.git_survey): the same answer needs no second look."""
        with checked():
            row = self.db.execute("SELECT value FROM meta WHERE key = 'plain'").fetchone()
        return None if row is None else str(row[0])

    def set_plain_listing(self, digest: str) -> None:
        self._best_effort(("INSERT OR REPLACE INTO meta VALUES ('plain', ?)", [(digest,)]))

    def snapshot(self, key: str) -> bytes | None:
        """The marks of the whole timeline stored under this key (markload.py), or None;
        Damaged when the snapshot fails its checksum."""
        with checked():
            row = self.db.execute(
                "SELECT key, base, sum, marks, files FROM snapshot WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else checked_snapshot(row)[0]

    def snapshot_of(self, base: str) -> tuple[bytes, bytes] | None:
        """Both blobs of the newest snapshot made for these settings (`base`), whatever tree
        it was of; Damaged when it fails its checksum."""
        with checked():
            row = self.db.execute(
                "SELECT key, base, sum, marks, files FROM snapshot WHERE base = ?", (base,)
            ).fetchone()
        return None if row is None else checked_snapshot(row)

    def put_snapshot(self, key: str, base: str, blobs: tuple[bytes, bytes]) -> None:
        """Keep one snapshot: the newest."""
        self._best_effort(
            ("DELETE FROM snapshot", [()]),
            (
                "INSERT INTO snapshot VALUES (?, ?, ?, ?, ?)",
                [(key, base, snapshot_checksum(key, base, blobs), *blobs)],
            ),
        )

    def entries(self) -> dict[str, tuple[StatKey, str]]:
        """path -> (stat, content key) of every entry (a damaged one is only parsed again)."""
        with checked():
            return {
                path: (key, content)
                for path, key, content in self.db.execute("SELECT path, stat, content FROM events")
            }

    def records(self, paths: set[str], prefilter: Prefilter | None) -> list[tuple[str, bytes]]:
        """(path, record) of the fresh entries that may pass the prefilter (problems always),
        each checked against its checksum; without a prefilter, every fresh path must have
        one (Damaged when not)."""
        where, params = where_clause(prefilter, self.readings_key())
        if prefilter is not None:  # rows the WHERE leaves out are never read: check its columns
            made = [(f"digest:{c}", value) for c, value in check_columns(self.db, where).items()]
            if made:
                self._best_effort(("INSERT OR REPLACE INTO meta VALUES (?, ?)", made))
        with checked():
            rows = self.db.execute(
                f"SELECT path, stat, ok, content, sum, record FROM events WHERE {where}", params
            ).fetchall()
        # every row is checked, not only the fresh ones: a damaged path would otherwise
        # make its row look like a stale one and drop it without a word
        found = [(path, record) for path, record in verified(rows) if path in paths]
        if prefilter is None and len(found) != len(paths):
            raise Damaged("entries are missing")
        self.failed = {row[0] for row in rows if row[2] == 0}  # every WHERE asks for them
        check_failed(self.db, self.failed)
        return found

    def id_rows(
        self, paths: set[str], prefilter: Prefilter
    ) -> tuple[list[IdRow], list[tuple[str, bytes]]]:
        """For a pre-selection that is exact: the fresh events it selects as IdRows (no record
        read), and (path, record) of every failed entry (their problems), checked as records()
        checks them."""
        where, params = where_clause(prefilter, self.readings_key())
        made = [(f"digest:{c}", value) for c, value in check_columns(self.db, where).items()]
        if made:
            self._best_effort(("INSERT OR REPLACE INTO meta VALUES (?, ?)", made))
        with checked():
            rows = self.db.execute(f"{ID_ROW_SELECT} WHERE ok = 1 AND ({where})", params)
            found = [row for row in id_rows(rows.fetchall()) if row.path in paths]
            failed = self.db.execute(
                "SELECT path, stat, ok, content, sum, record FROM events WHERE ok = 0"
            ).fetchall()
        self.failed = {row[0] for row in failed}
        check_failed(self.db, self.failed)
        return found, [(path, record) for path, record in verified(failed) if path in paths]

    def readings_key(self) -> str | None:
        with checked():
            row = self.db.execute("SELECT value FROM meta WHERE key = 'readings'").fetchone()
        return None if row is None else str(row[0])

    def use_readings(self, readings_key: str) -> None:
        """The events' reading columns are kept for one readings key (the settings that
        produce readings, and the day when a rule's dates are relative); another key empties
        them."""
        if self.readings_key() != readings_key:
            self._best_effort(
                (
                    "UPDATE events SET stances = NULL, origins = NULL, rules = NULL, rsum = NULL",
                    [()],
                ),
                ("INSERT OR REPLACE INTO meta VALUES ('readings', ?)", [(readings_key,)]),
                _FORGET_READINGS,
            )

    def ok_paths(self) -> dict[str, str]:
        """path -> version of the entries that hold an event: the stat and the content key
        (a stat too recent to trust is stored empty, so the content tells two such apart)."""
        with checked():
            return dict(self.db.execute(f"SELECT path, {_VERSION} FROM events WHERE ok = 1"))

    def records_at(self, paths: Iterable[str]) -> list[tuple[str, bytes]]:
        """(path, record) of these entries, checked; Damaged when one is missing."""
        found: list[tuple[str, bytes]] = []
        with checked():
            for path in paths:
                rows = self.db.execute(
                    "SELECT path, stat, ok, content, sum, record FROM events WHERE path = ?",
                    (path,),
                ).fetchall()
                if not rows:
                    raise Damaged("entries are missing")
                found += verified(rows)
        return found

    def records_of(self, event_id: str) -> list[tuple[str, bytes]]:
        with checked():
            rows = self.db.execute(
                "SELECT path, stat, ok, content, sum, record FROM events WHERE id = ? AND ok = 1 "
                "ORDER BY path",
                (event_id,),
            ).fetchall()
        return verified(rows)

    def put_readings(self, readings: Iterable[tuple[object, ...]]) -> None:
        """Set events' reading columns from (stances, origins, rules, path, version) rows
        (the version ok_paths gave; best effort, like update)."""
        self._best_effort(
            (
                "UPDATE events SET stances = ?, origins = ?, rules = ?, rsum = ? "
                f"WHERE path = ? AND {_VERSION} = ?",
                (
                    (*values, column_checksum(str(path), values), path, stat)
                    for *values, path, stat in readings
                ),
            ),
            _FORGET_READINGS,
        )

    def duplicate_ids(self) -> list[tuple[str, str]]:
        """(id, path) of every entry whose id another entry shares, in path order (asked
        once per run: the loader and the mark reader both need it)."""
        if self._twins is None:
            self._twins = self._duplicate_ids()
        return list(self._twins)

    def _duplicate_ids(self) -> list[tuple[str, str]]:
        with checked():
            return self.db.execute(
                "SELECT id, path FROM events WHERE id IN (SELECT id FROM events WHERE ok = 1 "
                "GROUP BY id HAVING COUNT(*) > 1) AND ok = 1 ORDER BY path"
            ).fetchall()

    def update(
        self,
        changed: Iterable[tuple[object, ...]],
        removed: Iterable[str],
        signature: str | None = None,
    ) -> bool:
        """Best effort: a busy or broken database just keeps what it had (False). The tree
        signature, when given, is stored with the entries: they match the tree then."""
        gone = [(p,) for p in removed]
        return self._best_effort(
            ("DELETE FROM meta WHERE key = 'tree'", [()]),
            ("DELETE FROM events WHERE path = ?", gone),
            (_INSERT, changed),
            ("INSERT INTO meta VALUES ('tree', ?)", [(signature,)] if signature else []),
            _FORGET_QUERY,
            keep_failed=True,
        )

    def _best_effort(
        self, *steps: tuple[str, Iterable[Sequence[object]]], keep_failed: bool = False
    ) -> bool:
        """Run the statements in one transaction; a busy or broken database rolls back
        (False). With keep_failed, the digest of the failed entries is checked first and made
        again after (a run whose check fails raises Damaged)."""
        import sqlite3

        self._twins = None
        try:
            self.db.execute("BEGIN IMMEDIATE")
            if keep_failed:
                check_failed(self.db, None)
            for statement, rows in steps:
                self.db.executemany(statement, rows)
            if keep_failed:
                made = failed_now(self.db)
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('failed', ?)", (made,))
            self.db.execute("COMMIT")
            return True
        except (sqlite3.DatabaseError, Damaged) as exc:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.DatabaseError:
                pass
            if isinstance(exc, Damaged):
                raise
            return False

    def close(self) -> None:
        self._closer()


def _tables(db: sqlite3.Connection) -> dict[str, str]:
    return dict(db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"))


@functools.cache
def _expected_tables() -> dict[str, str]:
    """What sqlite_master holds for TABLES (as SQLite words it), from an empty database."""
    import sqlite3

    db = sqlite3.connect(":memory:")
    try:
        for statement in TABLES:
            db.execute(statement)
        return _tables(db)
    finally:
        db.close()


def _close(db: sqlite3.Connection) -> None:
    import sqlite3

    try:
        db.close()
    except sqlite3.DatabaseError:
        pass


_INSERT = (
    "INSERT OR REPLACE INTO events (path, stat, ok, content, sum, record, id, first_day, "
    "last_day, date_precision, status, countries, tags_folded, actors_folded, sources_folded, "
    "title_folded, summary_folded, stances, origins, rules, csum, isum) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# A write empties the digests of the columns it changes (integrity.check_columns).
_FORGET_QUERY = (
    "DELETE FROM meta WHERE key = ?",
    [(f"digest:{c}",) for c in (*QUERY_COLUMNS, *READING_COLUMNS)],
)
_FORGET_READINGS = ("DELETE FROM meta WHERE key = ?", [(f"digest:{c}",) for c in READING_COLUMNS])


EMPTY_FAILED = ("failed", failed_digest(()))
