"""The replay's shortcuts give what the plain path gives (issue 31): the walk prepared with one
diff-tree lists each commit as ls-tree does, and the readings and marks kept from one
timeline to the next are the ones read afresh.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from orbitwatch.model.errors import OrbitError
from orbitwatch.signals.readings import ReadingMemo, readings
from orbitwatch.signals.scoring import marks_of
from orbitwatch.timeline.revwalk import RevisionWalk
from tests.conftest import AID_RULE, commit_all, rule_toml, settings_toml, write_files

SETTINGS = settings_toml(["KZ", "KG"], [AID_RULE], "180d", {"watch": 1.5})
DATED = settings_toml(
    ["KZ", "KG"], [AID_RULE, rule_toml("recent", "Recent", "since:30d", "toward", 1)], "180d"
)

SILENCE = (
    '[[silence]]\nid = "s"\nmatcher = "country:KG"\nuntil = 2022-06-01\nreason = "r"\nby = "A"\n'
)


def event(day: str, title: str, country: str, tag: str) -> str:
    return f'date = {day}\ntitle = "{title}"\ncountries = ["{country}"]\ntags = ["{tag}"]\n'


def commit(root: Path, day: str) -> None:
    commit_all(root, day, f"{day}T12:00:00+00:00", allow_empty=True)


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, list[str]]:
    """A timeline inside a repository's subfolder, through adds, edits, a rename, removals,
    a symbolic link, a file that is not an event, orbit.toml and silences.toml edits."""
    top = tmp_path / "repo"
    root = top / "desk"
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=top, check=True)
    steps = [
        {"orbit.toml": SETTINGS, "events/a/kz-aid.toml": event("2022-05-01", "A", "KZ", "aid")},
        {"events/kg.toml": event("2022-05-02", "B", "KG", "aid"), "events/notes.txt": "x"},
        {"events/a/kz-aid.toml": event("2022-05-01", "A edited", "KZ", "aid")},
        {"orbit.toml": DATED, "events/b/zz.toml": event("2022-05-03", "Z", "KZ", "aid")},
        {"silences.toml": SILENCE},
        {"events/kg-bad.toml": "date = nope\n"},
        {},  # an empty commit
        {"orbit.toml": SETTINGS, "../outside.toml": "x = 1\n"},
    ]
    for number, files in enumerate(steps):
        write_files(root, files)
        if number == 3:
            (root / "events/a/kz-aid.toml").rename(root / "events/a/kz-aid-renamed.toml")
        if number == 5:
            (root / "events/kg.toml").unlink()
            (root / "events/link.toml").symlink_to("b/zz.toml")
        if number == 6:
            (root / "events/b/zz.toml").unlink()
            (root / "events/b/zz.toml").symlink_to("../kg-bad.toml")  # a file becomes a link
        commit(top, f"2022-05-{number + 1:02d}")
    out = subprocess.run(
        ["git", "rev-list", "--reverse", "main"], cwd=top, capture_output=True, check=True
    )
    return root, out.stdout.decode().split()


def test_a_prepared_walk_loads_what_a_walk_of_ls_trees_loads(
    history: tuple[Path, list[str]],
) -> None:
    root, commits = history
    prepared = RevisionWalk(root, use_cache=False)
    prepared.prepare(commits)
    plain = RevisionWalk(root, use_cache=False)
    for number, commit_hash in enumerate(commits):
        label = f"c{number}"
        fast, slow = prepared.load(commit_hash, label), plain.load(commit_hash, label)
        assert (fast.events, fast.problems, fast.settings) == (
            slow.events,
            slow.problems,
            slow.settings,
        ), number
        assert (prepared.silences, prepared.silence_problems) == (
            plain.silences,
            plain.silence_problems,
        )
        alone = RevisionWalk(root, use_cache=False).load(commit_hash, label)  # one ls-tree
        assert (fast.events, fast.problems) == (alone.events, alone.problems), number


def test_kept_readings_and_marks_are_the_ones_read_afresh(
    history: tuple[Path, list[str]],
) -> None:
    root, commits = history
    walk = RevisionWalk(root, use_cache=False)
    walk.prepare(commits)
    memo = ReadingMemo()
    for number, commit_hash in enumerate(commits):
        timeline = walk.load(commit_hash, f"c{number}")
        for day in (dt.date(2022, 5, 10), dt.date(2022, 7, 1)):
            kept = memo.readings(timeline.events, timeline.settings, day)
            assert kept == readings(timeline.events, timeline.settings, day), (number, day)
            marks = memo.marks(timeline.events, kept, timeline.settings)
            assert marks == marks_of(timeline.events, kept, timeline.settings), (number, day)


def test_a_blob_read_ahead_that_git_lacks_fails_only_its_own_commit(
    history: tuple[Path, list[str]],
) -> None:
    root, commits = history
    blob = (
        subprocess.run(
            ["git", "hash-object", "--stdin"],
            input=b"date = nope\n",
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    (root.parent / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # kg-bad, commit 5
    walk = RevisionWalk(root, use_cache=False)
    walk.prepare(commits)
    for number in range(5):  # the first read fetches the blobs of the commits ahead too
        assert walk.load(commits[number], f"c{number}").events
    with pytest.raises(OrbitError, match=f"git has no object {blob}"):
        walk.load(commits[5], "c5")
