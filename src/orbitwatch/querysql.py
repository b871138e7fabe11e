"""The query language compiled to a standard-SQL WHERE clause over a table of events.

query.compile_query stays the reference; this module never decides what a term means, only
how to say it in SQL. Terms that need a reading (stance, origin, rule) are not compiled.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Sequence

from orbitwatch.model import Event
from orbitwatch.query import DATE_FIELDS, Query, Term, resolve_country, term_period

# Standard SQL only: no GLOB, instr or JSON functions, so the same text can later run on
# DuckDB or a distributed engine. Case-insensitive matching compares casefolded keys stored
# beside the text (LOWER() is not casefold: SQLite's is ASCII-only, and no engine folds 'ß').
SCHEMA = (
    "CREATE TABLE events (position INTEGER PRIMARY KEY, id VARCHAR NOT NULL, "
    "first_day INTEGER NOT NULL, last_day INTEGER NOT NULL, status VARCHAR NOT NULL, "
    "title VARCHAR NOT NULL, summary VARCHAR NOT NULL, "
    "title_folded VARCHAR NOT NULL, summary_folded VARCHAR NOT NULL)",
    "CREATE TABLE event_countries (position INTEGER NOT NULL, country VARCHAR NOT NULL)",
    "CREATE TABLE event_tags (position INTEGER NOT NULL, tag VARCHAR NOT NULL, "
    "tag_folded VARCHAR NOT NULL)",
    "CREATE TABLE event_actors (position INTEGER NOT NULL, actor VARCHAR NOT NULL, "
    "actor_folded VARCHAR NOT NULL)",
    "CREATE TABLE event_sources (position INTEGER NOT NULL, "
    "publisher_folded VARCHAR NOT NULL, url_folded VARCHAR NOT NULL)",
)
LIKE_ESCAPE = "!"
ALWAYS = "1 = 1"
Clause = tuple[str, list[object]]


def to_sql(query: Query, today: dt.date) -> Clause | None:
    """The query as (WHERE clause, parameters) over `events`; None if a term cannot compile.

    None is for the whole query (stance:, origin:, rule:, or an id glob with `[...]`): the
    caller then runs the Python evaluator. Relative dates are resolved against `today`.
    """
    parts: list[str] = []
    params: list[object] = []
    for term in query.terms:
        compiled = _term(term, today)
        if compiled is None:
            return None
        sql, term_params = compiled
        parts.append(f"NOT ({sql})" if term.negated else f"({sql})")
        params.extend(term_params)
    return (" AND ".join(parts) if parts else ALWAYS), params


def _placeholders(count: int) -> str:
    return ", ".join("?" for _ in range(count))


def _exists(table: str, condition: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM {table} AS child "
        f"WHERE child.position = events.position AND {condition})"
    )


def _any_of(column: str, values: Sequence[object]) -> str:
    return f"{column} IN ({_placeholders(len(values))})"


def like_escape(text: str) -> str:
    """Text to match literally inside a LIKE pattern escaped by LIKE_ESCAPE."""
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return text


def glob_to_like(pattern: str) -> str | None:
    """An fnmatch glob as a LIKE pattern (`*` any run, `?` one character); None for `[`."""
    if "[" in pattern:
        return None
    return "".join("%" if ch == "*" else "_" if ch == "?" else like_escape(ch) for ch in pattern)


def _contains(column: str) -> str:
    return f"{column} LIKE ? ESCAPE '{LIKE_ESCAPE}'"


def _term(term: Term, today: dt.date) -> Clause | None:
    field, values = term.field, term.values
    if field == "country":
        codes = sorted({resolve_country(v) for v in values})
        return _exists("event_countries", _any_of("child.country", codes)), list(codes)
    if field in ("actor", "tag"):
        folded = sorted({v.casefold() for v in values})
        table, column = ("event_actors", "actor") if field == "actor" else ("event_tags", "tag")
        return _exists(table, _any_of(f"child.{column}_folded", folded)), list(folded)
    if field == "status":
        statuses = sorted({v.casefold() for v in values})
        return _any_of("events.status", statuses), list(statuses)
    if field == "id":
        return _id_globs(values)
    if field == "source":
        return _sources(values)
    if field in DATE_FIELDS:
        return _dates(term, today)
    if field == "text":
        pattern = "%" + like_escape(values[0].casefold()) + "%"
        sql = f"{_contains('events.title_folded')} OR {_contains('events.summary_folded')}"
        return sql, [pattern, pattern]
    return None  # stance, origin, rule: they read a reading, which the table does not hold


def _id_globs(patterns: Iterable[str]) -> Clause | None:
    likes = [glob_to_like(p) for p in patterns]
    if any(like is None for like in likes):
        return None
    sql = " OR ".join(_contains("events.id") for _ in likes)
    return sql, list(likes)


def _sources(needles: Iterable[str]) -> Clause:
    patterns = ["%" + like_escape(n.casefold()) + "%" for n in needles]
    one = f"{_contains('child.publisher_folded')} OR {_contains('child.url_folded')}"
    sql = " OR ".join(_exists("event_sources", f"({one})") for _ in patterns)
    return sql, [p for pattern in patterns for p in (pattern, pattern)]


def _dates(term: Term, today: dt.date) -> Clause:
    period = term_period(term.field, term.values[0], today, str(term))
    conditions: list[str] = []
    params: list[object] = []
    # Days as ordinals; `date:`, `since:`, `until:` ask for an overlap, `within:` containment.
    if period.first is not None:
        column = "first_day" if term.field == "within" else "last_day"
        conditions.append(f"events.{column} >= ?")
        params.append(period.first.toordinal())
    if period.last is not None:
        column = "last_day" if term.field == "within" else "first_day"
        conditions.append(f"events.{column} <= ?")
        params.append(period.last.toordinal())
    return (" AND ".join(conditions) if conditions else ALWAYS), params


def event_rows(events: Iterable[Event]) -> dict[str, list[tuple[object, ...]]]:
    """The rows of each table for these events, keyed by table name, in input order."""
    rows: dict[str, list[tuple[object, ...]]] = {
        "events": [],
        "event_countries": [],
        "event_tags": [],
        "event_actors": [],
        "event_sources": [],
    }
    for position, event in enumerate(events):
        rows["events"].append(
            (
                position,
                event.id,
                event.first_day.toordinal(),
                event.last_day.toordinal(),
                event.status,
                event.title,
                event.summary,
                event.title.casefold(),
                event.summary.casefold(),
            )
        )
        rows["event_countries"].extend((position, code) for code in event.countries)
        rows["event_tags"].extend((position, tag, tag.casefold()) for tag in event.tags)
        rows["event_actors"].extend((position, a, a.casefold()) for a in event.actors)
        rows["event_sources"].extend(
            (position, s.publisher.casefold(), s.url.casefold()) for s in event.sources
        )
    return rows


def load_events(events: Iterable[Event]) -> sqlite3.Connection:
    """A new in-memory SQLite database holding these events in the standard schema."""
    db = sqlite3.connect(":memory:")
    # Standard LIKE is case-sensitive (id globs are); SQLite's is not unless told.
    db.execute("PRAGMA case_sensitive_like = ON")
    for statement in SCHEMA:
        db.execute(statement)
    for table, rows in event_rows(events).items():
        if rows:
            marks = _placeholders(len(rows[0]))
            db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    for table in ("event_countries", "event_tags", "event_actors", "event_sources"):
        db.execute(f"CREATE INDEX {table}_position ON {table} (position)")
    return db


def select_ids(db: sqlite3.Connection, clause: Clause) -> list[str]:
    """The ids of the events matching a compiled clause, in the order they were loaded."""
    sql, params = clause
    cursor = db.execute(
        f"SELECT events.id FROM events WHERE {sql} ORDER BY events.position", params
    )
    return [row[0] for row in cursor]


def matching_ids(events: Sequence[Event], query: Query, today: dt.date) -> list[str] | None:
    """The ids of the events the query selects, through SQL; None if the query cannot compile."""
    clause = to_sql(query, today)
    if clause is None:
        return None
    db = load_events(events)
    try:
        return select_ids(db, clause)
    finally:
        db.close()
