"""Hardening III (issue 29): never lose a silence, never hang on a special file, never trust a
state file with duplicate keys, one TOML for both parsers, no crash on a small stack."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import DIGEST_EVENTS, DIGEST_SETTINGS, orbit_executable, run_process

SILENCE = (
    "# the team's silences\n\n"
    '[[silence]]\nid = "s-kept"\nmatcher = "country:KZ"\nuntil = 2022-06-30\n'
    'reason = "known"\nby = "Ana"\n'
)
LONG = "# " + "x" * 20000 + "\n"
UNREADABLE = {
    "invalid-utf8": (
        SILENCE.encode() + b"# caf\xe9\n",
        "silences.toml:9:6: file is not valid UTF-8",
    ),
    "nul-byte": (
        SILENCE.encode() + b"# a\x00b\n",
        "silences.toml:9:4: file contains a NUL byte (binary file?)",
    ),
    "over-8-MiB": (  # silences.toml's cap (an event file's is 1 MiB: some 8,000 acks)
        SILENCE.encode() + ("# padding\n" * 850000).encode(),
        "silences.toml:1:1: file is larger than 8388608 bytes",
    ),
    "long-line": (
        SILENCE.encode() + LONG.encode(),
        "silences.toml:9:1: line 9 is longer than 16384 bytes; split it "
        '(TOML multi-line strings: """...""")',
    ),
}
EDITS = {
    "silence-add": ("silence", "add", "country:KG", "--until", "2022-07-30", "--reason", "r"),
    "ack": ("ack", "v1-" + "0" * 20, "--reason", "r"),
}
KEPT_HINT = (
    "orbit leaves it as it is: rewriting it would lose every silence in it. Fix the file or "
    "move it away, then try again.\n"
)


@pytest.mark.parametrize("edit", sorted(EDITS))
@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_an_unreadable_silences_file_is_78_and_kept_byte_for_byte(
    write_events: Callable[..., Path], case: str, edit: str
) -> None:
    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    data, where = UNREADABLE[case]
    (root / "silences.toml").write_bytes(data)
    result = run_process(*EDITS[edit], "--by", "Ana", cwd=root)
    assert result.returncode == 78, result.stderr
    assert result.stdout == b""
    assert result.stderr.decode() == (
        f"orbit: error: {where}; orbit will not rewrite silences.toml\n\n{KEPT_HINT}"
    )
    assert (root / "silences.toml").read_bytes() == data


def test_a_fifo_as_the_state_file_is_78_and_never_opened_for_a_wait(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    fifo = tmp_path / "state.json"
    os.mkfifo(fifo)
    for args in (("digest",), ("alerts", "--suppressed")):
        result = run_process(*args, "--state", str(fifo), cwd=root, timeout=60)
        assert result.returncode == 78, result.stderr
        assert result.stdout == b""
        message, hint = result.stderr.decode().split("\n\n", 1)
        assert (
            message == f"orbit: error: state file {fifo} is unusable: not a regular file (a FIFO)"
        )
        assert hint.startswith("orbitwatch will not guess")
        assert stat.S_ISFIFO(fifo.lstat().st_mode)
        assert not Path(f"{fifo}.prev").exists()


def test_a_fifo_as_the_silences_file_is_78_for_edits_and_a_problem_for_reads(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    os.mkfifo(root / "silences.toml")
    problem = "silences.toml:1:1: not a regular file (a FIFO); not read"
    for edit in sorted(EDITS):
        result = run_process(*EDITS[edit], "--by", "Ana", cwd=root, timeout=60)
        assert (result.returncode, result.stdout) == (78, b"")
        assert result.stderr.decode() == (
            f"orbit: error: {problem}; orbit will not rewrite silences.toml\n\n{KEPT_HINT}"
        )
    state = tmp_path / "state.json"
    result = run_process("digest", "--state", str(state), "--format", "json", cwd=root, timeout=60)
    assert result.returncode == 2
    assert result.stderr.decode().splitlines()[0] == problem.replace(":1:1:", ":1:1: error:", 1)
    assert len(json.loads(result.stdout)["alerts"]) > 0  # delivered rather than lost
    assert stat.S_ISFIFO((root / "silences.toml").lstat().st_mode)


@pytest.mark.parametrize(
    ("duplicate", "key"),
    [
        ('"last_run": null, ', "last_run"),
        ('"sent": {}, ', "sent"),
        ('"v1-00000000000000000000": {"first_sent": "x"}, ', "v1-00000000000000000000"),
    ],
)
def test_duplicate_keys_in_the_state_file_are_78_and_the_file_untouched(
    write_events: Callable[..., Path], tmp_path: Path, duplicate: str, key: str
) -> None:
    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    state = tmp_path / "state.json"
    first = run_process("digest", "--state", str(state), cwd=root)
    assert first.returncode == 0, first.stderr
    document = json.loads(state.read_bytes())
    document["sent"]["v1-00000000000000000000"] = {"first_sent": "y"}
    text = json.dumps(document, sort_keys=True)
    if key.startswith("v1-"):
        data = text.replace('"sent": {', '"sent": {' + duplicate, 1)
    else:
        data = "{" + duplicate + text[1:]
    data_bytes = data.encode()
    assert data_bytes.count(f'"{key}":'.encode()) == 2
    state.write_bytes(data_bytes)
    result = run_process("digest", "--state", str(state), cwd=root)
    assert (result.returncode, result.stdout) == (78, b""), result.stderr
    message = result.stderr.decode().split("\n\n", 1)[0]
    assert message == (
        f"orbit: error: state file {state} is unusable: duplicate key '{key}' "
        "(which one counts would be a guess)"
    )
    assert state.read_bytes() == data_bytes


MULTILINE_EVENT = '''date = 2022-05-10
title = "Looks like keys inside"
summary = """
titel = "inside a basic multi-line string"
[signal]
stance = "inside"
"""
note_text = \'\'\'
titel = 'inside a literal one'
\'\'\'
countries = ["KZ"]
actors = ["a \\" \'\'\' quote", 'b """ c'] # titel = "in a comment"
titel = "the real one"

