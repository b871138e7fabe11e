"""`orbit feed import`'s work: one input file at a time into the store, streamed by DuckDB,
idempotent on (source, event_id), all or nothing per file. Returns reports; never prints.

Per file: hash it (a file already in the manifest adds nothing), unzip it to the store's work
folder when zipped, read it with DuckDB's read_csv (bad rows go to a rejects table with their
line numbers), write the rows month-partitioned to the work folder, then per month drop the
rows the store already holds (anti-join on source and event_id against that month's files)
and duplicates within the file, and commit (store.commit). Bad rows are skipped and reported;
the file's good rows are imported (the design's rule: skip invalid input, finish, exit 2).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orbitwatch.feeds import readers, store
from orbitwatch.files.atomic import fault_point
from orbitwatch.model.errors import OutputFailed

if TYPE_CHECKING:
    import duckdb

SHOWN_BAD_ROWS = 20  # per file; the count is always complete
MEMORY_LIMIT = "600MB"  # DuckDB's own cap (ORBIT_FEED_MEMORY overrides): see docs/feeds.md
Progress = Callable[[str, int, int], None]  # (file shown, bytes done, bytes in all)
Tick = Callable[[float], None]  # the share of the current file done, 0.0 to 1.0


@dataclass(frozen=True, slots=True)
class BadRow:
    path: str
    line: int
    message: str

    def render(self) -> str:
        return f"{self.path}:{self.line}: error: {self.message}"


@dataclass(frozen=True, slots=True)
class FileReport:
    """What importing one input file did."""

    path: str
    source: str = ""
    rows: int = 0  # good rows read
    added: int = 0  # new to the store
    duplicates: int = 0  # already in the store, or twice in the file
    bad: int = 0  # rows skipped as unusable
    unmapped: int = 0  # added rows with an actor that maps to nothing
    months: tuple[str, ...] = ()
    already: bool = False  # this very file (same SHA-256) was imported before
    error: str = ""  # the file could not be imported at all
    hint: str = ""
    bad_rows: tuple[BadRow, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "source": self.source or None,
            "status": "failed" if self.error else ("already" if self.already else "imported"),
            "rows": self.rows,
            "added": self.added,
            "duplicates": self.duplicates,
            "bad": self.bad,
            "unmapped": self.unmapped,
            "months": list(self.months),
            "error": self.error or None,
            "bad_rows": [
                {"path": b.path, "line": b.line, "message": b.message} for b in self.bad_rows
            ],
        }


@dataclass(frozen=True, slots=True)
class ImportReport:
    store: Path
    files: tuple[FileReport, ...]
    recovered: tuple[str, ...] = ()

    @property
    def trouble(self) -> bool:
        """Some input could not be used: a failed file or a bad row (exit 2)."""
        return any(f.error or f.bad for f in self.files)

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.files)

    def to_json(self) -> dict[str, object]:
        return {
            "schema_version": 1,
            "store": str(self.store),
            "files": [f.to_json() for f in self.files],
            "totals": {
                name: self.total(name)
                for name in ("rows", "added", "duplicates", "bad", "unmapped")
            },
        }


@dataclass(slots=True)
class _Staged:
    source: str
    rows: int
    bad_rows: list[BadRow] = field(default_factory=list)
    bad: int = 0


def sha256_of(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def is_zip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def connect(work: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a memory cap, spilling into the work folder."""
    import duckdb

    con = duckdb.connect(
        config={
            "memory_limit": os.environ.get("ORBIT_FEED_MEMORY", MEMORY_LIMIT),
            "preserve_insertion_order": False,
            "temp_directory": str(work / "spill"),
        }
    )
    # query_progress() needs the progress tracking; DuckDB itself prints nothing
    con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
    return con


def import_paths(
    store_dir: Path, paths: Sequence[Path], progress: Progress | None = None, wait: float = 0
) -> ImportReport:
    """Import each file in turn under the store's lock; a failed file does not stop the rest."""
    reports: list[FileReport] = []
    sizes = [_size(path) for path in paths]
    total = sum(sizes)
    with store.StoreLock(store_dir, wait):
        recovered = store.recover(store_dir)
        for index, path in enumerate(paths):
            done = sum(sizes[:index])
            tick: Tick | None = None
            if progress is not None:
                progress(str(path), done, total)
                tick = _file_tick(progress, str(path), done, sizes[index], total)
            reports.append(import_file(store_dir, path, str(path), tick))
        if progress is not None:
            progress("", total, total)
    return ImportReport(store_dir, tuple(reports), tuple(recovered))


