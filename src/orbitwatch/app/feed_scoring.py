"""The feed scoring use cases (`orbit feed signals`, `orbit feed sql`): read a store (or a BigQuery
result) through the act table into the small aggregate, explain a country-month, print the SQL.

Typed functions taking and returning values (feeds/ does the work); no click, no printing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from orbitwatch.app.feeds import feed_place
from orbitwatch.config.settings import Settings
from orbitwatch.feeds import aggregate, engines
from orbitwatch.feeds.codes import KNOWN_GROUP_BLOCS, cameo_countries
from orbitwatch.feeds.scoring import (
    Scope,
    bigquery_query,
    scoring_sql,
    store_source,
    store_statements,
    transpile,
)
from orbitwatch.feeds.store import months, rows_folder, rows_path
from orbitwatch.model.dates import DateError, parse_partial, today
from orbitwatch.model.errors import OrbitError, UsageError
from orbitwatch.query.language import Query, parse, parse_term, resolve_country, term_period
from orbitwatch.timeline.load import load_settings

if TYPE_CHECKING:
    from orbitwatch.app.context import Workspace
    from orbitwatch.feeds.aggregate import CountryPeriod, Dyad, FeedArrow
    from orbitwatch.feeds.scoring import Dialect, Unit, Weighting

TERM_FIELDS = ("country", "since", "until", "date")


@dataclass(frozen=True, slots=True)
class FeedRequest:
    """What `orbit feed signals` was asked: where to read, which engine, which countries."""

    query: Query
    feed: str = "gdelt"
    store: str | None = None  # a folder, or with Spark any path it reads (s3a://...)
    engine: str = "duckdb"
    master: str = "local[2]"
    unit: Unit = "month"
    weighting: Weighting = "rows"
    every_country: bool = False
    result_file: str | None = None  # a BigQuery result read back instead of a store


@dataclass(frozen=True, slots=True)
class FeedSignals:
    settings: Settings
    scope: Scope
    source: str  # the store read, or the result file
    table: list[CountryPeriod]
    arrows: dict[str, list[FeedArrow]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FeedExplanation:
    settings: Settings
    row: CountryPeriod
    dyads: list[Dyad]
    source: str


def _settings(workspace: Workspace) -> Settings:

    try:
        settings, _ = load_settings(workspace.root())
    except OrbitError:
        return Settings()  # no timeline: the default pole, nothing watched
    return settings


def scope_of(workspace: Workspace, request: FeedRequest, settings: Settings) -> Scope:
    """The countries and days to read from the query terms (country:, since:, until:, date:);
    without a country: term, the watch list (or every party, when asked)."""

    countries: list[str] = []
    since: dt.date | None = None
    until: dt.date | None = None
    for term in request.query.terms:
        if term.negated or term.field not in TERM_FIELDS:
            raise UsageError(
                f"feed signals takes country:, since:, until: and date: terms, not {term}"
            )
        if term.field == "country":
            countries += [resolve_country(value, str(term)) for value in term.values]
            continue
        period = term_period(term.field, term.values[0], today(workspace.environ), str(term))
        if period.first is not None:
            since = max(since or period.first, period.first)
        if period.last is not None:
            until = min(until or period.last, period.last)
    if not countries and not request.every_country:
        countries = [c for c in settings.watch if c not in settings.sides().pole_side]
        if not countries:
            raise UsageError(
                "no countries to read: orbit.toml has no watch list",
                hint="Name them with a term such as country:KZ,KG, or read every country.",
            )
    return Scope(tuple(dict.fromkeys(countries)), since, until, request.unit, request.weighting)


def _store(
    workspace: Workspace, request: FeedRequest, must_hold_rows: bool = True
) -> tuple[str, str]:
    """(what DuckDB reads, what Spark reads) for the request's store."""

    if request.store and "://" in request.store:
        if request.engine != "spark":
            raise UsageError(f"{request.store}: DuckDB reads a local store; Spark reads URLs")
        return "", request.store.rstrip("/") + "/rows"
    place = feed_place(workspace, request.feed, request.store)
    if must_hold_rows and not months(place.store):
        raise OrbitError(
            f"the feed store {place.store} holds no rows",
            hint="Import files into it first, e.g.: orbit feed import FILE.export.CSV",
        )
    return str(rows_path(place.store)), str(rows_folder(place.store))


