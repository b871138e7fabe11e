"""The warm path's floor (issue 18): ways to list the event files and stat each, against rg.

    python benchmarks/walkers.py [EVENTS_DIR] [--rounds 5]

Every case runs in a fresh process; each round runs every case once, starting one case later
than the round before (a shared machine's load falls on all of them alike), after a warm-up
round that is not counted. The new walks leave a *.toml symbolic link to walk.py's slow path,
not timed here (the bench trees have none). Columns: the median wall time of the whole
process (start, imports, work), its user + system CPU time (all its threads), the import and
work times the process measured itself, and the process time over rg's. Packages not
installed are skipped with a note. Read-only: nothing is written under EVENTS_DIR.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from importlib import metadata
from importlib.util import find_spec

CHILD = """import os, sys, time
D = sys.argv[1]
t0 = time.perf_counter()
{imports}
t1 = time.perf_counter()
{body}
print(t1 - t0, time.perf_counter() - t1, n)
"""

# One pass: scandir each folder once, stat the event files as they come. Our skip rules:
# names starting with '.' or '#' are never entered nor read, only *.toml regular files count
# (a *.toml symbolic link goes to the slow path, as in walk.py; there is none in the bench).
ONE_PASS = """def walk(base):
    out, odd, pending = [], [], [base]
    while pending:
        folder = pending.pop()
        {open}
        with os.scandir({scan}) as entries:
            for entry in entries:
                name = entry.name
                if name[0] in ".#":
                    continue
                if entry.is_dir(follow_symlinks=False):
                    pending.append(folder + "/" + name)
                elif name.endswith(".toml"):
                    if not entry.is_file(follow_symlinks=False):
                        odd.append(folder + "/" + name)
                        continue
                    path = folder + "/" + name
                    try:
                        st = {stat}
                    except OSError:
                        continue
                    mtime = st.st_mtime_ns
                    key = f"{{st.st_size}}:{{mtime}}:{{st.st_ctime_ns}}:{{st.st_ino}}"
                    out.append((path, key, mtime))
        {close}
    out.sort()
    return out
n = len(walk(D))"""


def one_pass(stat: str, fd: bool = False, scan_fd: bool = False) -> str:
    return ONE_PASS.format(
        open="fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)" if fd else "pass",
        scan="fd" if scan_fd else "folder",
        stat=stat,
        close="os.close(fd)" if fd else "pass",
    )


FIND = """out = subprocess.run(["find", D, "-mindepth", "1", "(", "-name", ".*", "-o",
    "-name", "#*", ")", "-prune", "-o", "-name", "*.toml", "(", "-type", "f", "-o", "-type",
    "l", ")", "-printf", "%y%p\\\\0%s\\\\0%T@\\\\0%C@\\\\0%i\\\\0"],
    stdout=subprocess.PIPE, check=True).stdout
def ns(text):  # '1795820354.3671315160': find prints 10 decimals, the last always 0
    whole, _, frac = text.partition(".")
    return int(whole) * 1_000_000_000 + int(frac[:9])
found = []
it = iter(out.decode("utf-8", "surrogateescape").split("\\0"))
for kind_path, size, m, c, ino in zip(it, it, it, it, it):
    path = kind_path[1:]
    if kind_path[0] == "l":  # a symbolic link: walk.py's checks, then os.stat
        continue
    mtime = ns(m)
    found.append((path, f"{size}:{mtime}:{ns(c)}:{ino}", mtime))
found.sort()
n = len(found)"""

SCANDIR_RS = """entries, errors = scandir_rs.Scandir(D, return_type=scandir_rs.ReturnType.Ext,
    skip_hidden=True, file_include=["*.toml"], file_exclude=["#*"], dir_exclude=["#*"]).collect()
found = sorted((D + "/" + e.path, f"{e.st_size}:{e.mtime}:{e.ctime}:{e.st_ino}")
               for e in entries if e.is_file)
