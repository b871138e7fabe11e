"""Benchmarks: orbitwatch against what a user could do instead, side by side in one run.

    python benchmarks/bench.py                      # 100,000 events, writes benchmarks/RESULTS.md
    python benchmarks/bench.py --events 1000 --rounds 1 --out /tmp/r.md   # the smoke run

Each case runs `--rounds` times in a fresh process; the table gives the median wall time and the
peak resident memory of that process (os.wait4). Not a test: CI runs only the 1k smoke run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

FLOOR = """
import os, sys
from orbitwatch.timeline.freshness import stat_all
from orbitwatch.files.walk import event_files
files, _ = event_files(sys.argv[1], os.path.dirname(sys.argv[1]))
print(len(stat_all(files)))
"""

BARE_TOMLLIB = """
import os, sys, tomllib
count = 0
for folder, _, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith('.toml'):
            with open(os.path.join(folder, name), 'rb') as handle:
                tomllib.load(handle)
            count += 1
print(count)
"""


def orbit_command() -> list[str]:
    script = Path(sys.executable).parent / "orbit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "orbitwatch"]


def measure(argv: list[str], env: dict[str, str], before: object = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run of argv."""
    if callable(before):
        before()
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}")
    return elapsed, usage.ru_maxrss / 1024


def run_case(
    argv: list[str],
    env: dict[str, str],
    rounds: int,
    before: object = None,
    warmup: bool = False,
) -> tuple[float, float]:
    if warmup:  # warm cases: two unmeasured runs first, so the index, its tree signature and
        measure(argv, env, before)  # the marks' snapshot are made, and the page cache warm
        measure(argv, env, before)
    times, peaks = [], []
    for _ in range(rounds):
        elapsed, peak = measure(argv, env, before)
        times.append(elapsed)
        peaks.append(peak)
    return statistics.median(times), max(peaks)


def touch(root: Path) -> object:
    """Before each round: a new (old enough to be cached) modification time for one file, so
    the run finds one changed file and the index no longer matches the tree as a whole."""
    victim = sorted((root / "events").rglob("*.toml"))[0]
    step = iter(range(1, 1_000_000))

    def before() -> None:
        moment = time.time() - 3600 - next(step)
        os.utime(victim, (moment, moment))

    return before


