"""Import benchmarks: `orbit feed import` of N synthetic GDELT 2.0 rows (benchmarks/feedgen.py)
against DuckDB's own read_csv -> COPY Parquet of the same file in its own process (the floor),
run side by side; plain TSV and zipped; wall seconds, rows per second and peak RSS.

    python benchmarks/feed_bench.py ROWS [--work DIR] [--rounds 1]

Prints a Markdown table for benchmarks/RESULTS.md ("Feeds: import"). Not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from feedgen import generate

FLOOR = """
import sys, duckdb
con = duckdb.connect()
con.execute(
    "COPY (SELECT * FROM read_csv(?, delim='\\t', header=false, quote='', escape='')) "
    "TO '" + sys.argv[2] + "' (FORMAT parquet)", [sys.argv[1]]
)
"""


def orbit_command() -> list[str]:
    script = Path(sys.executable).parent / "orbit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "orbitwatch"]


def measure(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run of argv (which must exit 0)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {code}: {process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("--work", type=Path, default=None, help="folder for the files")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="feedbench-"))
    work.mkdir(parents=True, exist_ok=True)
    tsv = work / f"synthetic-{args.rows}.export.CSV"
    archive = tsv.with_name(tsv.name + ".zip")
    if not tsv.exists() or not archive.exists():
        generate(args.rows, tsv, zipped=True)
    cases = {
        "floor: DuckDB read_csv -> COPY Parquet (own process), TSV": lambda: [
            sys.executable, "-c", FLOOR, str(tsv), str(work / "floor.parquet"),
        ],
        "orbit feed import, TSV, new store": lambda: [
            *orbit_command(), "feed", "import", "--store", str(work / "store-tsv"), str(tsv),
        ],
        "orbit feed import, zip, new store": lambda: [
            *orbit_command(), "feed", "import", "--store", str(work / "store-zip"), str(archive),
        ],
        "orbit feed import, same TSV again (adds nothing)": lambda: [
            *orbit_command(), "feed", "import", "--store", str(work / "store-tsv"), str(tsv),
        ],
    }  # fmt: skip
    results: dict[str, tuple[float, float]] = {}
    for name, command in cases.items():
        times, peaks = [], []
        for round_number in range(args.rounds):
            if "new store" in name:
                shutil.rmtree(work / ("store-tsv" if "TSV" in name else "store-zip"), True)
            elif "again" in name and round_number == 0:
                pass  # the TSV store of the case before
            elapsed, peak = measure(command())
            times.append(elapsed)
            peaks.append(peak)
        results[name] = (statistics.median(times), max(peaks))
        print(f"{name}: {results[name][0]:.2f} s, {results[name][1]:.0f} MiB", file=sys.stderr)
    floor = results["floor: DuckDB read_csv -> COPY Parquet (own process), TSV"][0]
    print(
        f"\n{args.rows:,} synthetic GDELT 2.0 rows ({tsv.stat().st_size / 2**20:,.0f} MiB TSV, "
        f"{archive.stat().st_size / 2**20:,.0f} MiB zipped); {os.cpu_count()} cores.\n"
    )
    print("| case | s | rows/s | x floor | peak MiB |")
    print("|---|---:|---:|---:|---:|")
    for name, (seconds, peak) in results.items():
        print(
            f"| {name} | {seconds:.2f} | {args.rows / seconds:,.0f} | {seconds / floor:.2f} "
            f"| {peak:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
