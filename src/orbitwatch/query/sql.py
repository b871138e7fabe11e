"""The query language compiled to a standard-SQL WHERE clause over a table of events.

query.compile_query stays the reference; this module never decides what a term means, only
how to say it in SQL. One row per event: lists (countries, tags, actors, sources, readings) are
stored as text with a separator before and after every item, so a membership test is a LIKE,
the whole table is written with one INSERT per event, and the same text runs on any SQL engine.
The index (index.py) keeps its entries in this schema; `load_events` builds it in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from orbitwatch.model.event import Event, Prefilter, Reading
from orbitwatch.query.language import (
    DATE_FIELDS,
    READING_FIELDS,
    Query,
    Term,
    resolve_country,
    term_period,
)

# Standard SQL only: no GLOB, instr or JSON functions. Case-insensitive matching compares
# casefolded copies (LOWER() is not casefold: SQLite's is ASCII-only, and no engine folds 'ß').
SEP = "\x1f"  # the unit separator; event text never holds control characters (chars.py)
COLUMNS = (
    "id VARCHAR NOT NULL, first_day INTEGER NOT NULL, last_day INTEGER NOT NULL, "
    "date_precision INTEGER NOT NULL, status VARCHAR NOT NULL, countries VARCHAR NOT NULL, "
    "tags_folded VARCHAR NOT NULL, actors_folded VARCHAR NOT NULL, "
    "sources_folded VARCHAR NOT NULL, title_folded VARCHAR NOT NULL, "
    "summary_folded VARCHAR NOT NULL, stances VARCHAR, origins VARCHAR, rules VARCHAR"
)
LIKE_ESCAPE = "!"
ALWAYS = "1 = 1"
NEVER = "1 = 0"
Clause = tuple[str, list[object]]


READING_COLUMNS = {"stance": "stances", "origin": "origins", "rule": "rules"}


def to_sql_partial(
    query: Query, today: dt.date, readings: bool = True, guarded: bool = False
) -> tuple[Clause, bool]:
    """The compilable terms as one clause, and whether that is every term. Leaving out a term
    of an AND only widens the selection, so the clause is a safe pre-selection either way.

    `guarded` reading terms pass every row whose reading is unknown (NULL): for a table where
    only some rows hold readings (the index), the clause is then a pre-selection, not exact.
    """
    parts: list[str] = []
    params: list[object] = []
    exact = True
    for term in query.terms:
        compiled = None
        if readings or term.field not in READING_FIELDS:
            compiled = _term(term, today)
        if compiled is None:
            exact = False
            continue
        sql, term_params = compiled
        clause = f"NOT ({sql})" if term.negated else f"({sql})"
        if guarded and term.field in READING_COLUMNS:
            clause = f"(events.{READING_COLUMNS[term.field]} IS NULL OR {clause})"
            exact = False
        parts.append(clause)
        params.extend(term_params)
    return ((" AND ".join(parts) if parts else ALWAYS), params), exact


def prefilter(query: Query, today: dt.date, readings_key: str | None = None) -> Prefilter:
    """What an indexed load may pre-select with: the compilable part of the query, and, for a
    query with reading terms, the clause that also reads the readings the index holds when
    they were made under `readings_key`."""
    (sql, params), _ = to_sql_partial(query, today, readings=False)
    read = None
    if readings_key is not None and query.uses_reading:
        (read_sql, read_params), _ = to_sql_partial(query, today, guarded=True)
        read = (readings_key, read_sql, tuple(read_params))
    return Prefilter(where=None if sql == ALWAYS else (sql, tuple(params)), read=read)


def reading_columns(reading: Reading | None) -> tuple[str, str, str]:
    """The stances, origins and rules columns of an event's reading (None: no reading)."""
    if reading is None:
        return joined(("none",)), joined(("none",)), joined(())
    return joined(sorted(reading.stances)), joined(sorted(reading.origins)), joined(reading.rules)


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


def joined(values: Iterable[str]) -> str:
    """A list as stored: every item between separators ('' lists are a lone separator)."""
    return SEP + "".join(f"{value}{SEP}" for value in values)


def _like(column: str) -> str:
    return f"{column} LIKE ? ESCAPE '{LIKE_ESCAPE}'"


def _member(column: str, values: Iterable[str]) -> Clause:
    """Any of the values is an item of the stored list."""
    wanted = sorted({v for v in values if SEP not in v})  # no item holds the separator
    if not wanted:
        return NEVER, []
    patterns = [f"%{SEP}{like_escape(v)}{SEP}%" for v in wanted]
    return " OR ".join(_like(column) for _ in patterns), list(patterns)


def _contains(columns: Sequence[str], needles: Iterable[str]) -> Clause:
    """Any needle is inside any of the columns (a needle never spans a separator)."""
    wanted = sorted({n.casefold() for n in needles if SEP not in n})
    if not wanted:
        return NEVER, []
    params: list[object] = []
    parts: list[str] = []
    for needle in wanted:
        parts.extend(_like(column) for column in columns)
        params.extend(f"%{like_escape(needle)}%" for _ in columns)
    return " OR ".join(parts), params


def _term(term: Term, today: dt.date) -> Clause | None:
    field, values = term.field, term.values
    if field == "country":
        return _member("events.countries", (resolve_country(v) for v in values))
    if field in ("actor", "tag", "stance", "origin"):
        column = {"actor": "actors_folded", "tag": "tags_folded"}.get(field, field + "s")
        return _member(f"events.{column}", (v.casefold() for v in values))
    if field == "status":
        statuses = sorted({v.casefold() for v in values})
        return f"events.status IN ({', '.join('?' for _ in statuses)})", list(statuses)
    if field == "rule":  # a glob over one item of a list is not a LIKE over the list
        if any(ch in v for v in values for ch in "*?["):
            return None
        return _member("events.rules", values)
    if field == "id":
        return _id_globs(values)
    if field == "source":
        return _contains(("events.sources_folded",), values)
    if field in DATE_FIELDS:
        return _dates(term, today)
    return _contains(("events.title_folded", "events.summary_folded"), values[:1])


def _id_globs(patterns: Iterable[str]) -> Clause | None:
    likes = [glob_to_like(p) for p in patterns]
    if any(like is None for like in likes):
        return None
    sql = " OR ".join(_like("events.id") for _ in likes)
    return sql, list(likes)


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


def event_row(
    event: Event, reading: Reading | None = None, read: bool = False
) -> tuple[object, ...]:
    """The columns of one event (without its position); the reading columns are NULL unless
    `read` (then `reading` is the event's reading, None for none)."""
    sources = SEP.join(f"{s.publisher.casefold()}{SEP}{s.url.casefold()}" for s in event.sources)
    stances = origins = rules = None
    if read:
        stances, origins, rules = reading_columns(reading)
    return (
        event.id,
        event.first_day.toordinal(),
        event.last_day.toordinal(),
        int(event.date.precision),
        event.status,
        joined(event.countries),
        joined(t.casefold() for t in event.tags),
        joined(a.casefold() for a in event.actors),
        f"{SEP}{sources}{SEP}",
        event.title.casefold(),
        event.summary.casefold(),
        stances,
        origins,
        rules,
    )
