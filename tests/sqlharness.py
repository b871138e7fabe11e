"""The SQL compiler's test harness: a query compiled whole, events loaded into SQLite, ids selected.

Only the property and table tests use it; the index compiles with to_sql_partial.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Mapping

from orbitwatch.model.event import Event, Reading
from orbitwatch.query.language import Query
from orbitwatch.query.sql import COLUMNS, Clause, event_row, to_sql_partial

SCHEMA = f"CREATE TABLE events (position INTEGER PRIMARY KEY, {COLUMNS})"


def to_sql(query: Query, today: dt.date, readings: bool = True) -> Clause | None:
    """The query as (WHERE clause, parameters) over `events`; None if a term cannot compile.

    Reading terms (stance, origin, rule) compile only over a table that holds readings
    (`readings`); `[...]` id globs and rule globs never do. Relative dates are resolved
    against `today`.
    """
    clause, exact = to_sql_partial(query, today, readings)
    return clause if exact else None


def load_events(
    events: Iterable[Event], reading_of: Mapping[str, Reading] | None = None
) -> sqlite3.Connection:
    """A new in-memory SQLite database holding these events (and their readings, if given)."""
    db = sqlite3.connect(":memory:")
    # Standard LIKE is case-sensitive (id globs are); SQLite's is not unless told.
    db.execute("PRAGMA case_sensitive_like = ON")
    db.execute(SCHEMA)
    read = reading_of is not None
    rows = [
        (position, *event_row(e, reading_of.get(e.id) if reading_of else None, read))
        for position, e in enumerate(events)
    ]
    db.executemany(f"INSERT INTO events VALUES ({', '.join('?' for _ in range(15))})", rows)
    return db


def select_ids(db: sqlite3.Connection, clause: Clause) -> list[str]:
    """The ids of the events matching a compiled clause, in the order they were loaded."""
    sql, params = clause
    cursor = db.execute(
        f"SELECT events.id FROM events WHERE {sql} ORDER BY events.position", params
    )
    return [row[0] for row in cursor]
