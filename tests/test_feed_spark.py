"""The Spark engine gives DuckDB's results: one real SparkSession on local[2] for the module, the
transpiled query over the same Parquet store, and the `orbit` command quiet on stderr.

Runs in the default `python -m pytest` (pyspark is in the test extra; Java 17 on the machine).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orbitwatch.feeds import aggregate, engines, scoring
from orbitwatch.feeds.scoring import Scope, scoring_sql, store_source
from tests.conftest import run_process
from tests.test_feed_scoring import SIDES, gdelt_rows, store_rows, timeline, write_store

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_store(tmp_path_factory.mktemp("spark") / "store", store_rows(gdelt_rows()))


def test_orbit_feed_signals_on_spark_prints_what_duckdb_prints_and_nothing_on_stderr(
    tmp_path: Path, store: Path
) -> None:
    """First in the module, before its own session starts: one JVM at a time on two cores."""
    root = timeline(tmp_path)
    args = ("--root", str(root), "feed", "signals", "--store", str(store), "since:2022-02")
    on_duckdb = run_process(*args, "--format", "json")
    # a generous guard against a hang, not a timing: a JVM starts slowly on a busy machine
    on_spark = run_process(*args, "--format", "json", "--engine", "spark", timeout=600)
    assert (on_spark.returncode, on_spark.stderr) == (0, b"")
    assert on_spark.stdout == on_duckdb.stdout and json.loads(on_spark.stdout)["countries"]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = engines.spark_session("local[2]")
    yield session
    session.stop()
    engines._sessions.clear()


def both(store: Path, sql: str) -> tuple[list[Any], list[Any]]:
    glob = str(store / "rows" / "month=*" / "*.parquet")
    duck = engines.run_duckdb([*scoring.store_statements(glob, "duckdb"), sql])
    spark = engines.run_spark(
        [*scoring.store_statements(str(store / "rows"), "spark"), scoring.transpile(sql, "spark")]
    )
    return duck, spark


@pytest.mark.parametrize(
    "scope",
    [
        Scope(("KZ",), dt.date(2022, 2, 10), dt.date(2022, 5, 20), "week", "mentions"),
        Scope((), dt.date(2022, 3, 1), None, "month", "sources"),  # every country
    ],
    ids=["weeks-by-mentions", "every-country"],  # months by rows: the orbit command's test
)
def test_spark_gives_duckdbs_aggregate(spark: Any, store: Path, scope: Scope) -> None:
    duck, on_spark = both(store, scoring_sql(SIDES, scope, store_source(scope)))
    assert duck and aggregate.from_rows(on_spark) == aggregate.from_rows(duck)


def test_spark_gives_duckdbs_explanation_rows(spark: Any, store: Path) -> None:
    scope = Scope(("KZ",), dt.date(2022, 5, 1), dt.date(2022, 5, 31))
    duck, on_spark = both(store, scoring_sql(SIDES, scope, store_source(scope), detail=True))
    assert duck and aggregate.dyads_from_rows(on_spark) == aggregate.dyads_from_rows(duck)
