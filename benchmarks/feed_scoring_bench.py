"""Scoring benchmarks: `orbit feed signals` on N stored rows against a hand-written DuckDB GROUP BY
over the same Parquet in its own process (the floor), warm times and peak RSS side by side; and
Spark local[2] against DuckDB on the same rows (session start, the query, the JVM's peak RSS).

    python benchmarks/feed_scoring_bench.py make ROWS STORE      # a store of random rows
    python benchmarks/feed_scoring_bench.py run STORE [--spark] [--runs 5]

The store is written directly by DuckDB in the store's layout and schema (rows/month=YYYY-MM/,
feeds/store.py), with skewed actors (a third unmapped), roots and mentions; not real events.
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

REPO = Path(__file__).resolve().parent.parent
ACTORS = {
    "US": 180, "RU": 70, "CN": 60, "GB": 50, "IN": 40, "FR": 30, "DE": 30, "IL": 30, "UA": 30,
    "IR": 25, "TR": 25, "PK": 20, "JP": 20, "AU": 20, "CA": 20, "SY": 20, "AF": 15, "NG": 15,
    "KR": 15, "SA": 15, "EG": 15, "BR": 15, "IQ": 15, "KZ": 8, "UZ": 4, "KG": 3, "TJ": 3,
    "TM": 2, "AM": 5, "BY": 6, "AZ": 4, "GE": 5, "EU": 20, "NATO": 5, "CSTO": 1, "": 300,
}  # fmt: skip
ROOTS = {
    "01": 180, "02": 60, "03": 70, "04": 230, "05": 90, "06": 30, "07": 25, "08": 20,
    "09": 10, "10": 20, "11": 60, "12": 20, "13": 25, "14": 20, "15": 10, "16": 15,
    "17": 60, "18": 30, "19": 20, "20": 5,
}  # fmt: skip
WATCH = ("KZ", "KG", "TJ", "UZ", "TM", "AM", "BY")


def _weighted(weights: dict[str, int]) -> tuple[str, int]:
    items = [code for code, weight in weights.items() for _ in range(weight)]
    cells = ", ".join("NULL" if not item else f"'{item}'" for item in items)
    return f"[{cells}]", len(items)


CHUNK = 10_000_000  # rows per COPY when making a store


def make_store(rows: int, store: Path) -> float:
    """Write `rows` random rows into STORE/rows/month=YYYY-MM/; the seconds it took."""
    import duckdb

    actors, n_actors = _weighted(ACTORS)
    roots, n_roots = _weighted(ROOTS)
    pick = "{list}[1 + CAST(floor(random() * {n}) AS INTEGER)]"
    started = time.perf_counter()
    connection = duckdb.connect()
    connection.execute("SET memory_limit = '1GB'; SET preserve_insertion_order = false")
    connection.execute("SELECT setseed(0.26)")
    if (store / "rows").exists():
        shutil.rmtree(store / "rows")
    (store / "rows").mkdir(parents=True)
    # Written in chunks of CHUNK rows, each appended to the partitions: one COPY of 100
    # million rows ran out of the 1 GB limit (DuckDB keeps buffers for every open partition).
    for first in range(0, rows, CHUNK):
        count = min(CHUNK, rows - first)
        connection.execute(
            f"""COPY (
          SELECT 'gdelt2' AS source, CAST(i AS VARCHAR) AS event_id, day, actor1, actor2,
            actor1 AS actor1_raw, actor2 AS actor2_raw, root || '0' AS cameo, root,
            0.0 AS goldstein, mentions, CAST(1 + mentions // 4 AS INTEGER) AS sources,
            mentions AS articles, 'https://news.example/' || CAST(i AS VARCHAR) AS url,
            CAST(NULL AS VARCHAR) AS story, strftime(day, '%Y-%m') AS month
          FROM (
            SELECT i, DATE '2015-02-19' + CAST(floor(random() * 3969) AS INTEGER) AS day,
              {pick.format(list=actors, n=n_actors)} AS actor1,
              {pick.format(list=actors, n=n_actors)} AS actor2,
              {pick.format(list=roots, n=n_roots)} AS root,
              CAST(least(1000, floor(pow(random(), -0.7))) AS INTEGER) AS mentions
            FROM range({first}, {first + count}) AS t(i)
          )
        ) TO '{store / "rows"}' (FORMAT parquet, PARTITION_BY (month), APPEND,
              FILENAME_PATTERN 'chunk{first // CHUNK}_{{uuid}}')"""
        )
    return time.perf_counter() - started


FLOOR = """
import duckdb
watch = {watch!r}
codes = ", ".join(repr(c) for c in watch)
rows = duckdb.sql(f'''
  SELECT actor1, actor2, root, year(day) * 100 + month(day) AS period, count(*) AS n
  FROM read_parquet('{glob}', hive_partitioning = true)
  WHERE actor1 IN ({{codes}}) OR actor2 IN ({{codes}})
  GROUP BY ALL''').fetchall()
print(len(rows))
"""


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """(wall seconds, peak RSS in MiB, CPU seconds) of one process, from wait4's rusage (the
    CPU time is the steadier figure on a busy machine)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=REPO
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{command} failed: {process.stderr.read().decode()}")  # type: ignore[union-attr]
    return elapsed, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def side_by_side(store: Path, runs: int) -> None:
    glob = str(store / "rows" / "month=*" / "*.parquet")
    floor = [sys.executable, "-c", FLOOR.format(watch=WATCH, glob=glob)]
    orbit = [str(Path(sys.executable).parent / "orbit"), "feed", "signals", "--store", str(store)]
    env = {**os.environ, "ORBIT_NO_CACHE": "1"}
    timed(floor)  # warm the page cache
    results: dict[str, list[tuple[float, int, float]]] = {"floor": [], "orbit": []}
    for _ in range(runs):  # alternated, so that both see the same machine
        results["floor"].append(timed(floor))
        results["orbit"].append(timed([*orbit, "--format", "json"], env))
    for name, found in results.items():
        seconds = statistics.median(t for t, _, _ in found)
        print(
            f"{name:6s} wall median {seconds:.3f} s (min {min(t for t, _, _ in found):.3f}, max "
            f"{max(t for t, _, _ in found):.3f}), CPU median "
            f"{statistics.median(c for _, _, c in found):.3f} s, peak RSS "
            f"{max(r for _, r, _ in found)} MiB"
        )
    for index, what in ((0, "wall"), (2, "CPU")):
        orbit_median = statistics.median(run[index] for run in results["orbit"])
        floor_median = statistics.median(run[index] for run in results["floor"])
        print(f"orbit / floor ({what}, medians): {orbit_median / floor_median:.2f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


def jvm_peak_mib() -> int:
    """The highest VmHWM among this process's children (the JVM pyspark started)."""
    peak = 0
    me = str(os.getpid())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[1] == me:
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) // 1024)
    return peak