[signal]
stance = "away"
weight = "2"
'''


def test_a_key_inside_a_multiline_string_is_not_where_check_points(
    write_events: Callable[..., Path],
) -> None:
    root = write_events({"events/a.toml": MULTILINE_EVENT})
    result = run_process("check", cwd=root)
    assert (result.returncode, result.stdout) == (1, b"")
    assert result.stderr.decode() == (
        "events/a.toml:8:1: error: unknown key 'note_text'\n"
        "events/a.toml:13:1: error: unknown key 'titel' (did you mean 'title'?)\n"
        "events/a.toml:17:1: error: [signal] weight is '2'; use a whole number 1 to 5\n"
    )


TOML_11_ONLY = {
    "escape-e": ('title = "a \\e b"\n', "2:14: error: invalid TOML: Unescaped '\\' in a string"),
    "multiline-inline-table": (
        'title = "t"\nsignal = {\n  stance = "away",\n  weight = 2,\n}\n',
        "3:11: error: invalid TOML: Invalid initial character for a key part",
    ),
}


@pytest.mark.parametrize("brackets", [0, 1001], ids=["fast-parser", "tomli"])
@pytest.mark.parametrize("case", sorted(TOML_11_ONLY))
def test_both_toml_parsers_read_toml_1_0_and_refuse_1_1(
    write_events: Callable[..., Path], case: str, brackets: int
) -> None:
    body, where = TOML_11_ONLY[case]
    padding = f"# {'[' * brackets}\n" if brackets else "# no brackets\n"
    root = write_events({"events/a.toml": f'{padding}date = 2022-05-10\ncountries = ["KZ"]\n'})
    path = root / "events" / "a.toml"
    path.write_text(path.read_text().replace("countries", body + "countries"))
    result = run_process("check", cwd=root, env={**os.environ, "ORBIT_NO_CACHE": "1"})
    assert (result.returncode, result.stdout) == (1, b"")
    line, rest = where.split(":", 1)
    assert result.stderr.decode() == f"events/a.toml:{int(line) + 1}:{rest}\n"


TOO_DEEP = "events/deep.toml:1:1: error: invalid TOML: nested too deeply\n"


@pytest.mark.parametrize(
    ("depth", "check_says"),
    [
        (200, "events/deep.toml:3:1: error: unknown key 'x'\n"),
        (700, TOO_DEEP),
        (900, TOO_DEEP),
        (999, TOO_DEEP),
    ],
)
def test_deep_nesting_on_a_one_mib_stack_is_a_located_error_not_a_segfault(
    write_events: Callable[..., Path], depth: int, check_says: str
) -> None:
    nested = "[" * depth + "]" * depth
    root = write_events({"events/deep.toml": f'date = 2022-05-10\ntitle = "t"\nx = {nested}\n'})
    for command, status in (("check", 1), ("list --format plain", 2)):
        result = subprocess.run(
            ["bash", "-c", f"ulimit -s 1024 && exec {' '.join(orbit_executable())} {command}"],
            cwd=root,
            capture_output=True,
            timeout=120,
        )
        assert result.returncode == status, (command, result.returncode, result.stderr)
        assert result.stderr.decode() == check_says
        assert result.stdout == b""
