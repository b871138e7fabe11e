"""Hardening III (issue 29): never lose a silence, never hang on a special file, never trust a
state file with duplicate keys, one TOML for both parsers, no crash on a small stack."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import DIGEST_EVENTS, DIGEST_SETTINGS, run_process

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
    "over-1-MiB": (
        SILENCE.encode() + ("# padding\n" * 110000).encode(),
        "silences.toml:1:1: file is larger than 1048576 bytes",
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
