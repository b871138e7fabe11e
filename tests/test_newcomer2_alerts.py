"""Issue 30, what a cron job and new analysts still trip over: cron, alerts and eval.

Each test drives the real `orbit` command in a subprocess over files (and git repositories)
under tmp_path.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from tests.conftest import DIGEST_EVENTS, DIGEST_SETTINGS, run_process, write_files


def orbit(root: Path, *args: str, today: str = "2022-05-31", **env: str) -> tuple[int, str, str]:
    """(status, stdout, stderr) of the real orbit on the timeline at `root`."""
    full = dict(os.environ, ORBIT_TODAY=today, NO_COLOR="1", **env)
    done = run_process("--root", str(root), *args, env=full)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


# 1. An expired silence is said once, not in every cron run


EXPIRED = """
[[silence]]
id = "s-old"
matcher = "country:KG"
until = 2022-05-20
reason = "KG desk"
by = "Ana"
"""


def test_an_expired_silence_is_said_once_by_the_digest(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    write_files(root, {"silences.toml": EXPIRED})
    state = str(tmp_path / "state.json")
    status, out, err = orbit(root, "digest", "--state", state, "--format", "json")
    assert status == 0 and out
    assert err.count("silence 's-old' expired on 2022-05-20") == 1  # said once
    for _ in range(2):  # every later run: nothing on stderr, nothing mailed
        assert orbit(root, "digest", "--state", state) == (0, "", "")
    assert "s-old" in json.loads(Path(state).read_text())["expired_silences"]
    # extended, then expired again: a new expiry, said once more
    write_files(root, {"silences.toml": EXPIRED.replace("2022-05-20", "2022-05-25")})
    status, out, err = orbit(root, "digest", "--state", state)
    assert (status, out) == (0, "") and err.count("silence 's-old' expired on 2022-05-25") == 1
    assert orbit(root, "digest", "--state", state) == (0, "", "")
    # it stays visible where an analyst looks: silence list and check
    status, out, err = orbit(root, "silence", "list")
    assert status == 0 and out.startswith("s-old\texpired\t2022-05-25\t")
    status, out, err = orbit(root, "check")
    assert status == 0
    assert "silences.toml:4:1: warning: silence 's-old' expired on 2022-05-25" in err
