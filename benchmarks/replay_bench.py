"""`orbit alerts --replay` over a long made-up git history, before and after a change (issue 31).

Builds (deterministic seed) a git timeline of COMMITS commits spread over DAYS days: most add
one event (dated near its commit, so alerts rise and fall), some edit one, a few edit
orbit.toml or silences.toml. Then times `orbit alerts --replay SINCE..UNTIL` over the whole
span, alternating rounds of the code under test and of another copy of orbitwatch's src/ (on
PYTHONPATH), median wall seconds and peak RSS; the two outputs must be byte-identical.

    python benchmarks/replay_bench.py make DIR [COMMITS] [DAYS] [EDITS]
    python benchmarks/replay_bench.py time DIR BEFORE_SRC [ROUNDS]
    python benchmarks/replay_bench.py profile DIR [OUT]

Timings only: nothing here is asserted by the tests.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import COUNTRIES, SETTINGS, TAGS, WORDS

START = dt.date(2031, 1, 1)  # made-up events, well away from any real period
SETTINGS_EDITS = [  # applied in turn, one per orbit.toml commit
    lambda text: (
        text + '\n[[rules]]\nid = "trade-turn"\ntitle = "Trade with a new partner"\n'
        'when = "tag:trade country:CN,TR"\nstance = "away"\nweight = 1\n'
    ),
    lambda text: text + '\n[[levels]]\nname = "alarm"\nscore = 6.0\n',
    lambda text: text.replace('half_life = "180d"', 'half_life = "150d"'),
    lambda text: text.replace("weight = 3", "weight = 4", 1),
    lambda text: "# the watch desk's settings\n" + text,
]


def sentence(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count)).capitalize()


def event_text(rng: random.Random, day: dt.date, number: int) -> str:
    countries = rng.sample(COUNTRIES, rng.randint(1, 3))
    tags = rng.sample(TAGS, rng.randint(1, 3))
    return (
        f"date = {day.isoformat()}\n"
        f'title = "{sentence(rng, rng.randint(6, 10))}"\n'
        f'summary = """{sentence(rng, 30)}."""\n'
        + f"countries = {countries!r}\n".replace("'", '"')
        + f"tags = {tags!r}\n".replace("'", '"')
        + 'status = "occurred"\n\n[[sources]]\n'
        f'title = "{sentence(rng, 5)}"\npublisher = "Synthetic Wire"\n'
        f'url = "https://example.org/{number}"\n'
    )


def _blob(text: str) -> bytes:
    data = text.encode()
    return b"data %d\n" % len(data) + data + b"\n"


def make(
    root: Path, commits: int = 2000, days: int = 1100, edits: float = 0.7, seed: int = 31
) -> None:
    """The history, written with one `git fast-import` (each commit carries its own author and
    committer date, as GIT_AUTHOR_DATE / GIT_COMMITTER_DATE would give it); a share `edits`
    of the event commits edits an event, the others add one. The working tree is checked
    out at the last commit."""
    rng = random.Random(seed)
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    stream: list[bytes] = []
    paths: list[str] = []
    settings = SETTINGS
    silences: list[str] = []
    for number in range(commits):
        day = START + dt.timedelta(days=number * days // commits)
        stamp = int(dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC).timestamp())
        changes: list[tuple[str, str]] = []
        roll = rng.random()
        if number == 0:
            changes.append(("orbit.toml", settings))
        elif number % 400 == 200:  # a few orbit.toml edits
            settings = SETTINGS_EDITS[(number // 400) % len(SETTINGS_EDITS)](settings)
            changes.append(("orbit.toml", settings))
        elif number % 250 == 125:  # a few silences.toml edits
            until = day + dt.timedelta(days=30)
            country = rng.choice(COUNTRIES[:7])
            silences.append(
                f'[[silence]]\nid = "desk-{number}"\nmatcher = "country:{country}"\n'
                f'until = {until.isoformat()}\nreason = "made up"\nby = "Bench"\n'
            )
            changes.append(("silences.toml", "\n".join(silences)))
        elif roll < edits and paths:  # edit an event
            path = rng.choice(paths)
            when = day - dt.timedelta(days=rng.randint(0, 60))
            changes.append((path, event_text(rng, when, number)))
        else:  # add an event, dated near its commit
            when = day + dt.timedelta(days=rng.randint(-45, 20))
            slug = sentence(rng, 2).lower().replace(" ", "-")
            path = f"events/{when.year}/e{number:05d}-{slug}.toml"
            paths.append(path)
            changes.append((path, event_text(rng, when, number)))
        stream.append(b"commit refs/heads/main\n")
        stream.append(f"author Bench <bench@example.org> {stamp} +0000\n".encode())
        stream.append(f"committer Bench <bench@example.org> {stamp} +0000\n".encode())
        stream.append(_blob(f"commit {number}"))
        for path, text in changes:
            stream.append(f"M 100644 inline {path}\n".encode() + _blob(text))
        stream.append(b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)


def period(root: Path) -> str:
    out = subprocess.run(
        ["git", "log", "--format=%cs", "main"], cwd=root, capture_output=True, check=True
    ).stdout.split()
    return f"{out[-1].decode()}..{out[0].decode()}"


def run_once(
    root: Path, src: str | None, cache: Path, no_cache: bool = False
) -> tuple[float, float, bytes]:
    """One `orbit alerts --replay` in a fresh process: wall seconds, peak RSS (MiB), output."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "ORBIT_TODAY": "2034-01-01"}
    if src is not None:
        env["PYTHONPATH"] = src
    if no_cache:
        env["ORBIT_NO_CACHE"] = "1"
    command = [sys.executable, "-m", "orbitwatch", "--root", str(root), "alerts", "--replay"]
    output = root.parent / "replay-output.txt"
    span = period(root)
    with open(output, "wb") as sink:
        started = time.perf_counter()
        child = subprocess.Popen([*command, span], env=env, stdout=sink)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"orbit failed ({os.waitstatus_to_exitcode(status)})")
    return seconds, usage.ru_maxrss / 1024, output.read_bytes()


