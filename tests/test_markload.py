"""Marks read from the index equal marks read from the events, cold, warm and after edits; the
warm `signals`, `alerts` and `digest --dry-run` print what a run without the index prints."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from orbitwatch.timeline.load import load_timeline
from orbitwatch.timeline.marks import from_timeline, load_marked
from tests.conftest import REPO, run

ON = dt.date(2022, 5, 31)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    root = tmp_path / "timeline"
    shutil.copytree(REPO / "src" / "orbitwatch" / "examples" / "central-asia", root)
    old = time.time() - 60  # older than the index's racy window, so entries are kept
    for path in root.rglob("*.toml"):
        os.utime(path, (old, old))
    return root


def reference(root: Path) -> list[object]:
    return list(from_timeline(load_timeline(root, use_cache=False), ON).marks)


def test_marks_from_the_index_equal_marks_from_events(example: Path) -> None:
    expected = reference(example)
    cold = load_marked(example, ON)
    warm = load_marked(example, ON)
    snapshot = load_marked(example, ON)
    # the watch list keeps only watched countries' marks and each event's first one
    watch = set(cold.settings.watch)
    wanted = [
        m
        for m in expected
        if m.country in watch or m is next(x for x in expected if x.event_id == m.event_id)
    ]
    assert list(cold.marks) == list(warm.marks) == list(snapshot.marks) == wanted
    some = expected[0].event_id
    assert warm.events[some].id == some


def test_edits_renames_and_duplicates_are_seen(example: Path) -> None:
    load_marked(example, ON)
    files = sorted((example / "events").rglob("*.toml"))
    text = files[0].read_text("utf-8")
    files[0].write_text(text.replace('status = "occurred"', 'status = "rumored"'), "utf-8")
    twin = files[1].parent / ("zz-" + files[1].name)
    twin.write_text(files[1].read_text("utf-8"), "utf-8")
    warm = load_marked(example, ON)
    full = load_timeline(example, use_cache=False)
    assert [p.render() for p in warm.problems] == [p.render() for p in full.problems]
    ids = {m.event_id for m in warm.marks}
    assert ids == {e.id for e in full.events}


@pytest.mark.parametrize(
    "args",
    [
        ("signals", "--as-of", "2022-05-31", "--format", "json"),
        ("alerts", "--as-of", "2022-05-31"),
        ("digest", "--dry-run", "--as-of", "2022-05-31"),
        ("signals", "--monthly", "--as-of", "2022-05-31"),
        ("list", "country:KZ,TJ", "not:tag:summit", "--format", "plain"),
        ("timeline", "country:KG", "since:2022-05"),
        ("render", "--format", "md", "tag:drones,language"),
        ("render", "--format", "json", "drones", "not:status:denied"),
    ],
)
def test_warm_runs_print_what_uncached_runs_print(
    example: Path, args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run(*args, root=example)
    warm = run(*args, root=example)  # proves the tree clean: stores the marks' snapshot
    snapshot = run(*args, root=example)  # served from the snapshot
    monkeypatch.setenv("ORBIT_NO_CACHE", "1")
    uncached = run(*args, root=example)
    assert snapshot.stdout == warm.stdout == first.stdout == uncached.stdout
    assert snapshot.exit_code == warm.exit_code == uncached.exit_code


def stored(root: Path) -> tuple[bool, int]:
    """(whether the index trusts its tree signature, how many snapshots it keeps)."""
    import sqlite3

    from orbitwatch.timeline.index import index_path

    db = sqlite3.connect(index_path(root))
    try:
        tree = db.execute("SELECT COUNT(*) FROM meta WHERE key = 'tree'").fetchone()[0]
        return tree == 1, db.execute("SELECT COUNT(*) FROM snapshot").fetchone()[0]
    finally:
        db.close()


def test_the_snapshot_is_never_served_for_a_changed_tree(example: Path) -> None:
    for _ in range(3):
        load_marked(example, ON)
    assert stored(example) == (True, 1)
    files = sorted((example / "events").rglob("*.toml"))
    # An edit in place that keeps the size and the modification time: only ctime tells.
    victim = next(f for f in files if 'status = "occurred"' in f.read_text("utf-8"))
    before = victim.stat()
    victim.write_text(
        victim.read_text("utf-8").replace('status = "occurred"', 'status = "reported"'), "utf-8"
    )
    os.utime(victim, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert victim.stat().st_size == before.st_size
    edited = load_marked(example, ON)
    # The edit was parsed and stored: the index matches the tree again at once, and the new
    # snapshot was made from the earlier one (the unchanged files' marks kept).
    assert stored(example) == (True, 1)
    expected = reference(example)
    watch = set(edited.settings.watch)
    for marked in (edited, load_marked(example, ON)):
        assert [m for m in marked.marks if m.country in watch] == [
            m for m in expected if m.country in watch
        ]
        assert {m.status for m in marked.marks if m.event_id == victim.stem} == {"reported"}
    # A removed file and a new one are seen after the snapshot was trusted again.
    for _ in range(2):
        load_marked(example, ON)
    assert stored(example) == (True, 1)
    gone = files[-1]
    (gone.parent / "new-one.toml").write_text(gone.read_text("utf-8"), "utf-8")
    gone.unlink()
    after = load_marked(example, ON)
    ids = {m.event_id for m in after.marks}
    assert "new-one" in ids and gone.stem not in ids
    assert stored(example) == (False, 1)  # the new file is too recent to trust: not stored
    again = load_marked(example, ON)
    assert [m for m in again.marks if m.country in watch] == [
        m for m in reference(example) if m.country in watch
    ]


@pytest.mark.parametrize("terms", [("stance:away",), ("origin:act", "country:KZ,TJ")])
def test_list_with_reading_terms_after_signals_prints_what_uncached_runs_print(
    example: Path, terms: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = run("list", *terms, "--format", "plain", root=example)
    run("signals", root=example)  # stores every event's reading in the index
    after = run("list", *terms, "--format", "plain", root=example)
    monkeypatch.setenv("ORBIT_NO_CACHE", "1")
    uncached = run("list", *terms, "--format", "plain", root=example)
    assert after.stdout == before.stdout == uncached.stdout
    assert after.stdout.count("\n") >= 2


@hsettings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(("status", "remove", "add", "nothing")),
            st.integers(0, 60),
            st.booleans(),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_marks_stay_right_through_any_sequence_of_edits(
    example: Path, steps: list[tuple[str, int, bool]]
) -> None:
    """Each run keeps the earlier snapshot's marks of the files unchanged since and reads the
    rest again: after every edit the marks equal those read from the events themselves, also
    when a `list` (which stores parses but no marks) ran in between."""
    old = time.time() - 3600
    load_marked(example, ON)
    for number, (edit, which, list_first) in enumerate(steps):
        files = sorted((example / "events").rglob("*.toml"))
        victim = files[which % len(files)]
        if edit == "status":
            text = victim.read_text("utf-8")
            for a, b in (('"occurred"', '"reported"'), ('"reported"', '"rumored"')):
                if a in text:
                    victim.write_text(text.replace(a, b, 1), "utf-8")
                    break
        elif edit == "remove" and len(files) > 5:
            victim.unlink()
        elif edit == "add":
            twin = victim.parent / f"added-{number}-{victim.name}"
            text = victim.read_text("utf-8")
            if text.startswith("id ="):
                continue  # a pinned id would be a duplicate; covered elsewhere
            twin.write_text(text, "utf-8")
            os.utime(twin, (old, old))
        if edit == "status" and victim.exists():
            os.utime(victim, (old - number, old - number))
        if list_first:
            load_timeline(example)
        marked = load_marked(example, ON)
        watch = set(marked.settings.watch)
        expected = [m for m in reference(example) if m.country in watch]
        assert [m for m in marked.marks if m.country in watch] == expected


def test_a_deleted_files_entry_and_marks_leave_the_index(example: Path) -> None:
    """Marks live in the snapshot only (no table of marks that could outlive its file)."""
    import sqlite3

    from orbitwatch.timeline.index import index_path
    from orbitwatch.timeline.snapshot import unpack_keyed

    load_marked(example, ON)
    gone = sorted((example / "events").rglob("*.toml"))[0]
    rel = gone.relative_to(example).as_posix()

    def rows() -> tuple[int, int]:
        db = sqlite3.connect(index_path(example))
        try:
            entries = db.execute("SELECT COUNT(*) FROM events WHERE path = ?", (rel,)).fetchone()
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
            blobs = db.execute("SELECT marks, files FROM snapshot").fetchone()
        finally:
            db.close()
        assert "marks" not in tables
        keyed, _ = unpack_keyed((bytes(blobs[0]), bytes(blobs[1])))
        return entries[0], sum(1 for _, _, path in keyed if path == rel)

    assert rows()[0] == 1 and rows()[1] >= 1
    gone.unlink()
    load_marked(example, ON)  # any indexed load notices the removal
    assert rows() == (0, 0)


def test_a_signals_run_leaves_no_write_ahead_log_behind(example: Path) -> None:
    """The index stays open while a view may ask for events; it is closed at the end, so
    SQLite folds its log back in (left open, the log of a first 100k run stayed at 250 MB)."""
    from orbitwatch.timeline.index import index_path
    from tests.conftest import run_process

    result = run_process("--root", str(example), "signals", "--as-of", "2022-05-31")
    assert result.returncode == 0, result.stderr
    database = index_path(example)
    assert database.exists()
    assert not Path(f"{database}-wal").exists()
