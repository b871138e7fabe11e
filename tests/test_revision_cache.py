"""The cache keyed by content (issue 31): records of committed files come from the index, so
a file's content is parsed once for the working tree, --known-at, diff, history and replay;
the answers are the same warm, cold and without the cache.

The repository (watched: KZ, KG; rule 'aid' reads tag:aid as away; tags declared from the
third commit on, so the first two commits have another orbit.toml):

  2022-05-02  kz-aid (aid), kg-trade (trade)            orbit.toml without [tags]
  2022-05-04  kg-bad: a file with problems (no title)   orbit.toml without [tags]
  2022-05-09  orbit.toml declares the tags; kg-bad fixed; uz-odd (tag 'odd', unknown)
  2022-05-12  kz-aid edited; kg-more (aid)
  working tree: as committed, one file renamed (same bytes, another path and id)
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from orbitwatch.app.backtest import replay
from orbitwatch.app.context import Workspace
from orbitwatch.query.language import parse
from orbitwatch.timeline.index import index_path
from orbitwatch.timeline.load import load_revision, load_timeline
from tests.conftest import AID_RULE, commit_all, run_process, settings_toml, write_files

SETTINGS = settings_toml(["KZ", "KG"], [AID_RULE], "180d", {"watch": 1.5})
TAGGED = SETTINGS + '\n[tags]\naid = "Security aid"\ntrade = "Trade"\n'


def event(day: str, title: str, country: str, tag: str) -> str:
    return f'date = {day}\ntitle = "{title}"\ncountries = ["{country}"]\ntags = ["{tag}"]\n'


def commit(root: Path, day: str, message: str) -> None:
    commit_all(root, message, f"{day}T12:00:00+00:00")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "timeline"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    write_files(
        root,
        {
            "orbit.toml": SETTINGS,
            "events/kz-aid.toml": event("2022-05-01", "KZ aid", "KZ", "aid"),
            "events/kg-trade.toml": event("2022-05-02", "KG trade", "KG", "trade"),
        },
    )
    commit(root, "2022-05-02", "first")
    write_files(root, {"events/kg-bad.toml": 'date = 2022-05-03\ncountries = ["KG"]\n'})
    commit(root, "2022-05-04", "a file with problems")
    write_files(
        root,
        {
            "orbit.toml": TAGGED,
            "events/kg-bad.toml": event("2022-05-03", "KG fixed", "KG", "aid"),
            "events/uz-odd.toml": event("2022-05-08", "UZ odd", "UZ", "odd"),
        },
    )
    commit(root, "2022-05-09", "tags declared")
    write_files(
        root,
        {
            "events/kz-aid.toml": event("2022-05-01", "KZ aid, edited", "KZ", "aid"),
            "events/kg-more.toml": event("2022-05-11", "KG more aid", "KG", "aid"),
        },
    )
    commit(root, "2022-05-12", "more")
    age(root)
    return root


def age(root: Path) -> None:
    """Files an hour old: the index keeps no entry of a file changed in the last seconds."""
    for path in (root / "events").iterdir():
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns - 3600 * 10**9))


COMMANDS = [
    ["list", "--known-at", "2022-05-04", "--format", "json"],  # another orbit.toml; problems
    ["list", "--known-at", "2022-05-10", "--format", "json"],  # the working tree's orbit.toml
    ["signals", "--known-at", "2022-05-12"],
    ["history", "kz-aid"],
    ["diff", "HEAD~2", "--format", "json"],
    ["diff", "HEAD~3", "HEAD~1"],
    ["alerts", "--replay", "2022-05-02..2022-05-14", "--format", "json"],
    ["alerts", "--lead-time", "--format", "json"],
]


def answer(root: Path, args: list[str], cache: Path, **env: str) -> tuple[int, bytes, bytes]:
    done = run_process(
        "--root",
        str(root),
        *args,
        env={**os.environ, "XDG_CACHE_HOME": str(cache), **env},
    )
    return done.returncode, done.stdout, done.stderr


def test_the_answers_are_the_same_warm_cold_and_without_the_cache(
    repo: Path, tmp_path: Path
) -> None:
    (repo / "events/kg-trade.toml").rename(repo / "events/kg-trade-renamed.toml")
    age(repo)
    for number, args in enumerate(COMMANDS):
        cache = tmp_path / f"cache-{number}"
        without = answer(repo, args, cache, ORBIT_NO_CACHE="1")
        assert without[0] in (0, 1, 2) and without[1], (args, without[2])
        assert answer(repo, args, cache) == without, args  # cold
        assert answer(repo, args, cache) == without, args  # warm: revision_records
        assert answer(repo, ["list"], cache)[1]  # the working tree's entries too
        assert answer(repo, args, cache) == without, args
        assert answer(repo, ["--no-cache", *args], cache) == without, args


def test_a_record_made_under_one_label_is_located_at_another(repo: Path, tmp_path: Path) -> None:
    # one cache for every command: kg-bad's record is made by the first (located at the
    # commit's short hash) and served to the others (HEAD~2, HEAD~3, ...)
    cache = tmp_path / "shared"
    for args in [["list", "--known-at", "HEAD~2"], ["diff", "HEAD~2"], *COMMANDS]:
        without = answer(repo, args, tmp_path / "none", ORBIT_NO_CACHE="1")
        assert answer(repo, args, cache) == without, args


def test_problems_of_a_revision_are_located_at_label_path_warm_and_cold(
    repo: Path, tmp_path: Path
) -> None:
    args = ["list", "--known-at", "HEAD~2"]
    cold = answer(repo, args, tmp_path / "cache")
    warm = answer(repo, args, tmp_path / "cache")
    assert cold == warm
    where = f"{head(repo, 'HEAD~2')[:10]}:events/kg-bad.toml:1:1: error: missing required key"
    assert cold[2].decode().splitlines()[0].startswith(where)


def head(root: Path, rev: str) -> str:
    out = subprocess.run(["git", "rev-parse", rev], cwd=root, capture_output=True, check=True)
    return out.stdout.decode().strip()


def test_records_are_reused_by_content(repo: Path) -> None:
    first = load_revision(repo, "HEAD")
    assert first.parsed == 5  # cold: every file of HEAD
    assert load_revision(repo, "HEAD").parsed == 0  # from revision_records
    assert load_revision(repo, "HEAD~1").parsed == 1  # only kz-aid's older content is new
    assert load_revision(repo, "HEAD~3").parsed == 2  # another orbit.toml: never reused
    assert load_revision(repo, "HEAD~3").parsed == 2
    assert load_revision(repo, "HEAD", use_cache=False).parsed == 5
    again = load_revision(repo, "HEAD")
    assert (again.events, again.problems) == (first.events, first.problems)


def test_the_working_trees_entries_serve_a_revision(repo: Path, tmp_path: Path) -> None:
    assert load_timeline(repo).parsed == 5
    assert load_revision(repo, "HEAD").parsed == 0  # the same bytes at the same paths


def test_a_replay_reuses_the_records_of_the_replay_before(repo: Path) -> None:
    workspace = Workspace(str(repo), {"ORBIT_TODAY": "2022-05-31"}, repo)
    period, today = "2022-05-02..2022-05-14", dt.date(2022, 5, 31)
    cold = replay(workspace, parse([]), period, today)
    # first commit: 2 files; second: kg-bad; third, new orbit.toml: all 4 again; fourth: 2
    assert (cold.commits, cold.parsed) == (4, 9)
    warm = replay(workspace, parse([]), period, today)
    # the commits with another orbit.toml are parsed again; the rest come from the index
    assert (warm.commits, warm.parsed) == (4, 3)
    assert warm.deliveries == cold.deliveries


def test_a_record_is_keyed_by_its_path_too(repo: Path, tmp_path: Path) -> None:
    # the same bytes under another name make another event (the id is the file's name)
    (repo / "events/kg-more.toml").rename(repo / "events/kg-other.toml")
    age(repo)
    cache = tmp_path / "cache"
    assert answer(repo, ["list"], cache)[1]
    ids = answer(repo, ["list", "--known-at", "HEAD", "--format", "ids"], cache)[1].split()
    assert b"kg-more" in ids and b"kg-other" not in ids


def test_a_record_is_keyed_by_the_settings(repo: Path, tmp_path: Path) -> None:
    # uz-odd's bytes are the same at HEAD and HEAD~1; with the tags of the working tree
    # they have a problem, without them (a working tree whose orbit.toml declares none)
    # they do not: a record made under one orbit.toml is never served under the other
    cache = tmp_path / "cache"
    with_tags = answer(repo, ["list", "--known-at", "HEAD"], cache)
    assert b"uz-odd.toml" in with_tags[2]
    (repo / "orbit.toml").write_text(SETTINGS, encoding="utf-8")
    assert answer(repo, ["list"], cache)[2].count(b"uz-odd") == 0
    assert answer(repo, ["list", "--known-at", "HEAD"], cache) == with_tags


def damage_revision_records(cache: Path, root: Path) -> int:
    db = sqlite3.connect(cache / "orbitwatch" / "index" / index_path(root).name)
    try:
        changed = db.execute("UPDATE revision_records SET record = x'00ff'").rowcount
        db.commit()
    finally:
        db.close()
    return changed


@pytest.mark.parametrize("args", [COMMANDS[1], COMMANDS[6]], ids=["known-at", "replay"])
def test_a_damaged_revision_record_is_discarded_and_rebuilt(
    repo: Path, tmp_path: Path, args: list[str]
) -> None:
    cache = tmp_path / "cache"
    cold = answer(repo, args, cache)
    assert damage_revision_records(cache, repo) > 0
    damaged = answer(repo, args, cache)
    notice = (
        "orbit: warning: the cache of this timeline was damaged (a revision's record fails "
        "its checksum); it was discarded and is rebuilt from the event files\n"
    )
    assert damaged == (cold[0], cold[1], notice.encode() + cold[2])
    assert answer(repo, args, cache) == cold  # rebuilt: clean again
    assert damage_revision_records(cache, repo) > 0