def _file_tick(progress: Progress, shown: str, done: int, size: int, total: int) -> Tick:
    def tick(share: float) -> None:
        progress(shown, done + int(share * size), total)

    return tick


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def import_file(store_dir: Path, path: Path, shown: str, tick: Tick | None = None) -> FileReport:
    """One input file, all or nothing. The caller holds the store's lock.

    A file already in the manifest (same SHA-256) adds nothing. The hash is taken before
    anything else only when the manifest holds a file of the same size; otherwise it runs in
    a thread while DuckDB reads the file (hashlib and DuckDB both release the GIL)."""
    from concurrent.futures import Future, ThreadPoolExecutor

    manifest = store.load_manifest(store_dir)
    try:
        size = path.stat().st_size
        known_size = any(entry.size == size for entry in manifest.files)
        early = sha256_of(path)[1] if known_size else ""
    except OSError as exc:
        return FileReport(shown, error=f"{shown}: cannot read: {exc.strerror or exc}")
    previous = manifest.known(early) if early else None
    if previous is not None:
        return FileReport(
            shown, previous.source, rows=previous.rows, duplicates=previous.rows, already=True
        )
    work = store.new_temp(store_dir)
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest: Future[tuple[int, str]] | None = None
        if not early:
            digest = pool.submit(sha256_of, path)

        def sha() -> str:
            return early or (digest.result()[1] if digest is not None else "")

        try:
            return _import(store_dir, work, path, shown, size, sha, tick)
        except readers.FeedFileError as exc:
            return FileReport(shown, error=exc.message, hint=exc.hint)
        except OSError as exc:
            _raise_if_full(shown, exc.errno, str(exc))
            return FileReport(shown, error=f"{shown}: {exc.strerror or exc}")
        except Exception as exc:
            import duckdb

            if not isinstance(exc, duckdb.Error):
                raise
            text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            _raise_if_full(shown, None, str(exc))
            return FileReport(shown, error=f"{shown}: cannot import: {text}")
        finally:
            if digest is not None:
                digest.cancel()
            shutil.rmtree(work, ignore_errors=True)


def _raise_if_full(shown: str, errno_value: int | None, text: str) -> None:
    """A full disk (or a file size limit) stops the whole run: the next file would fail too."""
    import errno

    reasons = {
        errno.ENOSPC: "No space left on device",
        errno.EDQUOT: "Disk quota exceeded",
        errno.EFBIG: "File too large",
    }
    for number, reason in reasons.items():
        if errno_value == number or reason in text or f'"errno":"{number}"' in text:
            raise OutputFailed(
                f"{shown}: cannot write the feed store: {reason}; nothing of this file was "
                "imported, and the files after it were not tried"
            )


def _import(
    store_dir: Path,
    work: Path,
    path: Path,
    shown: str,
    size: int,
    digest: Callable[[], str],
    tick: Tick | None = None,
) -> FileReport:
    plain = path
    if is_zip(path):
        plain = work / "input.tsv"
        readers.unzip_to(path, shown, plain)
    kind = readers.sniff(plain, shown)
    if kind.source == "empty":  # GDELT has published empty exports: recorded, so resume works
        entry = store.ImportedFile(
            path.name, size, digest(), "empty", 0, 0, 0, 0, (), store.now_text()
        )
        store.commit(store_dir, work, [], entry)
        return FileReport(shown, "empty")
    con = connect(work)
    try:
        with _watching(con, tick):
            staged = _stage(con, kind, plain, shown, work / "stage")
        fault_point("feed-staged")
        sha = digest()
        import_id = f"{sha[:12]}-{work.name.rsplit('-', 1)[-1]}"
        moves, added, duplicates, unmapped, touched = _dedupe(
            con, store_dir, work, import_id, staged.rows
        )
    finally:
        con.close()
    entry = store.ImportedFile(
        name=path.name,
        size=size,
        sha256=sha,
        source=kind.source,
        rows=staged.rows,
        added=added,
        bad=staged.bad,
        unmapped=unmapped,
        months=tuple(touched),
        imported_at=store.now_text(),
        files=tuple(final for _, final in moves),
    )
    store.commit(store_dir, work, moves, entry)
    return FileReport(
        shown,
        kind.source,
        rows=staged.rows,
        added=added,
        duplicates=duplicates,
        bad=staged.bad,
        unmapped=unmapped,
        months=tuple(touched),
        bad_rows=tuple(staged.bad_rows),
    )