# before: the other src/ (its own cache, warm); after: this checkout, warm (revision records
# in the index) and without the index (ORBIT_NO_CACHE=1: the walk and scoring changes alone)
CASES = ("before", "after", "after, no cache")


def time_both(root: Path, before_src: str, rounds: int = 3) -> None:
    def once(name: str) -> tuple[float, float, bytes]:
        source = before_src if name == "before" else None
        cache = root.parent / ("cache-before" if name == "before" else "cache-after")
        return run_once(root, source, cache, no_cache=name.endswith("no cache"))

    outputs = {name: once(name)[2] for name in CASES}  # unmeasured: the index as a cron has it
    if len(set(outputs.values())) != 1:
        raise SystemExit("the outputs differ")
    times: dict[str, list[float]] = {name: [] for name in CASES}
    peaks: dict[str, list[float]] = {name: [] for name in CASES}
    for turn in range(rounds):
        for name in CASES if turn % 2 == 0 else CASES[::-1]:
            seconds, peak, out = once(name)
            if out != outputs[name]:
                raise SystemExit("an output changed between rounds")
            times[name].append(seconds)
            peaks[name].append(peak)
            print(f"round {turn + 1} {name}: {seconds:.2f} s", file=sys.stderr)
    before = statistics.median(times["before"])
    print(f"{period(root)}, {rounds} rounds, median wall seconds, peak RSS")
    print("| case | seconds | vs before | peak RSS |\n|---|---:|---:|---:|")
    for name in CASES:
        median = statistics.median(times[name])
        print(f"| {name} | {median:.2f} | {median / before:.2f}x | {max(peaks[name]):.0f} MiB |")
    lines = outputs["after"].count(b"\n")
    print(f"output: {lines} lines (the alerts the replayed digests sent)")


def profile(root: Path, out: str) -> None:
    import cProfile

    from orbitwatch.app.backtest import replay
    from orbitwatch.app.context import Workspace
    from orbitwatch.query.language import parse

    workspace = Workspace(str(root), {"ORBIT_TODAY": "2034-01-01"}, root)
    cProfile.runctx(
        "replay(workspace, parse([]), period(root), dt.date(2034, 1, 1))",
        globals(),
        {"replay": replay, "workspace": workspace, "parse": parse, "root": root},
        out,
    )


if __name__ == "__main__":
    what, folder, *rest = sys.argv[1:]
    if what == "make":
        make(Path(folder), *(int(r) for r in rest[:2]), *(float(r) for r in rest[2:]))
    elif what == "time":
        time_both(Path(folder), rest[0], *(int(r) for r in rest[1:]))
    else:
        profile(Path(folder), rest[0] if rest else "replay.prof")
