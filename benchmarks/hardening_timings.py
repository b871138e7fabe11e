"""How long the hardening paths take: timings the test suite no longer asserts (issue 25).

    python benchmarks/hardening_timings.py [ROUNDS]

tests/test_hardening.py checks what a hanging git does (exit status 2, one line on stderr);
this script measures how long it takes. A fake `git` that sleeps 30 s stands first on PATH and
ORBIT_GIT_TIMEOUT is 1, so `orbit diff HEAD` should end after about one second plus start-up:
the goal is well under 25 s (the bound the test used to assert). It prints a markdown table
with the median and the slowest of ROUNDS runs (default 3), each in a fresh process.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 25.0
GIT_TIMEOUT = "1"


def orbit_executable() -> list[str]:
    script = Path(sys.executable).parent / "orbit"
    if script.exists():
        return [str(script)]
    found = shutil.which("orbit")
    return [found] if found else [sys.executable, "-m", "orbitwatch"]


def hanging_git_round(folder: Path) -> tuple[float, int, bytes]:
    """One `orbit diff HEAD` against a git that never answers: (seconds, status, stderr)."""
    env = {
        "PATH": f"{folder / 'bin'}:/usr/bin:/bin",
        "LC_ALL": "C",
        "HOME": str(folder),
        "XDG_STATE_HOME": str(folder / "xdg-state"),
        "XDG_CACHE_HOME": str(folder / "xdg-cache"),
        "ORBIT_GIT_TIMEOUT": GIT_TIMEOUT,
    }
    started = time.perf_counter()
    result = subprocess.run(
        [*orbit_executable(), "--root", str(folder), "diff", "HEAD"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
    )
    return time.perf_counter() - started, result.returncode, result.stderr


def main(argv: list[str]) -> int:
    rounds = int(argv[1]) if len(argv) > 1 else 3
    with tempfile.TemporaryDirectory(prefix="orbit-hardening-bench-") as name:
        folder = Path(name)
        (folder / "bin").mkdir()
        (folder / "events").mkdir()
        fake = folder / "bin" / "git"
        fake.write_text("#!/bin/sh\nsleep 30\n", encoding="utf-8")
        fake.chmod(0o755)
        times = []
        for _ in range(rounds):
            seconds, status, stderr = hanging_git_round(folder)
            if status != 2 or b"git did not answer" not in stderr:
                sys.stderr.write(f"unexpected run: status {status}, stderr {stderr!r}\n")
                return 1
            times.append(seconds)
    median, slowest = statistics.median(times), max(times)
    print("| case | rounds | median | slowest | goal |")
    print("|---|---|---|---|---|")
    print(
        f"| `orbit diff HEAD`, git hangs, ORBIT_GIT_TIMEOUT={GIT_TIMEOUT} | {rounds} "
        f"| {median:.2f} s | {slowest:.2f} s | under {GOAL_SECONDS:.0f} s "
        f"({'met' if slowest < GOAL_SECONDS else 'MISSED'}) |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
