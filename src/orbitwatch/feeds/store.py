"""A feed store on disk: its layout, its manifest, its lock, and the all-or-nothing commit of
one input file's rows. Reads and writes files only; DuckDB queries live in ingest.py.

The store contract (docs/feeds.md repeats it; the scoring side relies on it exactly):

  <store>/rows/month=YYYY-MM/*.parquet   the rows, hive-partitioned by month
  <store>/manifest.json                  every imported input file (written atomically)
  <store>.lock                           beside the store: flock held by import and update
  <store>/.tmp-*                         an import in progress (removed or finished on the next run)

Columns of every Parquet file, in this order (the partition column `month` is not in the
files; DuckDB adds it with hive_partitioning, as VARCHAR 'YYYY-MM'):
  source VARCHAR ('gdelt2', 'gdelt1', 'icews'), event_id VARCHAR, day DATE,
  actor1 VARCHAR, actor2 VARCHAR (ISO alpha-2, or a bloc: EU, NATO, CSTO, EAEU, SCO, CIS;
  NULL when unmapped), actor1_raw VARCHAR, actor2_raw VARCHAR, cameo VARCHAR, root VARCHAR
  ('01'..'20', NULL when the source's root code is not one), goldstein DOUBLE,
  mentions INTEGER, sources INTEGER, articles INTEGER, url VARCHAR, story VARCHAR.
(source, event_id) is unique across the store.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from orbitwatch.files.atomic import atomic_write, fault_point, fsync_dir
from orbitwatch.files.lock import acquire, release
from orbitwatch.model.errors import OrbitError, Unusable

COLUMNS: tuple[tuple[str, str], ...] = (
    ("source", "VARCHAR"),
    ("event_id", "VARCHAR"),
    ("day", "DATE"),
    ("actor1", "VARCHAR"),
    ("actor2", "VARCHAR"),
    ("actor1_raw", "VARCHAR"),
    ("actor2_raw", "VARCHAR"),
    ("cameo", "VARCHAR"),
    ("root", "VARCHAR"),
    ("goldstein", "DOUBLE"),
    ("mentions", "INTEGER"),
    ("sources", "INTEGER"),
    ("articles", "INTEGER"),
    ("url", "VARCHAR"),
    ("story", "VARCHAR"),
)
COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in COLUMNS)
DEFAULT_FEED = "gdelt"
MANIFEST_VERSION = 1
TEMP_PREFIX = ".tmp-"
COMMIT_MARK = "COMMIT.json"


def default_store(name: str = DEFAULT_FEED) -> Path:
    """platformdirs' user data folder (XDG_DATA_HOME on Linux)/orbitwatch/feeds/NAME."""
    import platformdirs

    return Path(platformdirs.user_data_dir("orbitwatch", appauthor=False)) / "feeds" / name


def rows_folder(store: Path) -> Path:
    return store / "rows"


def months(store: Path) -> list[str]:
    """The months the store holds rows for, sorted ('2022-05', ...)."""
    folder = rows_folder(store)
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        if entry.name.startswith("month=") and any(entry.glob("*.parquet")):
            found.append(entry.name.removeprefix("month="))
    return sorted(found)


def rows_path(store: Path, first: str | None = None, last: str | None = None) -> str | list[str]:
    """What to hand DuckDB's (or Spark's) read_parquet, with hive_partitioning on.

    Without a range: the glob of every row file. With `first`/`last` months ('YYYY-MM',
    inclusive, either may be None): the list of the globs of the months in range that exist,
    so that only those are read (an empty list when none). A filter on `month` over the full
    glob prunes the same way in DuckDB."""
    if first is None and last is None:
        return str(rows_folder(store) / "month=*" / "*.parquet")
    chosen = [
        month
        for month in months(store)
        if (first is None or month >= first) and (last is None or month <= last)
    ]
    return [str(rows_folder(store) / f"month={month}" / "*.parquet") for month in chosen]


# -- the manifest ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportedFile:
    """One input file as the manifest records it."""

    name: str  # the file's base name (GDELT's file names carry their timestamp)
    size: int
    sha256: str
    source: str
    rows: int  # good rows read
    added: int  # rows new to the store
    bad: int  # rows that could not be used
    unmapped: int  # added rows with an actor that maps to nothing
    months: tuple[str, ...]
    imported_at: str
    files: tuple[str, ...] = ()  # the Parquet files it added, relative to the store

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "size": self.size,
            "sha256": self.sha256,
            "source": self.source,
            "rows": self.rows,
            "added": self.added,
            "bad": self.bad,
            "unmapped": self.unmapped,
            "months": list(self.months),
            "imported_at": self.imported_at,
            "files": list(self.files),
        }


@dataclass(frozen=True, slots=True)
class Manifest:
    files: tuple[ImportedFile, ...] = ()
    by_hash: dict[str, ImportedFile] = field(default_factory=dict, compare=False)

    def known(self, sha256: str) -> ImportedFile | None:
        return self.by_hash.get(sha256)

    def with_file(self, entry: ImportedFile) -> Manifest:
        files = (*self.files, entry)
        return Manifest(files, {f.sha256: f for f in files})


