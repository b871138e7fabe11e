"""Property: every command, with its stdout or stderr closed, full (/dev/full) or broken (a pipe
whose reader is gone), ends without a traceback and with the documented exit status.

The documented status: a command that has output and cannot write it exits 74 (output
failed); stderr carries only diagnostics, so a failing stderr never changes the status the
command has with both streams working (that baseline run is the oracle).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import DIGEST_EVENTS, DIGEST_SETTINGS, cron_env, run_process, write_files

COMMANDS: dict[str, list[str]] = {
    "list": ["list"],
    "list-table": ["list", "--format", "table"],
    "show": ["show", "kz-aid"],
    "show-missing": ["show", "nope"],
    "timeline": ["timeline"],
    "signals": ["signals"],
    "alerts": ["alerts"],
    "diff": ["diff", "HEAD"],
    "history": ["history", "kz-aid"],
    "digest": ["digest", "--state", "{tmp}/state.json"],
    "silence-list": ["silence", "list"],
    "silence-add": ["silence", "add", "country:KZ", "--until", "3d", "--reason", "r", "--by", "m"],
    "ack": ["ack", "zzzzzzz", "--reason", "r", "--by", "m"],
    "render": ["render", "--format", "json"],
    "render-o": ["render", "--format", "md", "-o", "{tmp}/out.md"],
    "add": ["add", "--date", "2022-05-20", "--title", "New one", "--country", "KG"],
    "import": ["import", "{tmp}/in.csv"],
    "init": ["init", "{tmp}/new"],
    "check": ["check"],
    "eval": ["eval"],
    "help": ["--help"],
    "version": ["--version"],
}
MODES = ("closed", "full", "broken")
_baseline: dict[str, tuple[int, bool]] = {}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One timeline in a git repository (diff and history need one), copied for every run."""
    folder = tmp_path_factory.mktemp("orbit-streams")
    root = write_files(folder / "timeline", {**DIGEST_EVENTS, "orbit.toml": DIGEST_SETTINGS})
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "events"], check=True)
    (folder / "in.csv").write_text("date,title,countries\n2022-05-01,One,KZ\n", "utf-8")
    return folder


@contextmanager
def fresh(template: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the template for one run, under the running test's tmp_path."""
    with tempfile.TemporaryDirectory(prefix="orbit-run-", dir=tmp_path) as name:
        folder = Path(name) / "w"
        shutil.copytree(template, folder, symlinks=True)
        yield folder


def orbit(folder: Path, command: str, **streams: object) -> subprocess.CompletedProcess[bytes]:
    args = [a.replace("{tmp}", str(folder)) for a in COMMANDS[command]]
    return run_process(
        "--root", str(folder / "timeline"), *args, env=cron_env(folder), cwd=folder, **streams
    )


def baseline(command: str, template: Path, tmp_path: Path) -> tuple[int, bool]:
    """(exit status, whether it writes to stdout) with both streams working."""
    if command not in _baseline:
        with fresh(template, tmp_path) as folder:
            result = orbit(folder, command)
        assert b"Traceback" not in result.stderr and result.returncode != 70, result.stderr
        _baseline[command] = (result.returncode, bool(result.stdout))
    return _baseline[command]


def hostile(folder: Path, command: str, stream: str, mode: str) -> tuple[int, bytes]:
    """Run with one stream closed, full or broken; the other captured (b'' when stderr is the
    hostile one)."""
    fd = 1 if stream == "stdout" else 2
    other = {"stderr" if fd == 1 else "stdout": subprocess.PIPE}
    if mode == "closed":
        result = orbit(folder, command, preexec_fn=lambda: os.close(fd), **{stream: None}, **other)
    elif mode == "full":
        with open("/dev/full", "wb") as full:
            result = orbit(folder, command, **{stream: full}, **other)
    else:
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            result = orbit(folder, command, **{stream: write_end}, **other)
        finally:
            os.close(write_end)
    return result.returncode, (result.stderr or b"") if fd == 1 else b""


@settings(
    max_examples=15,
    # tmp_path holds one folder per example, each removed when its example ends
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    command=st.sampled_from(sorted(COMMANDS)),
    stream=st.sampled_from(("stdout", "stderr")),
    mode=st.sampled_from(MODES),
)
def test_every_command_survives_closed_full_and_broken_streams(
    template: Path, tmp_path: Path, command: str, stream: str, mode: str
) -> None:
    status, writes_stdout = baseline(command, template, tmp_path)
    with fresh(template, tmp_path) as folder:
        code, stderr = hostile(folder, command, stream, mode)
    expected = 74 if stream == "stdout" and writes_stdout else status
    assert code == expected, (command, stream, mode, stderr)
    assert b"Traceback" not in stderr and b"internal error" not in stderr
    if stream == "stdout" and mode != "broken" and writes_stdout:
        assert stderr.startswith(b"orbit: error: cannot write"), stderr
