"""Marks read from the index equal marks read from the events, cold, warm and after edits; the
warm `signals`, `alerts` and `digest --dry-run` print what a run without the index prints."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pytest

from orbitwatch.load import load_timeline
from orbitwatch.markload import from_timeline, load_marked
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
    assert list(cold.marks) == expected
    # the watch list keeps only watched countries' marks and each event's first one
    watch = set(cold.settings.watch)
    assert [m for m in warm.marks] == [
        m
        for m in expected
        if m.country in watch or m is next(x for x in expected if x.event_id == m.event_id)
    ]
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
    ],
)
def test_warm_runs_print_what_uncached_runs_print(
    example: Path, args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run(*args, root=example)
    warm = run(*args, root=example)
    monkeypatch.setenv("ORBIT_NO_CACHE", "1")
    uncached = run(*args, root=example)
    assert warm.stdout == first.stdout == uncached.stdout
    assert warm.exit_code == uncached.exit_code