@contextmanager
def _watching(con: duckdb.DuckDBPyConnection, tick: Tick | None) -> Iterator[None]:
    """Report DuckDB's progress through the running query to `tick`, from a thread."""
    if tick is None:
        yield
        return
    import threading

    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.25):
            try:
                percent = con.query_progress()
            except Exception:  # noqa: BLE001 - progress is never worth failing an import
                return
            if percent >= 0:
                tick(min(percent, 100.0) / 100)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()


def _stage(
    con: duckdb.DuckDBPyConnection, kind: readers.Kind, plain: Path, shown: str, stage: Path
) -> _Staged:
    """Every good row of the file, month-partitioned under `stage`; the bad rows counted."""
    if kind.source == "icews":
        select = readers.icews_select(plain, "rejects_a")
        scans = ["rejects_a"]
    elif kind.source == "gdelt2":
        select = readers.gdelt_select(plain, "gdelt2", readers.GDELT2_COLUMNS, "rejects_a")
        scans = ["rejects_a"]
    else:  # GDELT 1.0 files mix 57- and 58-column rows: each row is good in one of two scans
        select = (
            readers.gdelt_select(plain, "gdelt1", 57, "rejects_a")
            + " UNION ALL "
            + readers.gdelt_select(plain, "gdelt1", 58, "rejects_b")
        )
        scans = ["rejects_a", "rejects_b"]
    result = con.execute(
        f"COPY ({select}) TO '{_sql_path(stage)}' (FORMAT parquet, PARTITION_BY (month), "
        "FILENAME_PATTERN 'part_{i}', WRITE_PARTITION_COLUMNS false)"
    ).fetchone()
    rows = int(result[0]) if result else 0
    staged = _Staged(kind.source, rows)
    _bad_rows(con, kind, scans, shown, staged)
    return staged


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _bad_rows(
    con: duckdb.DuckDBPyConnection,
    kind: readers.Kind,
    scans: list[str],
    shown: str,
    staged: _Staged,
) -> None:
    """Count the rejected lines (a line rejected by every scan) and word the first few."""
    lines = " INTERSECT ".join(f"SELECT DISTINCT line FROM {scan}" for scan in scans)
    count = con.execute(f"SELECT count(*) FROM ({lines})").fetchone()
    staged.bad = int(count[0]) if count else 0
    if not staged.bad:
        return
    union = " UNION ALL ".join(
        f"SELECT line, error_type, column_name, csv_line, {index} AS scan FROM {scan}"
        for index, scan in enumerate(scans)
    )
    found = con.execute(
        f"SELECT line, error_type, column_name, csv_line, scan FROM ({union}) "
        f"WHERE line IN (SELECT line FROM ({lines}) ORDER BY line LIMIT {SHOWN_BAD_ROWS}) "
        "ORDER BY line, scan"
    ).fetchall()
    by_line: dict[int, list[tuple[str, str, str, int]]] = {}
    for line, error_type, column, csv_line, scan in found:
        by_line.setdefault(int(line), []).append((str(error_type), str(column), csv_line, scan))
    for line, errors in sorted(by_line.items()):
        staged.bad_rows.append(BadRow(shown, line, _message(kind, errors)))


