"""Issue 30, tables and terminals: widths, files and pipes, column names, colour, errors.

Every test runs the real `orbit` in a subprocess on a copy of the example timeline.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import DIGEST_SETTINGS, TODAY, run_process, write_files


def orbit(root: Path, *args: str, **env: str) -> tuple[int, str, str]:
    """exit status, stdout and stderr of `orbit --root ROOT ARGS` (env on top of the test's)."""
    full = {**os.environ, "ORBIT_TODAY": TODAY, **env}
    result = run_process("--root", str(root), *args, env=full)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


# The column of what drives a score


def test_the_signals_column_is_named_for_what_it_shows(example: Path) -> None:
    status, table, _ = orbit(example, "signals", "--format", "table", COLUMNS="200")
    assert status == 0
    header = table.splitlines()[0].split()
    assert header[-2:] == ["top", "drivers"], header
    # it lists acts and rules alike; the JSON key stays as it was (documented)
    status, out, _ = orbit(example, "signals", "--format", "json")
    drivers = {d["rule"] for row in json.loads(out)["countries"] for d in row["top_rules"]}
    assert "US aid TJ" in drivers and "un-neutrality" in drivers


# One format for every error


def test_usage_errors_speak_as_orbit_with_the_usage_as_hint(example: Path) -> None:
    status, out, err = orbit(example, "signals", "--format", "tabel")
    assert (status, out) == (2, "")
    assert err == (
        "orbit: error: Invalid value for '--format': 'tabel' is not one of 'table', 'plain', "
        "'json'.\n"
        "\n"
        "Usage: orbit signals [OPTIONS] [TERMS]...\n"
        "Try 'orbit signals --help' for help.\n"
    )
    status, _, err = orbit(example, "lisst")
    assert status == 2 and err.startswith(
        "orbit: error: No such command 'lisst'. Did you mean 'list'?\n\nUsage: "
    )
    # orbit's own errors have the same shape
    status, _, err = orbit(example, "signals", "--explain", "KZ", "--country", "KG")
    assert status == 2 and err.startswith("orbit: error: --explain names its one country")
    assert "Error:" not in err


# Every table at every width: ids whole, the newest data kept, a dropped column named

WIDTHS = (40, 60, 80, 120)
WORD = re.compile(r"[^\s,;:()\[\]]+")


def words(text: str) -> set[str]:
    return set(WORD.findall(text))


def assert_fits(text: str, width: int, ids: set[str], what: str) -> None:
    """Every id whole on some line; no line wider than the width unless it is one word."""
    assert ids and ids <= words(text), (what, width, ids - words(text))
    for line in text.splitlines():
        assert line == line.rstrip(), (what, width, line)  # no trailing spaces
        assert len(line) <= width or len(line.split()) == 1, (what, width, line)


def test_signals_fits_every_width_keeping_the_newest_months(example: Path) -> None:
    _, plain, _ = orbit(example, "signals", "--format", "plain")
    rows = [line.split("\t") for line in plain.splitlines()]
    for width in WIDTHS:
        status, table, _ = orbit(example, "--width", str(width), "signals", "--format", "table")
        assert status == 0
        assert_fits(table, width, {row[0] for row in rows}, "signals")
        for row in rows:  # the newest eight months of every sparkline are shown
            assert row[6][-8:] in table, (width, row[0])
        # the drivers are shown, or the note names them as left out
        if "US aid TJ" not in table:
            assert f"left out at {width} columns: " in table and "'top drivers'" in table
    assert (
        "left out at 60 columns: 'name', 'top drivers'"
        in orbit(example, "--width", "60", "signals", "--format", "table")[1]
    )
    # --width beats COLUMNS
    _, table, _ = orbit(example, "--width", "60", "signals", "--format", "table", COLUMNS="300")
    assert "left out at 60 columns" in table


def git(root: Path, *args: str, day: str = "2022-05-01") -> None:
    stamp = f"{day}T12:00:00+00:00"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


@pytest.fixture
def committed(tmp_path: Path) -> Path:
    """A made-up timeline in git: events with long ids entered on three days of May 2022."""
    root = tmp_path / "timeline"
    write_files(root, {"orbit.toml": DIGEST_SETTINGS})
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Ana")
    git(root, "config", "user.email", "ana@example.org")
    for day, (country, title) in zip(
        ("2022-05-02", "2022-05-09", "2022-05-16"),
        (("KZ", "Made-up aid for Kazakhstan"), ("KG", "Made-up aid for Kyrgyzstan"),
         ("KZ", "Made-up second aid package for Kazakhstan arrives")),
        strict=True,
    ):  # fmt: skip
        write_files(root, {f"events/{day}-made-up-security-aid-{country.lower()}.toml": f"""
            date = {day}
            title = "{title}"
            countries = ["{country}"]
            tags = ["aid"]
            """})  # fmt: skip
        git(root, "add", ".", day=day)
        git(root, "commit", "-q", "-m", f"aid {day}", day=day)
    return root


def event_ids(root: Path) -> set[str]:
    return {path.stem for path in (root / "events").glob("*.toml")}


def test_backtests_silences_and_reports_fit_every_width(committed: Path, tmp_path: Path) -> None:
    ids = event_ids(committed)
    status, out, err = orbit(committed, "silence", "add", "country:KG", "--until",
                             "2022-12-31", "--reason", "made-up reason that is long enough "
                             "to need wrapping in a narrow terminal", "--by", "Ana")  # fmt: skip
    assert status == 0, err
    silence_id = out.strip()
    state = str(tmp_path / "state.json")
    assert orbit(committed, "digest", "--state", state)[0] == 0
    _, suppressed, _ = orbit(committed, "alerts", "--suppressed", "--state", state, "--format",
                             "json")  # fmt: skip
    fingerprints = {row["fingerprint"] for row in json.loads(suppressed)["suppressed"]}
    views = {
        "lead-time": (("alerts", "--lead-time", "--format", "table"), ids),
        "replay": (("alerts", "--replay", "2022-05-01..2022-05-31", "--format", "table"), ids),
        "silence list": (("silence", "list", "--format", "table"), {silence_id}),
        "suppressed": (("alerts", "--suppressed", "--state", state, "--format", "table"),
                       fingerprints),
        "history": (("history", "2022-05-16-made-up-security-aid-kz"),
                    {"2022-05-16-made-up-security-aid-kz"}),
        "digest": (("digest", "--as-of", "2022-05-31"), {i for i in ids if "kz" in i}),
    }  # fmt: skip
    for what, (args, wanted) in views.items():
        _, wide, _ = orbit(committed, "--width", "400", *args)
        for width in WIDTHS:
            status, text, err = orbit(committed, "--width", str(width), *args)
            assert status == 0, (what, err)
            assert_fits(text, width, wanted, what)
            # nothing is lost: every word of the wide view is here, or its column is named
            left_out = (
                re.findall(r"'([^']+)'", text.split("left out at", 1)[1])
                if "left out at" in text
                else []
            )
            missing = words(wide) - words(text) - words(" ".join(left_out))
            if not left_out:  # a card leaves out only header words
                assert missing <= words(wide.splitlines()[0]), (what, width, missing)


def test_eval_fits_every_width(tmp_path: Path) -> None:
    root = tmp_path / "eval"
    assert run_process("init", str(root), "--example", "eval").returncode == 0
    _, wide, _ = orbit(root, "--width", "400", "eval")
    ids = {word for word in words(wide) if re.match(r"\d{4}-\d\d", word) and len(word) > 20}
    for width in WIDTHS:
        status, text, _ = orbit(root, "--width", str(width), "eval")
        assert status in (0, 1)
        assert_fits(text, width, ids, "eval")
        assert words(text) == words(wide)


# Files and pipes: not wrapped at 80, no trailing spaces


def test_tables_in_files_and_pipes_are_not_wrapped_and_have_no_trailing_spaces(
    example: Path, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["ORBIT_TODAY"] = TODAY
    target = tmp_path / "signals.txt"
    with target.open("w") as file:
        result = run_process("--root", str(example), "signals", "--format", "table",
                             env=env, stdout=file)  # fmt: skip
    assert result.returncode == 0
    written = target.read_text("utf-8")
    assert "top drivers" in written.splitlines()[0] and "left out" not in written
    assert max(len(line) for line in written.splitlines()) > 80
    assert (
        "drift away from RU on 2022-05-31; half-life 180d; explain one with: orbit signals"
        in written
    )
    shown = run_process("--root", str(example), "show", "2022-05-16-csto-summit-moscow", env=env)
    lines = shown.stdout.decode().splitlines()
    assert lines and all(line == line.rstrip() for line in lines)
    assert any(len(line) > 80 for line in lines)  # the summary is one line, not cut at 80


# Levels in colour


SGR_AROUND = r"\x1b\[[0-9;]*m{level}\x1b\[0m"


@pytest.mark.parametrize(
    "args",
    [
        ("signals", "--format", "table"),
        ("alerts", "--format", "table"),
        ("--width", "60", "alerts", "--format", "table"),  # the cards
        ("digest", "--as-of", "2022-05-31"),
    ],
)
def test_levels_are_coloured_alike_when_colour_is_on(example: Path, args: tuple[str, ...]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["ORBIT_TODAY"] = TODAY
    seen = {}
    for how, extra, more_env in (("flag", ("--color",), {}), ("env", (), {"FORCE_COLOR": "1"})):
        result = run_process("--root", str(example), *extra, *args, env={**env, **more_env})
        out = result.stdout.decode()
        assert result.returncode == 0, result.stderr
        for level in ("alarm", "warning"):
            found = re.findall(SGR_AROUND.format(level=level), out)
            assert found, (how, args, level)
            seen.setdefault(level, set()).update(found)
    # one colour per level whatever the view: the same codes around 'alarm' everywhere
    assert all(len(codes) == 1 for codes in seen.values()), seen
    assert seen["alarm"] != seen["warning"]
    status, plain, _ = orbit(example, *args, NO_COLOR="1")
    assert status == 0 and "\x1b" not in plain


def test_levels_are_coloured_the_same_across_views(example: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["ORBIT_TODAY"] = TODAY
    codes = set()
    for args in (("signals", "--format", "table"), ("alerts", "--format", "table"),
                 ("digest", "--as-of", "2022-05-31")):  # fmt: skip
        out = run_process("--root", str(example), "--color", *args, env=env).stdout.decode()
        codes.update(re.findall(SGR_AROUND.format(level="alarm"), out))
    assert len(codes) == 1, codes
    # the digest's headline too: "top level then alarm, top level now alarm"
    digest = run_process("--root", str(example), "--color", "digest", "--as-of", TODAY, env=env)
    headline = digest.stdout.decode().splitlines()[0]
    assert re.search("top level now " + SGR_AROUND.format(level="alarm"), headline), headline


def test_a_narrow_sparkline_drops_its_oldest_months_and_says_how_many_it_shows(
    example: Path,
) -> None:
    _, plain, _ = orbit(example, "signals", "--format", "plain")
    sparks = {line.split("\t")[0]: line.split("\t")[6] for line in plain.splitlines()}
    _, table, _ = orbit(example, "--width", "52", "signals", "--format", "table")
    lines = table.splitlines()
    assert lines[0].endswith("trend 10m"), lines[0]
    for line in lines[1:8]:
        spark = sparks[line.split()[0]]
        assert line.endswith(spark[-10:]) and spark not in line, line


def test_a_huge_width_counts_as_the_widest_orbit_lays_out_for(example: Path) -> None:
    status, table, err = orbit(example, "--width", "99999999999", "show",
                               "2022-05-16-csto-summit-moscow")  # fmt: skip
    assert (status, err) == (0, "")
    assert max(len(line) for line in table.splitlines()) <= 1000
    # timeline's own --width counts the same way (it had no upper bound)
    status, drawn, err = orbit(example, "timeline", "--width", "99999999999")
    assert (status, err) == (0, "")
    assert drawn and max(len(line) for line in drawn.splitlines()) <= 1000
