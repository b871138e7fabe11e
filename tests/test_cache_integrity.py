"""The cache is a copy (issue 29, issue 31): every record and snapshot is checked against its
checksum and the index against its key; a damaged one is discarded, rebuilt from the event files
and named once on stderr, and the run answers what a run without the cache answers."""

from __future__ import annotations

import marshal
import os
import shutil
import sqlite3
import subprocess
import time
import zlib
from pathlib import Path

import pytest

from tests.conftest import REPO, run_process

ON = "2022-05-31"
WARNING = "orbit: warning: the cache of this timeline was damaged"
COMMANDS = {
    "list": ("list", "--format", "ids"),
    "list-json": ("list", "--format", "json"),
    "list-query": ("list", "country:KZ", "--format", "json"),
    "ids-query": ("list", "country:KZ", "--format", "ids"),  # answered from the index's columns
    "signals": ("signals", "--as-of", ON),
    "digest": ("digest", "--dry-run", "--as-of", ON),
}


@pytest.fixture
def example(tmp_path: Path) -> Path:
    root = tmp_path / "timeline"
    shutil.copytree(REPO / "src" / "orbitwatch" / "examples" / "central-asia", root)
    old = time.time() - 60  # older than the index's racy window, so entries are kept
    for path in root.rglob("*.toml"):
        os.utime(path, (old, old))
    return root