def _message(kind: readers.Kind, errors: list[tuple[str, str, str, int]]) -> str:
    """One line's error in words: a wrong column count first, then encoding, then a value."""
    csv_line = str(errors[0][2] or "")
    found = csv_line.count("\t") + 1
    types = {error_type for error_type, *_ in errors}
    if kind.source == "gdelt1":
        expected = "57 or 58"
        wanted = 0 if found == 57 else 1 if found == 58 else None
        errors = [e for e in errors if e[3] == wanted] if wanted is not None else errors
        types = {e[0] for e in errors} or types
    else:
        expected = str(len(readers.ICEWS_HEADER) if kind.source == "icews" else 61)
    if "INVALID ENCODING" in types or "INVALID UNICODE" in types:
        return "invalid UTF-8 bytes (GDELT and ICEWS files are UTF-8)"
    if {"MISSING COLUMNS", "TOO MANY COLUMNS"} & types or (kind.source == "gdelt1" and not errors):
        return f"{found} tab-separated columns, expected {expected}"
    if "LINE SIZE OVER MAXIMUM" in types:
        return "a line longer than 4 MiB"
    for error_type, column, text, _ in errors:
        if error_type == "CAST":
            index = _column_index(kind, column)
            values = str(text or "").split("\t")
            value = values[index] if 0 <= index < len(values) else ""
            what = readers.column_name(kind.source, index)
            if value == "":
                return f"empty {what}"
            return f"bad value {value[:40]!r} in {what}"
    return f"unreadable row ({', '.join(sorted(types)).lower()})"


def _column_index(kind: readers.Kind, column: str) -> int:
    if kind.source == "icews":
        return readers.ICEWS_HEADER.index(column) if column in readers.ICEWS_HEADER else -1
    return int(column[1:]) if column.startswith("c") and column[1:].isdigit() else -1


def _dedupe(
    con: duckdb.DuckDBPyConnection, store_dir: Path, work: Path, import_id: str, rows: int
) -> tuple[list[tuple[str, str]], int, int, int, list[str]]:
    """Per staged month: keep the rows new to the store (and once each), ready to move.

    Returns the moves (work-relative, store-relative), added, duplicates, unmapped and the
    months that get rows."""
    stage = work / "stage"
    if rows == 0 or not stage.is_dir():
        return [], 0, 0, 0, []
    stats: list[tuple[Any, ...]] = con.execute(
        f"SELECT month, count(*), count(DISTINCT event_id), "
        f"count(*) FILTER (WHERE actor1 IS NULL OR actor2 IS NULL) "
        f"FROM read_parquet('{_sql_path(stage)}/*/*.parquet', hive_partitioning=true, "
        "hive_types={'month': VARCHAR}) GROUP BY month ORDER BY month"
    ).fetchall()
    existing = set(store.months(store_dir))
    columns = ", ".join(store.COLUMN_NAMES)
    moves: list[tuple[str, str]] = []
    added = unmapped = 0
    touched: list[str] = []
    for month, count, distinct, month_unmapped in stats:
        folder = stage / f"month={month}"
        target = f"rows/month={month}"
        if month not in existing and count == distinct:
            for number, part in enumerate(sorted(folder.glob("*.parquet"))):
                moves.append(
                    (str(part.relative_to(work)), f"{target}/{import_id}-{number}.parquet")
                )
            added += int(count)
            unmapped += int(month_unmapped)
            touched.append(str(month))
            continue
        kept = work / "final" / f"month={month}"
        kept.mkdir(parents=True, exist_ok=True)
        against = ""
        if month in existing:
            old = store.rows_folder(store_dir) / f"month={month}" / "*.parquet"
            against = (
                f"ANTI JOIN read_parquet('{_sql_path(old)}') AS e "
                "ON s.source = e.source AND s.event_id = e.event_id"
            )
        out = kept / f"{import_id}-0.parquet"
        written = con.execute(
            f"COPY (SELECT {columns} FROM read_parquet('{_sql_path(folder)}/*.parquet') AS s "
            f"{against} QUALIFY row_number() OVER (PARTITION BY s.source, s.event_id "
            f"ORDER BY s.day, s.url, s.cameo) = 1) TO '{_sql_path(out)}' (FORMAT parquet)"
        ).fetchone()
        count_written = int(written[0]) if written else 0
        if count_written:
            result = con.execute(
                f"SELECT count(*) FILTER (WHERE actor1 IS NULL OR actor2 IS NULL) "
                f"FROM read_parquet('{_sql_path(out)}')"
            ).fetchone()
            unmapped += int(result[0]) if result else 0
            moves.append((str(out.relative_to(work)), f"{target}/{out.name}"))
            added += count_written
            touched.append(str(month))
    return moves, added, rows - added, unmapped, touched