n = len(found)"""

POWERWALK = """found = sorted(e.path_str for e in powerwalk.walk(D, filter="**/*.toml",
    exclude=["#*", "**/#*"], respect_git_ignore=False, respect_global_git_ignore=False,
    respect_git_exclude=False, respect_ignore=False) if e.is_file)
n = len(found)"""

PWALK = """import tempfile
with tempfile.TemporaryDirectory() as tmp:
    _pwalk_core.write_csv(D, tmp + "/scan.csv", os.cpu_count() or 1, 1, 0)
    with open(tmp + "/scan.csv", encoding="utf-8", errors="surrogateescape") as handle:
        rows = [line.split(",") for line in handle][1:]
n = sum(1 for row in rows if row[4] == '"toml"')"""

DIRS = """keys = []
st = os.stat(D)
keys.append((D, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
with os.scandir(D) as entries:  # a cached list of folders would spare even this listing
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            st = entry.stat()
            keys.append((entry.path, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
n = len(keys)"""

TODAY = "from orbitwatch.files.walk import event_files"
TODAY_STAT_IMPORT = "\nfrom orbitwatch.timeline.freshness import stat_all"
TODAY_STAT = "files = event_files(D)[0]\nn = len(stat_all(files))"
DIR_FD = "os.stat(name, dir_fd=fd)"
CASES = [  # (approach, module it needs or '', imports, body)
    ("python -c pass", "", "", "n = 0"),
    ("import orbitwatch.files.walk", "orbitwatch", "import orbitwatch.files.walk", "n = 0"),
    ("import orbitwatch.timeline.load", "orbitwatch", "import orbitwatch.timeline.load", "n = 0"),
    ("import subprocess", "", "import subprocess", "n = 0"),
    ("import scandir_rs", "scandir_rs", "import scandir_rs", "n = 0"),
    ("today: event_files", "orbitwatch", TODAY, "n = len(event_files(D)[0])"),
    ("today: event_files + stat_all", "orbitwatch", TODAY + TODAY_STAT_IMPORT, TODAY_STAT),
    ("one pass: scandir + entry.stat()", "", "", one_pass("entry.stat()")),
    ("one pass: scandir + os.stat(path)", "", "", one_pass("os.stat(path)")),
    ("one pass: scandir + os.lstat(path)", "", "", one_pass("os.lstat(path)")),
    ("one pass: scandir(path) + os.stat(name, dir_fd)", "", "", one_pass(DIR_FD, True)),
    ("one pass: scandir(fd) + entry.stat()", "", "", one_pass("entry.stat()", True, True)),
    ("find -printf, split in Python", "", "import subprocess", FIND),
    ("scandir-rs Scandir(Ext)", "scandir_rs", "import scandir_rs", SCANDIR_RS),
    ("powerwalk (walk only)", "powerwalk", "import powerwalk", POWERWALK),
    ("pwalk write_csv", "_pwalk_core", "import _pwalk_core", PWALK),
    ("stat of the folders only", "", "", DIRS),
]
ALL4 = "size, mtime_ns, ctime_ns, inode"
INFO_TEXT = """\
python -c pass | - | interpreter start
import orbitwatch.files.walk | - | import
import orbitwatch.timeline.load | - | import
import subprocess | - | import (for find)
import scandir_rs | - | import
today: event_files | paths | walk.py, walk only
today: event_files + stat_all | ALL4 | walk, then os.stat(path) per file (freshness.py)
one pass: scandir + entry.stat() | ALL4 | stat(full path), cached on the entry
one pass: scandir + os.stat(path) | ALL4 | stat(full path)
one pass: scandir + os.lstat(path) | ALL4 | lstat(full path): a link's own data
one pass: scandir(path) + os.stat(name, dir_fd) | ALL4 | fstatat(fd, name): no path lookup
one pass: scandir(fd) + entry.stat() | ALL4 | scandir of the folder's fd: entry.stat() is fstatat
find -printf, split in Python | ALL4 | GNU find walks + stats in C; %T@ %C@ have ns; rules as -prune
scandir-rs Scandir(Ext) | size, inode, mtime float, ctime float | no ns; its ctime is birth time
powerwalk (walk only) | paths | Rust ignore crate; no stat data at all
pwalk write_csv | size, inode, mtime s, ctime s | C threads; seconds; name + parent inode; a CSV
stat of the folders only | folder mtime_ns, ctime_ns, inode | UNSAFE: in-place edits keep it
"""  # approach | fields it gives | notes
INFO = {
    n: (f.replace("ALL4", ALL4), t) for n, f, t in (x.split(" | ") for x in INFO_TEXT.splitlines())
}
RG = "rg -lF '\"KZ\"' (reference)"
VERSIONS = ["scandir-rs", "powerwalk", "speedywalk", "pwalk"]


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_case(command: list[str], ok: tuple[int, ...]) -> tuple[float, float, list[str]]:
    """(wall s, user + system CPU s of the process and its threads, its output's words)."""
    cpu, start = cpu_of_children(), time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall, cpu = time.perf_counter() - start, cpu_of_children() - cpu
    if done.returncode not in ok:
        raise SystemExit(f"{command[:3]} failed:\n{done.stderr}")
    return wall, cpu, done.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", nargs="?", default="/tmp/bench/timeline-100000/events")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    events = os.path.abspath(args.events)
    rg = shutil.which("rg")
    skipped, cases = [], []
    for name, module, imports, body in CASES:
        if module and find_spec(module) is None:
            skipped.append(f"{name}: {module} not installed")
            continue
        code = CHILD.format(imports=imports, body=body)
        cases.append((name, [sys.executable, "-c", code, events], *INFO[name]))
    if rg:  # to a pipe: rg stops at the first match when its output is /dev/null
        cases.append((RG, [rg, "-lF", '"KZ"', events], "paths", "reads every file"))
    else:
        skipped.append("rg: not on PATH")
    times: dict[str, list[tuple[float, ...]]] = {name: [] for name, *_ in cases}
    counts: dict[str, str] = {}
    load_before = os.getloadavg()[0]
    for round_ in range(args.rounds + 1):  # round 0 warms the caches and is dropped
        turn = round_ % len(cases)  # each round starts one case later: no case is always first
        for name, command, _, _ in cases[turn:] + cases[:turn]:
            wall, cpu, out = run_case(command, ok=(0, 1) if name == RG else (0,))  # rg 1: no match
            imp, work, counts[name] = out[-3:] if name != RG else ("nan", "nan", str(len(out)))
            if round_:
                times[name].append((wall, cpu, float(imp), float(work)))
    rg_s = statistics.median(row[0] for row in times[RG]) if rg else None
    files = counts.get("today: event_files", counts.get("one pass: scandir + os.stat(path)"))
    print(f"{files} event files in {events}; median of {args.rounds} fresh processes, ", end="")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, ", end="")
    print(f"1-min load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after\n")
    print("| approach | process s | cpu s | import s | work s | ratio to rg | fields | notes |")
    print("| --- " * 8 + "|")
    for name, _, fields, notes in cases:
        wall, cpu, imp, work = map(statistics.median, zip(*times[name], strict=True))
        ratio = f"{wall / rg_s:.2f}" if rg_s else "-"
        extra = "" if counts[name] in ("0", files) or name == RG else f" ({counts[name]} found)"
        seconds = [f"{x:.3f}" if x == x else "-" for x in (wall, cpu, imp, work)]  # nan: none
        print("| " + " | ".join([name, *seconds, ratio, fields, notes + extra]) + " |")
    print()
    for dist in VERSIONS:
        try:
            print(f"- {dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            print(f"- {dist}: not installed")
    if rg:
        rg_version = subprocess.run([rg, "--version"], stdout=subprocess.PIPE, text=True)
        print(f"- {rg_version.stdout.splitlines()[0]}")
    for note in skipped:
        print(f"- skipped: {note}")


if __name__ == "__main__":
    main()