def orbit(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return run_process("--root", str(root), *args)


def index_file(root: Path) -> Path:
    from orbitwatch.timeline.index import index_path

    return index_path(root)


def warm(root: Path) -> None:
    """An index with every record, readings and the marks' snapshot."""
    for args in (COMMANDS["list"], COMMANDS["signals"], COMMANDS["signals"]):
        assert orbit(root, *args).returncode == 0


def expected(root: Path, command: str) -> subprocess.CompletedProcess[bytes]:
    return orbit(root, "--no-cache", *COMMANDS[command])


def change(root: Path, *statements: str, params: tuple[object, ...] = ()) -> None:
    db = sqlite3.connect(index_file(root), isolation_level=None)
    try:
        for statement in statements:
            db.execute(statement, params if "?" in statement else ())
    finally:
        db.close()


def assert_healed(root: Path, command: str) -> None:
    """The damaged run answers like --no-cache and says so once; the next one is quiet."""
    want = expected(root, command)
    got = orbit(root, *COMMANDS[command])
    assert (got.returncode, got.stdout) == (want.returncode, want.stdout), got.stderr
    stderr = got.stderr.decode()
    assert stderr.count(WARNING) == 1, stderr
    assert "rebuilt from the event files" in stderr
    again = orbit(root, *COMMANDS[command])
    assert (again.returncode, again.stdout, again.stderr) == (
        want.returncode,
        want.stdout,
        want.stderr,
    )


def a_record(root: Path) -> tuple[str, bytes]:
    db = sqlite3.connect(index_file(root))
    try:
        path, blob = db.execute(
            "SELECT path, record FROM events WHERE ok = 1 ORDER BY path LIMIT 1"
        ).fetchone()
    finally:
        db.close()
    return path, bytes(blob)


@pytest.mark.parametrize("command", ["list-json", "signals", "digest"])
def test_a_record_edited_in_place_is_never_served(example: Path, command: str) -> None:
    warm(example)
    path, blob = a_record(example)
    record = marshal.loads(zlib.decompress(blob))
    event = list(record[0])
    event[0] = "forged-id"  # the id
    event[5] = "Forged\x00title"  # the title, with a NUL byte
    forged = zlib.compress(marshal.dumps((tuple(event), record[1])))  # well formed: only the sum
    change(example, "UPDATE events SET record = ? WHERE path = ?", params=(forged, path))
    change(example, "DELETE FROM snapshot")
    assert_healed(example, command)


@pytest.mark.parametrize("command", ["list-json", "signals", "digest"])
def test_a_record_that_fails_to_decode_is_not_70(example: Path, command: str) -> None:
    warm(example)
    path, blob = a_record(example)
    change(example, "UPDATE events SET record = ? WHERE path = ?", params=(b"\xff" + blob, path))
    change(example, "DELETE FROM snapshot")
    assert_healed(example, command)


@pytest.mark.parametrize("command", ["list", "list-query", "signals"])
def test_a_dropped_events_table_is_not_an_empty_timeline(example: Path, command: str) -> None:
    warm(example)
    change(example, "DROP TABLE events")
    assert_healed(example, command)


@pytest.mark.parametrize("command", ["signals", "digest"])
def test_a_crafted_snapshot_is_never_served(example: Path, command: str) -> None:
    warm(example)
    empty = marshal.dumps((1, ([], [], [], [], [], [], []), [], []))
    change(example, "UPDATE snapshot SET marks = ?", params=(empty,))
    assert_healed(example, command)


@pytest.mark.parametrize("command", ["list-query", "ids-query"])
@pytest.mark.parametrize("digested", [False, True])
def test_a_query_column_changed_in_place_is_never_served(
    example: Path, digested: bool, command: str
) -> None:
    """Rows a pre-selection leaves out are never read: the columns it reads are checked."""
    warm(example)
    if digested:  # a pre-selection has run since the last write: the column has its digest
        assert orbit(example, *COMMANDS[command]).returncode == 0
    path, _ = a_record(example)
    change(example, "UPDATE events SET countries = ? WHERE path = ?", params=("\x1f", path))
    assert_healed(example, command)


@pytest.mark.parametrize("column", ["id", "first_day", "date_precision"])
def test_an_id_only_answer_checks_the_columns_it_reads(example: Path, column: str) -> None:
    """`list --format ids` reads ids and sort keys from the index's columns, never the
    record: each row it returns is checked against its column checksum."""
    warm(example)
    assert orbit(example, *COMMANDS["ids-query"]).returncode == 0
    db = sqlite3.connect(index_file(example))
    try:
        path = db.execute(
            "SELECT path FROM events WHERE ok = 1 AND countries LIKE '%KZ%' ORDER BY path"
        ).fetchone()[0]
    finally:
        db.close()
    value = {"id": "forged-id", "first_day": 1, "date_precision": 2}[column]
    change(example, f"UPDATE events SET {column} = ? WHERE path = ?", params=(value, path))
    assert_healed(example, "ids-query")


@pytest.mark.parametrize("command", ["list", "list-query", "ids-query", "signals"])
def test_an_entry_whose_path_changed_is_not_dropped_as_stale(example: Path, command: str) -> None:
    """A row whose path no longer names a file looks like a stale entry: it is checked too."""
    warm(example)
    path, _ = a_record(example)
    change(example, "UPDATE events SET path = ? WHERE path = ?", params=(path + "x", path))
    change(example, "DELETE FROM snapshot")
    assert_healed(example, command)


@pytest.mark.parametrize("command", ["list", "list-query", "ids-query", "signals"])
def test_a_failed_file_whose_ok_flag_changed_keeps_its_problem(example: Path, command: str) -> None:
    """Every read asks for the failed entries; one that no longer says so is damage."""
    broken = example / "events" / "broken.toml"
    broken.write_text('date = 2022-05-01\ntitle = "x"\ncountries = ["ZZ"]\n', "utf-8")
    old = time.time() - 60
    os.utime(broken, (old, old))
    for args in (COMMANDS["list"], COMMANDS["signals"], COMMANDS["signals"]):
        assert orbit(example, *args).returncode == 2  # the broken file is reported
    change(example, "UPDATE events SET ok = 1 WHERE ok = 0")
    want = expected(example, command)
    assert want.returncode == 2 and b"broken.toml" in want.stderr
    assert_healed(example, command)


def test_a_record_is_stored_under_its_content_key(example: Path) -> None:
    """Issue 31: the key is the git blob id of the file's bytes, and the record is bound to
    it: a record under another key is damage."""
    warm(example)
    db = sqlite3.connect(index_file(example))
    try:
        rows = db.execute("SELECT path, content FROM events ORDER BY path").fetchall()
    finally:
        db.close()
    for path, content in rows[:3]:
        blob_id = subprocess.run(
            ["git", "hash-object", str(example / path)], capture_output=True, check=True
        )
        assert content == blob_id.stdout.decode().strip()
    change(example, "UPDATE events SET content = ? WHERE path = ?", params=("0" * 40, rows[0][0]))
    change(example, "DELETE FROM snapshot")
    assert_healed(example, "list-json")


def test_a_database_that_is_not_one_heals_itself(example: Path) -> None:
    warm(example)
    database = index_file(example)
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    database.write_bytes(database.read_bytes()[:4096] + b"\x00" * 8192)
    assert_healed(example, "list")


def test_the_key_holds_the_python_and_marshal_versions(example: Path) -> None:
    """An index made by another Python or marshal version is rebuilt, not read."""
    import sys

    warm(example)
    db = sqlite3.connect(index_file(example))
    try:
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    finally:
        db.close()
    assert meta["python"] == sys.version
    assert meta["marshal"] == str(marshal.version)
    path, blob = a_record(example)
    change(example, "UPDATE meta SET value = 'another' WHERE key = 'python'")
    change(example, "UPDATE events SET record = ? WHERE path = ?", params=(b"\xff" + blob, path))
    got = orbit(example, *COMMANDS["list"])
    want = expected(example, "list")
    # a foreign key is no damage: rebuilt without a word
    assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, b"")


def test_the_index_stays_under_3x_the_event_files(tmp_path: Path) -> None:
    """Records, query columns, the snapshot and SQLite's pages, at 1,500 generated events."""
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(REPO / "benchmarks"))

    root = tmp_path / "generated"
    generate(root, 1500)
    old = time.time() - 60
    for path in root.rglob("*.toml"):
        os.utime(path, (old, old))
    for args in (("list",), ("signals",), ("list", "stance:away"), ("digest", "--dry-run")):
        assert orbit(root, *args).returncode in (0, 1)
    event_bytes = sum(p.stat().st_size for p in (root / "events").rglob("*.toml"))
    folder = index_file(root).parent
    index_bytes = sum(p.stat().st_size for p in folder.iterdir())
    assert index_bytes < 3 * event_bytes, index_bytes / event_bytes
