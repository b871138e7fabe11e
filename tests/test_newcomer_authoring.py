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


# orbit add: everything an event file holds, in the example files' style


def shape(text: str) -> list[str]:
    """The layout of a TOML file: table headers, and each key with how its value starts."""
    lines = []
    for line in text.splitlines():
        if line.startswith("["):
            lines.append(line)
        elif " = " in line:
            key, value = line.split(" = ", 1)
            lines.append(f"{key} = {value[:1]}")
        elif line.strip():
            lines.append("...")  # a continuation line
    return lines


def test_add_writes_acts_notes_sources_and_id_in_the_examples_style(example: Path) -> None:
    status, out, err = orbit(
        "--root", str(example), "add", "--date", "2022-05-10",
        "--title", "Made-up: US announces more security aid for Tajikistan",
        "--summary", "A made-up event for the test: a summary long enough to take two lines in "
        "the file, as the summaries of the example files do when they are written by hand.",
        "--country", "TJ", "--actor", "United States", "--tag", "security-aid", "--tag", "drones",
        "--act", "US aid TJ", "--act-note", "money for security, drones included",
        "--source-title", "A made-up article", "--publisher", "Asia Times",
        "--author", "A. Writer", "--source-date", "2022-05",
        "--id", "2022-05-10-made-up-aid",
    )  # fmt: skip
    assert status == 0, err
    written = example / "events" / "2022" / "2022-05-10-made-up-aid.toml"
    text = written.read_text("utf-8")
    model = (example / "events/2022/2022-05-10-us-security-aid-tajikistan.toml").read_text("utf-8")
    assert shape(text) == shape(model)
    assert 'countries = ["TJ", "US"]\n' in text and 'note = "money for security, drones' in text
    assert 'author = "A. Writer"\ndate = "2022-05"\n' in text
    status, out, _ = orbit("--root", str(example), "show", "2022-05-10-made-up-aid", "--format",
                           "json")  # fmt: skip
    assert status == 0 and '"author": "A. Writer"' in out


def test_add_acts_of_several_parties_as_the_examples_write_them(example: Path) -> None:
    status, out, err = orbit(
        "--root", str(example), "add", "--date", "2022-05-16", "--title", "Made-up: a joint pledge",
        "--act", "KZ+KG cooperate RU", "--act", "RU consult KZ", "--act-note", "a joint pledge",
        "--act-note", "talks", "--dry-run",
    )  # fmt: skip
    assert status == 0, err
    assert (
        '[[acts]]\nby = ["KZ", "KG"]\nact = "cooperate"\nto = "RU"\nnote = "a joint pledge"\n'
        in out
    )
    assert '[[acts]]\nby = "RU"\nact = "consult"\nto = "KZ"\nnote = "talks"\n' in out
    status, _, err = orbit("--root", str(example), "add", "--date", "2022-05-16", "--title", "x",
                           "--act", "KZ cooperate RU", "--act-note", "a", "--act-note", "b")  # fmt: skip
    assert status == 2 and "2 act notes for 1 act" in err
    status, helptext, _ = orbit("add", "--help")
    assert "KZ+KG" in helptext
    assert "KZ+KG" in (REPO / "docs" / "commands.md").read_text("utf-8")


def test_add_cuts_slugs_at_word_boundaries(example: Path) -> None:
    title = ("Made-up: Kazakhstan's president says Russia's pressure on the Eurasian "
             "Economic Union's members is counterproductive")  # fmt: skip
    status, out, err = orbit("--root", str(example), "add", "--date", "2022-05-20", "--title",
                             title, "--country", "KZ", "--dry-run")  # fmt: skip
    assert status == 0, err
    slug = out.splitlines()[0].split("2022-05-20-", 1)[1].removesuffix(".toml")
    words = re.findall(r"[a-z0-9]+", title.lower().replace("'", ""))
    assert slug.split("-") == words[: len(slug.split("-"))], slug
    assert len(slug) <= 60


def test_add_id_is_validated_like_every_id(example: Path) -> None:
    base = ("--root", str(example), "add", "--date", "2022-05-20", "--title", "Made-up")
    status, _, err = orbit(*base, "--id", "-bad id")
    assert status == 2 and "id '-bad id'" in err
    assert not list((example / "events").rglob("*bad*"))
    status, _, err = orbit(*base, "--id", "2022-05-16-csto-summit-moscow")
    assert status == 2 and "2022-05-16-csto-summit-moscow" in err and "already" in err
