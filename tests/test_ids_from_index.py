"""`orbit list --format ids` answered from the index's columns (issue 31): no event is built
for a query the index's SQL says exactly, and the answer is the one a run reading every file
gives, problems, duplicate ids, files changed since and warnings included."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pytest

from orbitwatch.app.context import Workspace
from orbitwatch.app.events import list_events
from orbitwatch.query.language import parse as parse_query
from tests.conftest import REPO, run_process

OLD = time.time() - 3600

QUERIES = [
    (),
    ("country:KZ",),
    ("country:KZ,TJ", "tag:drones"),
    ("not:country:KZ", "since:2022-01"),
    ("until:2021", "--sort", "-date"),
    ("country:KZ", "--limit", "3"),
    ("id:2022-05*",),
    ("summit",),
    ("tag:drone",),  # no event has it: a warning, as a load gives
    ("status:reported,occurred", "actor:*"),
]


@pytest.fixture
def timeline(tmp_path: Path) -> Path:
    """The example timeline with a twin id, a broken file and a file changed after the index
    was made (see `warmed`)."""
    root = tmp_path / "timeline"
    shutil.copytree(REPO / "src" / "orbitwatch" / "examples" / "central-asia", root)
    first = sorted((root / "events").rglob("*.toml"))[0]
    (root / "events" / "zz-twin.toml").write_text(
        first.read_text("utf-8").replace("title = ", f'id = "{first.stem}"\ntitle = ', 1),
        "utf-8",
    )
    (root / "events" / "broken.toml").write_text(
        'date = 2022-05-01\ntitle = "x"\ncountries = ["ZZ"]\n', "utf-8"
    )
    for path in root.rglob("*.toml"):
        os.utime(path, (OLD, OLD))
    return root


def orbit(root: Path, *args: str, **env: str) -> tuple[int, bytes, bytes]:
    done = run_process("--root", str(root), *args, env={**os.environ, **env})
    return done.returncode, done.stdout, done.stderr


def warmed(root: Path) -> None:
    orbit(root, "list", "--format", "ids")
    changed = sorted((root / "events" / "2022").rglob("*.toml"))[-1]
    text = changed.read_text("utf-8")
    changed.write_text(text.replace('countries = ["', 'countries = ["KZ", "', 1), "utf-8")


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: " ".join(q) or "all")
def test_ids_from_the_index_are_the_ids_a_full_read_gives(
    timeline: Path, query: tuple[str]
) -> None:
    warmed(timeline)
    args = ("list", *query, "--format", "ids")
    cached = orbit(timeline, *args)
    reference = orbit(timeline, *args, ORBIT_NO_CACHE="1")
    assert cached == reference
    assert cached[0] == 2 and b"broken.toml" in cached[2]  # the problems are reported
    assert orbit(timeline, *args) == reference  # and once more, the index now current


def test_the_twin_and_the_file_changed_since_are_in_the_answer(timeline: Path) -> None:
    warmed(timeline)
    _, out, err = orbit(timeline, "list", "country:KZ", "--format", "ids")
    assert b"duplicate id" in err and b"zz-twin.toml" in err
    changed = sorted((timeline / "events" / "2022").rglob("*.toml"))[-1]
    assert changed.stem.encode() in out.split()  # parsed now, with KZ added


def workspace(root: Path) -> Workspace:
    return Workspace(str(root), environ=os.environ)


def test_an_exact_query_builds_no_event_and_a_reading_term_does(timeline: Path) -> None:
    warmed(timeline)
    on = dt.date(2022, 5, 31)
    exact = list_events(workspace(timeline), parse_query(("country:KZ",)), on, False, None, False)
    assert exact.ids is not None and exact.events == []
    full = list_events(workspace(timeline), parse_query(("country:KZ",)), on, False, None, True)
    assert exact.ids == [e.id for e in full.events]
    read = list_events(workspace(timeline), parse_query(("stance:away",)), on, False, None, False)
    assert read.ids is None and read.events
