"""Issue 30, tables and terminals: widths, files and pipes, column names, colour, errors.

Every test runs the real `orbit` in a subprocess on a copy of the example timeline.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import TODAY, run_process


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