def spark_vs_duckdb(store: Path) -> None:
    sys.path.insert(0, str(REPO / "src"))
    from orbitwatch.feeds import engines, scoring
    from orbitwatch.model.acts import sides

    the_sides = sides("RU", {"CSTO": "RU", "EAEU": "RU", "CIS": "RU"}, ["CN", "US", "TR", "EU"])
    scope = scoring.Scope(WATCH)
    sql = scoring.scoring_sql(the_sides, scope, scoring.store_source(scope))
    glob = str(store / "rows" / "month=*" / "*.parquet")
    duck = [*scoring.store_statements(glob, "duckdb"), sql]
    engines.run_duckdb(duck)
    started = time.perf_counter()
    engines.run_duckdb(duck)
    print(f"duckdb query (in process, warm): {time.perf_counter() - started:.3f} s")
    started = time.perf_counter()
    engines.spark_session("local[2]")
    print(f"spark session start: {time.perf_counter() - started:.1f} s")
    spark = [
        *scoring.store_statements(str(store / "rows"), "spark"),
        scoring.transpile(sql, "spark"),
    ]
    for label in ("first", "second"):
        started = time.perf_counter()
        engines.run_spark(spark)
        print(f"spark query ({label}): {time.perf_counter() - started:.1f} s")
    print(f"JVM peak RSS: {jvm_peak_mib()} MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    make = sub.add_parser("make")
    make.add_argument("rows", type=int)
    make.add_argument("store", type=Path)
    bench = sub.add_parser("run")
    bench.add_argument("store", type=Path)
    bench.add_argument("--runs", type=int, default=5)
    bench.add_argument("--spark", action="store_true")
    args = parser.parse_args(argv)
    if args.what == "make":
        seconds = make_store(args.rows, args.store)
        size = sum(f.stat().st_size for f in args.store.rglob("*.parquet")) / 2**20
        print(f"{args.rows} rows written in {seconds:.1f} s, {size:.0f} MiB of Parquet")
        return 0
    tempfile.tempdir = None
    side_by_side(args.store, args.runs)
    if args.spark:
        spark_vs_duckdb(args.store)
    return 0


if __name__ == "__main__":
    sys.exit(main())