def _run(request: FeedRequest, local: str, remote: str, sql: str) -> list[object]:

    if request.engine == "spark":
        statements = [*store_statements(remote, "spark"), transpile(sql, "spark")]
    else:
        statements = [*store_statements(local, "duckdb"), sql]
    return engines.run(request.engine, statements, request.master)


def feed_signals(workspace: Workspace, request: FeedRequest) -> FeedSignals:
    """The aggregate per country and period, and its arrows, from the store or a result file."""

    settings = _settings(workspace)
    scope = scope_of(workspace, request, settings)
    if request.result_file:
        path = Path(request.result_file)
        table = [row for row in aggregate.read_result(path) if _wanted(row, scope)]
        source = str(path)
    else:
        local, remote = _store(workspace, request)
        sql = scoring_sql(settings.sides(), scope, store_source(scope))
        table = aggregate.from_rows(_run(request, local, remote, sql))  # type: ignore[arg-type]
        source = remote if request.engine == "spark" else local
    return FeedSignals(settings, scope, source, table, aggregate.latest(table))


def _wanted(row: CountryPeriod, scope: Scope) -> bool:
    if scope.countries and row.country not in scope.countries:
        return False
    if row.unit != scope.unit or row.weighting != scope.weighting:
        raise OrbitError(
            f"the result file holds {row.unit}s weighted by {row.weighting}, "
            f"not {scope.unit}s weighted by {scope.weighting}"
        )
    start = row.start
    return (scope.since is None or start >= scope.since.replace(day=1)) and (
        scope.until is None or start <= scope.until
    )


def feed_explain(
    workspace: Workspace, request: FeedRequest, country: str, month: str | None
) -> FeedExplanation:
    """One country-month taken apart: its counts and the dyads behind them, heaviest first
    (the latest month with rows when none is named)."""

    if request.unit != "month":
        raise UsageError("an explanation is per month; leave out the week period")
    code = resolve_country(country, country)
    if month:
        try:
            chosen = parse_partial(month)
        except DateError as exc:
            raise UsageError(f"bad month {month!r}: {exc}") from None
        request = replace(request, query=_dates_query(chosen.first_day, chosen.last_day))
    found = feed_signals(workspace, replace(request, query=_with_country(request.query, code)))
    if not found.table:
        raise OrbitError(f"no coded rows for {code} in the period read")
    row = found.table[-1]
    following = (row.start + dt.timedelta(days=32)).replace(day=1)
    scope = replace(found.scope, since=row.start, until=following - dt.timedelta(days=1))
    local, remote = _store(workspace, request)
    sql = scoring_sql(found.settings.sides(), scope, store_source(scope), detail=True)
    dyads = aggregate.dyads_from_rows(_run(request, local, remote, sql))  # type: ignore[arg-type]
    return FeedExplanation(found.settings, row, dyads, found.source)


def _dates_query(first: dt.date, last: dt.date) -> Query:

    return parse([f"since:{first.isoformat()}", f"until:{last.isoformat()}"])


def _with_country(query: Query, code: str) -> Query:

    kept = tuple(term for term in query.terms if term.field != "country")
    return Query((*kept, parse_term(f"country:{code}")))


def feed_sql(workspace: Workspace, request: FeedRequest, dialect: Dialect) -> str:
    """The aggregate query as an engine runs it: for DuckDB and Spark with the statement that
    names the store's rows; for BigQuery over GDELT's public table, codes mapped inline."""

    settings = _settings(workspace)
    scope = scope_of(workspace, request, settings)
    sides = settings.sides()
    if dialect == "bigquery":
        query = bigquery_query(sides, scope, cameo_countries(), KNOWN_GROUP_BLOCS)
        return transpile(query, "bigquery", pretty=True) + ";\n"
    local, remote = _store(workspace, replace(request, engine=dialect), must_hold_rows=False)
    location = remote if dialect == "spark" else local
    sql = scoring_sql(sides, scope, store_source(scope))
    statements = [*store_statements(location, dialect), transpile(sql, dialect, pretty=True)]
    return "".join(statement + ";\n\n" for statement in statements).rstrip("\n") + "\n"
