"""Issue 30, authoring: the tag vocabulary, `orbit add`, `orbit init` without events.

Every test runs the real `orbit` in a subprocess and reads the files it wrote.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from tests.conftest import REPO, TODAY, run_process, write_files


def orbit(*args: str, cwd: Path | None = None, **env: str) -> tuple[int, str, str]:
    """exit status, stdout and stderr of `orbit ARGS` (env on top of the test's)."""
    result = run_process(*args, env={**os.environ, "ORBIT_TODAY": TODAY, **env}, cwd=cwd)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


# The tag vocabulary


def test_election_and_energy_are_tags_of_the_vocabulary(example: Path) -> None:
    write_files(
        example,
        {
            "events/2021/2021-10-kg-election.toml": """
                date = "2021-10"
                title = "Made-up: a parliamentary election and a gas deal"
                countries = ["KG"]
                tags = ["election", "energy"]
                """
        },
    )
    status, _, err = orbit("--root", str(example), "check")
    assert status == 0 and err.endswith(" events, no problems\n"), err


def test_the_documented_vocabulary_is_the_shipped_one() -> None:
    shipped = tomllib.loads((REPO / "orbit.toml").read_text("utf-8"))["tags"]
    page = (REPO / "docs" / "event-format.md").read_text("utf-8")
    section = page.split("## The tag vocabulary", 1)[1].split("\n## ", 1)[0]
    documented = dict(re.findall(r"^\| `([a-z-]+)` \| (.+?) \|$", section, re.MULTILINE))
    assert documented == shipped


# orbit init: the example's settings, no events


def test_init_no_events_writes_the_examples_settings_and_no_events(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    status, _, err = orbit("init", str(folder), "--no-events")
    assert status == 0, err
    assert (folder / "orbit.toml").read_bytes() == (REPO / "orbit.toml").read_bytes()
    assert list((folder / "events").iterdir()) == []
    assert "created the central-asia example's settings, with no events" in err
    status, _, err = orbit("--root", str(folder), "check")
    assert status == 0 and err == "0 events, no problems\n"
    # the labelled example's settings just the same; --empty stays the commented template
    status, _, _ = orbit("init", str(tmp_path / "eval"), "--example", "eval", "--no-events")
    eval_settings = REPO / "src" / "orbitwatch" / "examples" / "eval" / "orbit.toml"
    assert (tmp_path / "eval" / "orbit.toml").read_bytes() == eval_settings.read_bytes()
    status, _, err = orbit("init", str(tmp_path / "both"), "--empty", "--no-events")
    assert status == 2 and "--empty and --no-events exclude each other" in err
    assert not (tmp_path / "both").exists()
