"""An index of parsed event files in the user's cache folder (SQLite), so warm runs skip parsing.

One database per timeline, keyed by its absolute path. Each file's entry is keyed by
(size, mtime_ns, ctime_ns, inode): a changed file never matches and is parsed again. Entries
are rows of querysql's `events` table, so a query compiled to SQL pre-selects the events a
filtered `list` builds. Any trouble with the database (corrupt, locked,
foreign version, unwritable folder) means no index, never an error and never stale data.
Also the compact record form of a parse result, shared with the worker processes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import os
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orbitwatch import __version__
from orbitwatch.model.errors import Problem
from orbitwatch.model.event import (
    Act,
    Event,
    PartialDate,
    Precision,
    Prefilter,
    SignalOverride,
    Source,
)
from orbitwatch.query import sql as querysql

if TYPE_CHECKING:
    import sqlite3

SCHEMA_BASE = f"orbitwatch-index-4-{__version__}"
# The modules whose code decides what a parse result is: any change to them (even without a
# version bump, as in a development checkout) makes a new schema, so no old result is served.
PARSING_MODULES = (
    "model/acts.py",
    "model/alert.py",
    "text/chars.py",
    "timeline/check.py",
    "model/countries.py",
    "model/dates.py",
    "timeline/index.py",
    "timeline/load.py",
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
    folder = Path(__file__).parent.parent  # the orbitwatch package
    for name in PARSING_MODULES:
        try:
            digest.update((folder / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    return f"{SCHEMA_BASE}-{digest.hexdigest()[:12]}"


StatKey = str  # "size:mtime_ns:ctime_ns:inode", compared as text
PRECISIONS = (Precision.DAY, Precision.MONTH, Precision.YEAR)
_from_ordinal = dt.date.fromordinal


# -- records: parse results as plain tuples (fast to marshal, fast to rebuild) --------------


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


# -- the database ---------------------------------------------------------------------------


def index_path(root: Path) -> Path:
    import platformdirs

    key = hashlib.sha256(os.path.abspath(root).encode("utf-8", "surrogateescape")).hexdigest()
    folder = Path(platformdirs.user_cache_dir("orbitwatch", appauthor=False)) / "index"
    return folder / f"{key[:24]}.sqlite"


class Index:
    """Open with Index.open(root, settings_hash); None when no usable index can be had."""

    def __init__(self, connection: sqlite3.Connection):
        self.db = connection
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
        for attempt in range(2):
            db = None
            try:
                db = sqlite3.connect(path, timeout=5.0, isolation_level=None)
                index = cls(db)
                if index._prepare(os.path.abspath(root), settings_hash):
                    return index
                db.close()
            except sqlite3.OperationalError as exc:
                if db is not None:
                    db.close()
                if "locked" in str(exc) or "busy" in str(exc):
                    return None  # another run is busy with it: no index this time, no harm
            except sqlite3.DatabaseError:
                if db is not None:
                    db.close()
            if attempt == 0:  # corrupt or foreign: rebuild once from nothing
                for suffix in ("", "-journal", "-wal", "-shm"):
                    try:
                        os.unlink(f"{path}{suffix}")
                    except OSError:
                        pass
        return None

    def _prepare(self, root: str, settings_hash: str) -> bool:
        db = self.db
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA journal_size_limit = 67108864")  # a log left behind: at most 64 MiB
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("PRAGMA case_sensitive_like = ON")  # standard LIKE (id globs are exact)
        db.execute(
            "CREATE TABLE IF NOT EXISTS events (position INTEGER PRIMARY KEY, "
            f"path TEXT UNIQUE NOT NULL, stat TEXT, ok INTEGER, record BLOB, {querysql.COLUMNS})"
        )
        db.execute("CREATE INDEX IF NOT EXISTS events_id ON events (id, ok)")  # covers twins
        db.execute("CREATE INDEX IF NOT EXISTS events_failed ON events (path) WHERE ok = 0")
        db.execute(
            "CREATE TABLE IF NOT EXISTS marks (path TEXT, stat TEXT, event_id TEXT, "
            "country TEXT, position INTEGER, first_day INTEGER, middle INTEGER, "
            "date_precision INTEGER, status TEXT, warn TEXT, stance TEXT, weight INTEGER, "
            "rules TEXT, origin TEXT, note TEXT, source TEXT)"
        )
        db.execute("CREATE INDEX IF NOT EXISTS marks_path ON marks (path)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS snapshot "
            "(key TEXT PRIMARY KEY, base TEXT, marks BLOB, files BLOB)"
        )
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        current = schema()
        if meta.get("schema") not in (None, current) or meta.get("root") not in (None, root):
            return False  # another version's or another timeline's index
        if meta.get("settings") != settings_hash:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM events")
            db.execute("DELETE FROM meta WHERE key = 'tree'")
            db.execute("DELETE FROM marks")
            db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [("schema", current), ("root", root), ("settings", settings_hash)],
            )
            db.execute("COMMIT")
        return True

    def signature(self) -> str | None:
        """The tree signature (freshness.tree_signature) stored when the entries last matched the
        timeline's files one for one; any change to the entries removes it."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'tree'").fetchone()
        return None if row is None else str(row[0])

    def set_signature(self, signature: str) -> None:
        self._best_effort(("INSERT OR REPLACE INTO meta VALUES ('tree', ?)", [(signature,)]))

    def snapshot(self, key: str) -> bytes | None:
        """The marks of the whole timeline stored under this key (markload.py), or None."""
        row = self.db.execute("SELECT marks FROM snapshot WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def snapshot_of(self, base: str) -> tuple[bytes, bytes] | None:
        """Both blobs of the newest snapshot made for these settings (`base`), whatever tree
        it was of."""
        row = self.db.execute(
            "SELECT marks, files FROM snapshot WHERE base = ?", (base,)
        ).fetchone()
        return None if row is None else (bytes(row[0]), bytes(row[1]))

    def put_snapshot(self, key: str, base: str, blobs: tuple[bytes, bytes]) -> None:
        """Keep one snapshot: the newest."""
        self._best_effort(
            ("DELETE FROM snapshot", [()]),
            ("INSERT INTO snapshot VALUES (?, ?, ?, ?)", [(key, base, *blobs)]),
        )

    def keys(self) -> dict[str, StatKey]:
        return dict(self.db.execute("SELECT path, stat FROM events"))

    def records(self, paths: set[str], prefilter: Prefilter | None) -> list[tuple[str, bytes]]:
        """(path, record) of the fresh entries that may pass the prefilter (problems always)."""
        where, params = _where(prefilter, self.readings_key())
        rows = self.db.execute(f"SELECT path, record FROM events WHERE {where}", params)
        return [(path, blob) for path, blob in rows if path in paths]

    def readings_key(self) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'readings'").fetchone()
        return None if row is None else str(row[0])

    def use_readings(self, readings_key: str) -> None:
        """Marks and the events' reading columns are kept for one readings key (the settings
        that produce readings, and the day when a rule's dates are relative); another key
        empties them."""
        import sqlite3

        if self.readings_key() != readings_key:
            try:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.execute("DELETE FROM marks")
                self.db.execute("UPDATE events SET stances = NULL, origins = NULL, rules = NULL")
                self.db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('readings', ?)", (readings_key,)
                )
                self.db.execute("COMMIT")
            except sqlite3.DatabaseError:
                self.db.execute("ROLLBACK")

    def marks(
        self, countries: Sequence[str] = (), paths: Sequence[str] | None = None
    ) -> list[tuple[Any, ...]]:
        """The stored marks of every entry (or of these paths) whose marks were made from its
        current parse; with countries, only theirs and each event's first mark."""
        where, params = "", list(countries)
        if countries:
            where = f" AND (m.position = 0 OR m.country IN ({','.join('?' for _ in params)}))"
        query = (
            "SELECT m.path, m.event_id, m.country, m.position, m.first_day, m.middle, "
            "m.date_precision, m.status, m.warn, m.stance, m.weight, m.rules, m.origin, "
            "m.note, m.source FROM marks m JOIN events f ON f.path = m.path AND f.stat = m.stat "
            "WHERE f.ok = 1" + where
        )
        if paths is None:
            return self.db.execute(query, params).fetchall()
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(paths), 500):  # SQLite's limit on parameters is 999 here
            chunk = paths[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            found += self.db.execute(f"{query} AND m.path IN ({marks})", [*params, *chunk])
        return found

    def ok_paths(self) -> dict[str, str]:
        """path -> stat of the entries that hold an event."""
        return dict(self.db.execute("SELECT path, stat FROM events WHERE ok = 1"))

    def records_at(self, paths: Iterable[str]) -> list[tuple[str, bytes]]:
        return [
            row
            for path in paths
            for row in self.db.execute("SELECT path, record FROM events WHERE path = ?", (path,))
        ]

    def records_of(self, event_id: str) -> list[tuple[str, bytes]]:
        return self.db.execute(
            "SELECT path, record FROM events WHERE id = ? AND ok = 1 ORDER BY path", (event_id,)
        ).fetchall()

    def put_marks(
        self,
        paths: Iterable[str],
        rows: Iterable[tuple[object, ...]],
        readings: Iterable[tuple[object, ...]] = (),
    ) -> None:
        """Replace the marks of these paths, and set events' reading columns from
        (stances, origins, rules, path, stat) rows (best effort, like update)."""
        self._best_effort(
            ("DELETE FROM marks WHERE path = ?", ((p,) for p in paths)),
            ("INSERT INTO marks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows),
            (
                "UPDATE events SET stances = ?, origins = ?, rules = ? WHERE path = ? AND stat = ?",
                readings,
            ),
        )

    def duplicate_ids(self) -> list[tuple[str, str]]:
        """(id, path) of every entry whose id another entry shares, in path order (asked
        once per run: the loader and the mark reader both need it)."""
        if self._twins is None:
            self._twins = self._duplicate_ids()
        return list(self._twins)

    def _duplicate_ids(self) -> list[tuple[str, str]]:
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
            ("DELETE FROM marks WHERE path = ?", gone),  # a deleted file's marks go with it
            (_INSERT, changed),
            ("INSERT INTO meta VALUES ('tree', ?)", [(signature,)] if signature else []),
        )

    def _best_effort(self, *steps: tuple[str, Iterable[Sequence[object]]]) -> bool:
        """Run the statements in one transaction; a busy or broken database rolls back
        (False)."""
        import sqlite3

        self._twins = None
        try:
            self.db.execute("BEGIN IMMEDIATE")
            for statement, rows in steps:
                self.db.executemany(statement, rows)
            self.db.execute("COMMIT")
            return True
        except sqlite3.DatabaseError:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.DatabaseError:
                pass
            return False

    def close(self) -> None:
        self._closer()


def _close(db: sqlite3.Connection) -> None:
    import sqlite3

    try:
        db.close()
    except sqlite3.DatabaseError:
        pass


_INSERT = (
    "INSERT OR REPLACE INTO events (path, stat, ok, record, id, first_day, last_day, "
    "date_precision, status, countries, tags_folded, actors_folded, sources_folded, "
    "title_folded, summary_folded, stances, origins, rules) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_NO_EVENT = ("", 0, 0, 0, "", querysql.SEP, querysql.SEP, querysql.SEP, querysql.SEP, "", "")


def row_for(path: str, key: StatKey, event: Event | None, blob: bytes) -> tuple[object, ...]:
    """The index row of one parsed file: the record blob and querysql's columns (a file
    without an event has ok = 0 and matches no query; its problems are always read)."""
    if event is None:
        return (path, key, 0, blob, *_NO_EVENT, None, None, None)
    return (path, key, 1, blob, *querysql.event_row(event))


def _where(prefilter: Prefilter | None, readings_key: str | None) -> tuple[str, list[object]]:
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
