"""The engines that run the feed's SQL: DuckDB embedded (the default) and Apache Spark.

Each takes statements in its own dialect and returns plain row tuples; duckdb and pyspark are
imported here only, inside the functions. What the rows mean is aggregate.py's business.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

from orbitwatch.model.errors import OrbitError

DEFAULT_MASTER = "local[2]"


class EngineError(OrbitError):
    """An engine could not run the query (missing library, no Java, unreadable store)."""


def run_duckdb(statements: Sequence[str]) -> list[tuple[Any, ...]]:
    """Run the statements on an in-memory DuckDB; the last one's rows."""
    import duckdb

    connection = duckdb.connect()
    try:
        for statement in statements[:-1]:
            connection.execute(statement)
        return connection.execute(statements[-1]).fetchall()
    except duckdb.IOException as exc:
        raise EngineError(f"cannot read the feed store: {_first_line(exc)}") from None
    finally:
        connection.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_sessions: dict[str, Any] = {}


def spark_session(master: str = DEFAULT_MASTER) -> Any:
    """A quiet SparkSession on `master`, made once per process: log level ERROR, no console
    progress, no web UI; the JVM's own start-up chatter goes to a log file, never to orbit's
    stdout or stderr."""
    if master in _sessions:
        return _sessions[master]
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError(
            "the Spark engine needs pyspark, which is not installed",
            hint="Install it with: pip install 'orbitwatch[spark]' (it also needs Java 17 or "
            "later: java on PATH or JAVA_HOME).",
        ) from None
    log = tempfile.NamedTemporaryFile(prefix="orbit-spark-", suffix=".log", delete=False)
    try:
        with _streams_to(log.fileno()):
            session = (
                SparkSession.builder.master(master)
                .appName("orbit feed")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .getOrCreate()
            )
            session.sparkContext.setLogLevel("ERROR")
    except Exception as exc:  # noqa: BLE001 - pyspark raises its own types for a missing JVM
        raise EngineError(
            f"Spark could not start on {master}: {_first_line(exc)}",
            hint="Spark needs Java 17 or later (java on PATH or JAVA_HOME); the JVM's "
            f"messages are in {log.name}.",
        ) from None
    # started: the log goes (the JVM keeps writing to the unlinked file until it exits)
    os.unlink(log.name)
    _sessions[master] = session
    return session


@contextlib.contextmanager
def _streams_to(fd: int) -> Iterator[None]:
    """Point file descriptors 1 and 2 at `fd` while the JVM starts: it inherits them and so
    keeps its log4j start-up lines off the terminal for good."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for copy in saved:
            os.close(copy)


def run_spark(statements: Sequence[str], master: str = DEFAULT_MASTER) -> list[tuple[Any, ...]]:
    """Run the statements (Spark SQL) on a session on `master`; the last one's rows."""
    session = spark_session(master)
    try:
        for statement in statements[:-1]:
            session.sql(statement)
        rows = session.sql(statements[-1]).collect()
    except Exception as exc:  # noqa: BLE001 - AnalysisException and JVM errors alike
        raise EngineError(f"Spark could not run the feed query: {_first_line(exc)}") from None
    return [tuple(row) for row in rows]


def run(engine: str, statements: Sequence[str], master: str = DEFAULT_MASTER) -> list[Any]:
    if engine == "spark":
        return run_spark(statements, master)
    return run_duckdb(statements)