def manifest_path(store: Path) -> Path:
    return store / "manifest.json"


def load_manifest(store: Path) -> Manifest:
    path = manifest_path(store)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Manifest()
    except OSError as exc:
        raise OrbitError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        table = json.loads(data)
        entries = tuple(
            ImportedFile(
                name=str(item["name"]),
                size=int(item["size"]),
                sha256=str(item["sha256"]),
                source=str(item["source"]),
                rows=int(item["rows"]),
                added=int(item["added"]),
                bad=int(item["bad"]),
                unmapped=int(item["unmapped"]),
                months=tuple(str(m) for m in item["months"]),
                imported_at=str(item["imported_at"]),
                files=tuple(str(f) for f in item.get("files", ())),
            )
            for item in table["files"]
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise Unusable(
            f"{path}: the feed store's manifest is unreadable ({exc})",
            hint="It records which files were imported. Restore it from a backup, or move the "
            "store away and import again.",
        ) from None
    return Manifest(entries, {f.sha256: f for f in entries})


def save_manifest(store: Path, manifest: Manifest) -> None:
    body = {
        "schema_version": MANIFEST_VERSION,
        "files": [entry.to_json() for entry in manifest.files],
    }
    atomic_write(manifest_path(store), (json.dumps(body, indent=1) + "\n").encode())


# -- the lock --------------------------------------------------------------------------------


class StoreLock:
    """An exclusive flock on <store>.lock (never deleted): one import or update at a time."""

    def __init__(self, store: Path, wait: float = 0.0):
        self.path = store.with_name(store.name + ".lock")
        self.wait = wait
        self.fd: int | None = None

    def __enter__(self) -> StoreLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(
                self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644
            )
        except OSError as exc:
            raise OrbitError(f"cannot open {self.path}: {exc.strerror or exc}") from None
        opened, self.fd = self.fd, None  # acquire closes it when the lock is busy
        self.fd = acquire(
            opened,
            self.wait,
            f"another orbit feed import or update holds {self.path}; try again later",
        )
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        if self.fd is not None:
            release(self.fd)
            self.fd = None


# -- the all-or-nothing commit ---------------------------------------------------------------


def new_temp(store: Path) -> Path:
    """A fresh work folder inside the store (same file system: renames are atomic)."""
    import secrets

    store.mkdir(parents=True, exist_ok=True)
    folder = store / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir()
    return folder


def commit(store: Path, temp: Path, moves: list[tuple[str, str]], entry: ImportedFile) -> None:
    """Move the staged files (temp-relative -> store-relative) into place, then record the
    input file in the manifest, then drop the temp folder.

    The list of moves and the manifest entry are written to temp/COMMIT.json first (fsynced):
    from then on the import happens, even if the process dies here; the next run finishes it
    (recover). Before that point a killed import leaves nothing but a temp folder to delete."""
    mark = {"moves": moves, "entry": entry.to_json()}
    atomic_write(temp / COMMIT_MARK, json.dumps(mark).encode())
    fault_point("feed-committed")
    _finish(store, temp, moves, entry)


def _finish(store: Path, temp: Path, moves: list[tuple[str, str]], entry: ImportedFile) -> None:

    for index, (staged, final) in enumerate(moves):
        source, target = temp / staged, store / final
        if source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
            fsync_dir(target.parent)
        if index == 0:
            fault_point("feed-moving")
    manifest = load_manifest(store)
    if manifest.known(entry.sha256) is None:
        save_manifest(store, manifest.with_file(entry))
    shutil.rmtree(temp, ignore_errors=True)


def recover(store: Path) -> list[str]:
    """Deal with the work folders a killed run left: finish a committed import, delete the
    rest. Returns what was done, one line each (for a warning)."""
    done: list[str] = []
    if not store.is_dir():
        return done
    for temp in sorted(store.glob(f"{TEMP_PREFIX}*")):
        mark = temp / COMMIT_MARK
        if mark.exists():
            try:
                table = json.loads(mark.read_bytes())
                item = table["entry"]
                entry = ImportedFile(
                    name=item["name"],
                    size=item["size"],
                    sha256=item["sha256"],
                    source=item["source"],
                    rows=item["rows"],
                    added=item["added"],
                    bad=item["bad"],
                    unmapped=item["unmapped"],
                    months=tuple(item["months"]),
                    imported_at=item["imported_at"],
                    files=tuple(item["files"]),
                )
                moves = [(str(a), str(b)) for a, b in table["moves"]]
            except (ValueError, KeyError, TypeError):
                shutil.rmtree(temp, ignore_errors=True)
                done.append(f"removed an unreadable interrupted import ({temp.name})")
                continue
            _finish(store, temp, moves, entry)
            done.append(f"finished the interrupted import of {entry.name}")
        else:
            shutil.rmtree(temp, ignore_errors=True)
            done.append(f"removed an unfinished import ({temp.name})")
    return done


def now_text() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