def git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@example.org",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@example.org",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def in_git(root: Path, copy: Path) -> Path:
    """A copy of a generated timeline committed to a new git repository (made once)."""
    if not (copy / ".git").exists():
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(root, copy)
        git(copy, "init", "-q")
        git(copy, "add", "-A")
        git(copy, "commit", "-qm", "generated")
        git(copy, "status", "--porcelain")  # refresh git's index once, as any git use does
    return copy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="Keep generated timelines here (reused when present).",
    )
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="A checkout of the code to compare with (its src/ on PYTHONPATH): the warm cases "
        "run with both, side by side, each with its own cache.",
    )
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="orbit-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    cache = Path(tempfile.mkdtemp(prefix="orbit-bench-cache-"))
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "ORBIT_TODAY": "2024-12-31"}
    env.pop("ORBIT_NO_CACHE", None)
    orbit = orbit_command()
    sizes = sorted({min(args.events, 20_000), args.events})
    roots = {}
    for size in sizes:
        root = work / f"timeline-{size}"
        if not (root / "orbit.toml").exists():
            generate(root, size)
        roots[size] = root

    def clear_cache() -> None:
        shutil.rmtree(cache / "orbitwatch", ignore_errors=True)

    rows: list[tuple[str, float, float]] = []

    def case(name: str, argv: list[str], before: object = None, rounds: int | None = None) -> None:
        median, peak = run_case(argv, env, rounds or args.rounds, before, "warm" in name)
        rows.append((name, median, peak))
        print(f"{name:55} {median:8.3f} s {peak:8.1f} MiB", flush=True)

    case("python -c pass", [sys.executable, "-c", "pass"])
    case('python -c "import click"', [sys.executable, "-c", "import click"])
    case("orbit --version", [*orbit, "--version"])
    case("orbit --help", [*orbit, "--help"])
    case("orbit list (shipped example, warm)", [*orbit, "--root", str(REPO), "list"])
    completion_env = {
        **env,
        "_ORBIT_COMPLETE": "bash_complete",
        "COMP_WORDS": "orbit show 2022",
        "COMP_CWORD": "2",
        "ORBIT_ROOT": str(REPO),
    }
    median, peak = run_case(orbit, completion_env, args.rounds)
    rows.append(("completion of `orbit show 2022` (shipped example)", median, peak))
    print(f"{'completion of orbit show 2022':55} {median:8.3f} s {peak:8.1f} MiB", flush=True)
    rg = shutil.which("rg")
    before_cache = Path(tempfile.mkdtemp(prefix="orbit-bench-before-"))
    before_env = {**env, "XDG_CACHE_HOME": str(before_cache)}
    if args.before is not None:
        before_env["PYTHONPATH"] = str(args.before.resolve() / "src")
    before = [sys.executable, "-m", "orbitwatch"]

    def side_by_side(name: str, argv: list[str]) -> None:
        """A warm case with this code and, given --before, with the code before."""
        case(name, [*orbit, *argv])
        if args.before is not None:
            median, peak = run_case([*before, *argv], before_env, args.rounds, None, True)
            rows.append((f"{name} (before)", median, peak))
            print(f"{name + ' (before)':55} {median:8.3f} s {peak:8.1f} MiB", flush=True)

    for size, root in roots.items():
        label = f"{size // 1000}k"
        events = str(root / "events")
        query = [*orbit, "--root", str(root), "list", "country:KZ", "--format", "ids"]
        case(f"orbit list country:KZ --format ids, cold, {label}", query, clear_cache)
        case(f"orbit list country:KZ --format ids, warm, {label}", query)
        check = [*orbit, "--root", str(root), "check"]
        case(f"orbit check, cold, {label}", check, clear_cache)
        case(f"orbit check, warm, {label}", check)
        signals = [*orbit, "--root", str(root), "signals"]
        case(f"orbit signals, warm, {label}", signals)
        case(f"orbit signals, warm, one file touched, {label}", signals, touch(root))
        floor = [sys.executable, "-c", FLOOR, events]
        case(f"floor: walk + stat every file (Python), {label}", floor)
        digest = [*orbit, "--root", str(root), "digest", "--dry-run"]
        case(f"orbit digest --dry-run, warm, {label}", digest)
        case(f"bare tomllib loop, {label}", [sys.executable, "-c", BARE_TOMLLIB, events])
        if rg:
            case(f"rg -lF '\"KZ\"', {label}", [rg, "-lF", '"KZ"', events])
        case(f"grep -rlF '\"KZ\"', {label}", ["grep", "-rlF", '"KZ"', events])
        tracked = in_git(root, work / f"timeline-{size}-git")  # the same files, committed
        ids = ["list", "country:KZ", "--format", "ids"]
        for where, folder in (("outside git", root), ("git work tree", tracked)):
            at = ["--root", str(folder)]
            side_by_side(f"orbit list country:KZ --format ids, warm, {where}, {label}", at + ids)
            side_by_side(f"orbit signals, warm, {where}, {label}", [*at, "signals"])
            side_by_side(
                f"orbit digest --dry-run, warm, {where}, {label}", [*at, "digest", "--dry-run"]
            )
        if rg:
            tracked_events = str(tracked / "events")
            case(f"rg -lF '\"KZ\"', git work tree, {label}", [rg, "-lF", '"KZ"', tracked_events])
    diff_root = work / f"timeline-{sizes[0]}-diff"
    if not (diff_root / ".git").exists():
        shutil.rmtree(diff_root, ignore_errors=True)
        shutil.copytree(roots[sizes[0]], diff_root)
        git(diff_root, "init", "-q")
        git(diff_root, "add", "-A")
        git(diff_root, "commit", "-qm", "one")
        for path in sorted((diff_root / "events").rglob("*.toml"))[:100]:
            path.write_text(
                path.read_text("utf-8").replace('status = "occurred"', 'status = "reported"'),
                "utf-8",
            )
        git(diff_root, "commit", "-qam", "two")
    case(
        f"orbit diff HEAD~1 HEAD --stat, {sizes[0] // 1000}k",
        [*orbit, "--root", str(diff_root), "diff", "HEAD~1", "HEAD", "--stat"],
    )
    write_results(args.out, rows, args.events, args.rounds, rg is not None)
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(before_cache, ignore_errors=True)
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def write_results(
    out: Path, rows: list[tuple[str, float, float]], events: int, rounds: int, have_rg: bool
) -> None:
    from orbitwatch import __version__

    timing = {name: (median, peak) for name, median, peak in rows}
    label = f"{events // 1000}k"

    def ratio(a: str, b: str) -> str:
        if a not in timing or b not in timing:
            return "n/a"
        return f"{timing[a][0] / timing[b][0]:.2f}x"

    click_case = 'python -c "import click"'
    small = f"{min(events, 20_000) // 1000}k"
    warm_list = f"orbit list country:KZ --format ids, warm, {label}"
    rg_case = f"rg -lF '\"KZ\"', {label}"
    grep_case = f"grep -rlF '\"KZ\"', {label}"
    tomllib_case = f"bare tomllib loop, {label}"
    cold_check = f"orbit check, cold, {label}"
    warm_check = f"orbit check, warm, {label}"
    warm_signals = f"orbit signals, warm, {label}"
    warm_digest = f"orbit digest --dry-run, warm, {small}"
    git_list = f"orbit list country:KZ --format ids, warm, git work tree, {label}"
    outside_list = f"orbit list country:KZ --format ids, warm, outside git, {label}"
    git_rg = f"rg -lF '\"KZ\"', git work tree, {label}"

    def against_rg(case: str) -> str:
        return ratio(case, rg_case) if have_rg else "rg not installed"

    def peak(*cases: str) -> float:
        return max(timing.get(c, (0.0, 0.0))[1] for c in cases)

    lines = [
        "# Benchmark results",
        "",
        f"Run on {dt.date.today().isoformat()}: orbitwatch {__version__}, Python "
        f"{platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} cores; {events:,} synthetic events spanning 2000-2024; median of "
        f"{rounds} rounds; peak RSS of the measured process.",
        "",
        "Regenerate with `python benchmarks/bench.py` (several minutes at 100k).",
        "",
        "| case | median s | peak MiB |",
        "|---|---:|---:|",
        *(f"| {name} | {median:.3f} | {peak:.1f} |" for name, median, peak in rows),
        "",
        "## Goals",
        "",
        "| goal | target | reached |",
        "|---|---|---|",
        f"| `orbit --version` vs `{click_case}` | <= 1.3x | "
        f"{ratio('orbit --version', click_case)} |",
        f"| warm `orbit signals` vs `rg -lF '\"KZ\"'`, {label} | <= 3x | "
        f"{against_rg(warm_signals)} |",
        f"| warm `orbit digest --dry-run` vs bare tomllib loop, {small} | <= 0.25x | "
        f"{ratio(warm_digest, f'bare tomllib loop, {small}')} |",
        f"| warm `orbit list country:KZ --format ids` vs `rg -lF`, git work tree, {label} | "
        f"<= 1.5x | {ratio(git_list, git_rg) if have_rg else 'rg not installed'} |",
        f"| the same outside git, vs `rg -lF`, {label} | (recorded) | {against_rg(outside_list)} |",
        f"| the same vs `grep -rl`, {label} | (context) | {ratio(warm_list, grep_case)} |",
        f"| the same vs bare tomllib loop, {label} | <= 0.1x | {ratio(warm_list, tomllib_case)} |",
        f"| cold `orbit check` vs bare tomllib loop, {label} | <= 0.4x | "
        f"{ratio(cold_check, tomllib_case)} |",
        f"| peak memory, warm signals, {label} | < 150 MiB | {peak(warm_signals):.0f} MiB |",
        f"| peak memory, warm list, {label} | < 150 MiB | "
        f"{peak(warm_list, git_list, outside_list):.0f} MiB |",
        *(
            f"| {name}: this code vs the code before | no slower | "
            f"{ratio(name, name + ' (before)')} |"
            for name in timing
            if name + " (before)" in timing
        ),
        f"| peak memory, check, {label} | < 400 MiB | {peak(cold_check, warm_check):.0f} MiB |",
        "",
    ]
    kept = ""  # the section written by hand after a run is kept as it is
    if out.exists():
        previous = out.read_text(encoding="utf-8")
        if HAND_WRITTEN in previous:
            kept = previous[previous.index(HAND_WRITTEN) :]
    out.write_text("\n".join(lines) + ("\n" + kept if kept else ""), encoding="utf-8")


HAND_WRITTEN = "## Where the targets are missed"


if __name__ == "__main__":
    raise SystemExit(main())
