"""How long reading silences.toml and adding to it take with many acknowledgements (issue 29).

    python benchmarks/silences_bench.py [ACKS] [ROUNDS]

Writes a silences.toml of ACKS acknowledgements (default 10,000) into an empty timeline under
a temporary folder, then times, each in a fresh process, median of ROUNDS (default 3):
`orbit check` (reads and checks the whole file), one `orbit silence add` over it (reads,
checks, appends, reads back, writes), and beside them the floor: a plain tomllib load of the
same file in a fresh Python, and `python -c pass`. Prints a markdown table. The goal is well
under a second for both orbit cases (issue 29: 4,000 acks took 11 s, 8,000 took 50 s). The
tests never time this; tests/test_silences.py checks the behaviour with 2,000 acks.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 1.0
TIMEOUT = 600


def orbit_executable() -> list[str]:
    script = Path(sys.executable).parent / "orbit"
    if script.exists():
        return [str(script)]
    found = shutil.which("orbit")
    return [found] if found else [sys.executable, "-m", "orbitwatch"]


def acks_text(count: int) -> str:
    """`count` acknowledgements as `orbit ack` writes them."""
    head = "# Silences and acknowledgements of orbit alerts.\n"
    tables = [
        f'\n[[silence]]\nid = "ack-{n:08x}"\nmatcher = "fingerprint:v1-{n:020x}"\n'
        f'reason = "seen by the desk"\nby = "Analyst {n % 7}"\ncreated = 2022-05-01\n'
        for n in range(count)
    ]
    return head + "".join(tables)


def timed(argv: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT
    )
    seconds = time.perf_counter() - started
    if result.returncode not in ok:
        raise SystemExit(f"{argv[-3:]}: status {result.returncode}: {result.stderr[-500:]!r}")
    return seconds


def main(argv: list[str]) -> int:
    count = int(argv[1]) if len(argv) > 1 else 10_000
    rounds = int(argv[2]) if len(argv) > 2 else 3
    with tempfile.TemporaryDirectory(prefix="orbit-silences-bench-") as name:
        root = Path(name) / "timeline"
        (root / "events").mkdir(parents=True)
        path = root / "silences.toml"
        text = acks_text(count)
        env = {
            "PATH": "/usr/bin:/bin",
            "LC_ALL": "C",
            "HOME": name,
            "XDG_STATE_HOME": f"{name}/state",
            "XDG_CACHE_HOME": f"{name}/cache",
            "ORBIT_TODAY": "2022-05-31",
        }
        orbit = [*orbit_executable(), "--root", str(root)]
        load = f"import tomllib; tomllib.load(open({str(path)!r}, 'rb'))"
        cases: dict[str, list[float]] = {
            "python -c pass": [],
            f"floor: tomllib.load of the file, {count:,} acks": [],
            f"orbit check, {count:,} acks": [],
            f"orbit silence add, over {count:,} acks": [],
        }
        for _ in range(rounds):
            path.write_text(text, encoding="utf-8")
            times = iter(cases.values())
            next(times).append(timed([sys.executable, "-c", "pass"], env))
            next(times).append(timed([sys.executable, "-c", load], env))
            next(times).append(timed([*orbit, "check"], env))
            add = ["silence", "add", "country:KG", "--until", "30d", "--reason", "r", "--by", "B"]
            next(times).append(timed([*orbit, *add], env))
    floor = statistics.median(cases[f"floor: tomllib.load of the file, {count:,} acks"])
    print(f"| case | median s (of {rounds}) | vs the tomllib floor |")
    print("|---|---:|---:|")
    for case, times in cases.items():
        median = statistics.median(times)
        print(f"| {case} | {median:.3f} | {median / floor:.2f}x |")
    slowest = max(max(times) for case, times in cases.items() if case.startswith("orbit"))
    verdict = "met" if slowest < GOAL_SECONDS else "MISSED"
    print(
        f"\nGoal: each orbit case under {GOAL_SECONDS:.0f} s; slowest round {slowest:.3f} s "
        f"({verdict})."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
