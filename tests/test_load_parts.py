"""The loader's parts: one event-file filter for folders and revisions, the pool, positions."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from orbitwatch.files.walk import is_event_path
from orbitwatch.text.tomlpos import first_content_line
from orbitwatch.timeline.load import load_revision, load_timeline
from orbitwatch.timeline.pool import map_pooled

EVENT = 'date = 2022-05-16\ntitle = "A summit"\n'
# Every kind of name the walk meets: only the first two are event files.
NAMES = [
    "events/a.toml",
    "events/2022/b.toml",
    "events/.hidden.toml",
    "events/#locked.toml",
    "events/a.toml~",
    "events/.a.toml.swp",
    "events/c.toml.orig",
    "events/.cache/d.toml",
    "events/#backup/e.toml",
    "events/notes.txt",
]


@pytest.mark.parametrize("name", NAMES)
def test_the_filter_takes_only_event_files(name: str) -> None:
    assert is_event_path(name) == (name in ("events/a.toml", "events/2022/b.toml"))


def test_a_folder_and_a_revision_read_the_same_files(tmp_path: Path) -> None:
    for name in NAMES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(EVENT, encoding="utf-8")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    for args in (["init", "-q"], ["add", "-A", "-f"], ["commit", "-qm", "all"]):
        subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True, capture_output=True)
    folder = load_timeline(tmp_path, use_cache=False)
    revision = load_revision(tmp_path, "HEAD")
    assert [e.path for e in folder.events] == ["events/a.toml", "events/2022/b.toml"]
    assert [e.path for e in revision.events] == [e.path for e in folder.events]
    assert folder.problems == revision.problems == []


def _double(item: int) -> int:
    return item * 2


def _double_batch(items: list[int]) -> list[bytes]:
    return [str(item * 2).encode() for item in items]


def _rebuild(blob: bytes, item: int) -> int:
    return int(blob)


@pytest.mark.parametrize("threshold", ["1", "100000"])
def test_the_pool_keeps_order_on_both_paths(
    threshold: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORBIT_POOL_THRESHOLD", threshold)
    seen: list[tuple[int, int]] = []
    items = list(range(2500))
    result = map_pooled(items, _double, _double_batch, _rebuild, lambda n, t: seen.append((n, t)))
    assert result == [item * 2 for item in items]
    assert seen and all(total == 2500 for _, total in seen)


def test_an_event_carries_the_line_where_its_data_starts(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "e.toml").write_text("# a comment\n\n" + EVENT, encoding="utf-8")
    (tmp_path / "events" / "f.toml").write_text(EVENT, encoding="utf-8")
    events = load_timeline(tmp_path, use_cache=False).events
    assert [(e.id, e.line) for e in events] == [("e", 3), ("f", 1)]
    assert first_content_line("") == 1 and first_content_line("  # x\n  a = 1\n") == 2
