"""Warm runs of issue 31 side by side, alternating: this code, the code before and the floors.

    python benchmarks/warm_bench.py TIMELINE BEFORE_SRC [ROUNDS]

TIMELINE is a generated timeline (benchmarks/generate.py); a committed copy of it is made
beside it once (TIMELINE-git). BEFORE_SRC is the src/ folder of the code to compare with
(run with `python -m orbitwatch`, its own cache). Every round runs every case once, in the
same order, so that a machine whose speed drifts (a shared one) drifts for all cases alike;
the table gives each case's median wall seconds and its ratio to `rg -lF` on the same files.
Not a test.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import in_git, orbit_command  # noqa: E402


def wall(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}")
    return time.perf_counter() - start


def main() -> int:
    timeline, before_src = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 11
    tracked = in_git(timeline, timeline.parent / f"{timeline.name}-git")
    now = {**os.environ, "XDG_CACHE_HOME": tempfile.mkdtemp(prefix="warm-now-")}
    before = {
        **os.environ,
        "XDG_CACHE_HOME": tempfile.mkdtemp(prefix="warm-before-"),
        "PYTHONPATH": str(before_src),
    }
    for env in (now, before):
        env["ORBIT_TODAY"] = "2024-12-31"
        env.pop("ORBIT_NO_CACHE", None)
    orbit, old = orbit_command(), [sys.executable, "-m", "orbitwatch"]
    ids = ["list", "country:KZ", "--format", "ids"]
    git3 = (
        "git ls-files -s -v -z -- events >/dev/null & git diff-files --name-only -z -- events "
        ">/dev/null & git ls-files -o -z -- events >/dev/null & wait"
    )
    cases: dict[str, tuple[list[str], dict[str, str]]] = {}
    for where, folder in (("git work tree", tracked), ("outside git", timeline)):
        at = ["--root", str(folder)]
        cases[f"rg -lF, {where}"] = (["rg", "-lF", '"KZ"', str(folder / "events")], now)
        cases[f"list ids, {where}"] = ([*orbit, *at, *ids], now)
        cases[f"list ids, {where}, before"] = ([*old, *at, *ids], before)
        cases[f"signals, {where}"] = ([*orbit, *at, "signals"], now)
        cases[f"signals, {where}, before"] = ([*old, *at, "signals"], before)
        cases[f"digest --dry-run, {where}"] = ([*orbit, *at, "digest", "--dry-run"], now)
        cases[f"digest --dry-run, {where}, before"] = ([*old, *at, "digest", "--dry-run"], before)
    cases["floor: git's three commands, side by side"] = (
        ["sh", "-c", f'cd "$1" || exit 2; {git3}', "git3", str(tracked)],
        now,
    )
    cases["floor: python -c 'import orbitwatch.cli'"] = (
        [sys.executable, "-c", "import orbitwatch.cli"],
        now,
    )
    for argv, env in cases.values():  # warm: the index, its signature and snapshot made
        wall(argv, env)
        wall(argv, env)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, (argv, env) in cases.items():
            times[name].append(wall(argv, env))
    print(f"| case ({rounds} rounds, alternating) | median s | range s | vs rg, same files |")
    print("|---|---:|---:|---:|")
    for name, found in times.items():
        where = "outside git" if "outside git" in name else "git work tree"
        rg = statistics.median(times[f"rg -lF, {where}"])
        median = statistics.median(found)
        print(f"| {name} | {median:.3f} | {min(found):.3f}-{max(found):.3f} | {median / rg:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
