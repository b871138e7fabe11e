"""The analyst's loop over a feed: `orbit feed compare` (curated arrows beside the feed's),
`orbit feed suggest` (drafted events from uncovered clusters) and the digest's feed alerts.

Typed functions taking and returning values (feeds/ does the work); no click, no printing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orbitwatch.app.feed_scoring import FeedRequest, scope_of
from orbitwatch.app.feeds import feed_place
from orbitwatch.app.signals import monthly
from orbitwatch.feeds import aggregate, engines
from orbitwatch.feeds.alerts import feed_alerts
from orbitwatch.feeds.compare import (
    COMPARE_MIN_ROWS,
    Agreement,
    MonthPair,
    agreement,
    feed_months,
    feed_span,
    line_up,
    within,
)
from orbitwatch.feeds.scoring import Scope, scoring_sql, store_source, store_statements
from orbitwatch.feeds.store import months, rows_path
from orbitwatch.feeds.suggest import (
    Cluster,
    clusters_from_rows,
    clusters_sql,
    covered,
    draft,
    urls_sql,
    with_urls,
)
from orbitwatch.files.atomic import create_new
from orbitwatch.model import countries as country_codes
from orbitwatch.model.dates import today
from orbitwatch.model.errors import OrbitError, Problem, UsageError
from orbitwatch.query.language import Query, resolve_country

if TYPE_CHECKING:
    from orbitwatch.app.context import Workspace
    from orbitwatch.config.settings import Settings
    from orbitwatch.model.alert import Alert


class FeedStoreError(OrbitError):
    """The feed's store is missing, empty or cannot be read."""


class NothingToSuggest(OrbitError):
    """The store holds no rows for the period asked: a 'no' answer, not an empty success."""


@dataclass(frozen=True, slots=True)
class LoopRequest:
    """What compare and suggest were asked: which feed and store, which countries and months."""

    query: Query
    feed: str = "gdelt"
    store: str | None = None
    fold: bool = True  # count duplicate rows of one story once


@dataclass(frozen=True, slots=True)
class FeedComparison:
    settings: Settings
    feed: str
    store: str
    countries: tuple[str, ...]
    pairs: list[MonthPair]
    agreement: Agreement
    by_country: dict[str, Agreement] = field(default_factory=dict)
    min_rows: int = COMPARE_MIN_ROWS
    folded: int = 0  # stored rows folded into another of their story

    @property
    def disagreements(self) -> list[MonthPair]:
        return [p for p in self.pairs if p.disagrees]


@dataclass(frozen=True, slots=True)
class Suggestions:
    feed: str
    store: str
    first: dt.date
    last: dt.date
    clusters: list[Cluster]  # uncovered, largest first, with their drafts
    drafts: dict[str, str]  # file name -> TOML text
    covered: int  # large clusters left out because a curated event covers them
    written: list[Path] = field(default_factory=list)


def readable_store(workspace: Workspace, feed: str, store: str | None) -> Path:
    """The feed's store folder; FeedStoreError when it is missing or holds no rows."""
    place = feed_place(workspace, feed, store)
    if not place.store.is_dir():
        raise FeedStoreError(
            f"feed {feed}: the store {place.store} does not exist",
            hint="Import files into it first, e.g.: orbit feed import FILE.export.CSV",
        )
    if not months(place.store):
        raise FeedStoreError(
            f"feed {feed}: the store {place.store} holds no rows",
            hint="Import files into it first, e.g.: orbit feed import FILE.export.CSV",
        )
    return place.store


def _run(statements: list[str]) -> list[tuple[Any, ...]]:
    """DuckDB's rows; a store it cannot read (a damaged Parquet file) is a FeedStoreError."""
    import duckdb

    try:
        return engines.run_duckdb(statements)
    except OrbitError as exc:
        raise FeedStoreError(exc.message, exc.hint) from None
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FeedStoreError(f"cannot read the feed store: {first}") from None


def _aggregate(store: Path, scope: Scope, settings: Settings) -> list[aggregate.CountryPeriod]:
    sql = scoring_sql(settings.sides(), scope, store_source(scope))
    return aggregate.from_rows(_run([*store_statements(str(rows_path(store)), "duckdb"), sql]))


def feed_compare(
    workspace: Workspace, request: LoopRequest, min_rows: int = COMPARE_MIN_ROWS
) -> FeedComparison:
    """The curated monthly arrows and the feed's monthly direction of each watched country,
    over the months where the feed has a say (or the since:/until: asked), with agreement."""
    timeline = workspace.load()
    settings = timeline.settings
    scope = scope_of(workspace, FeedRequest(request.query), settings)
    scope = replace(scope, fold=request.fold)
    store = readable_store(workspace, request.feed, request.store)
    table = _aggregate(store, scope, settings)
    raw = _aggregate(store, replace(scope, fold=False), settings) if request.fold else table
    on = today(workspace.environ)
    curated = monthly(workspace, Query(()), on, list(scope.countries)).arrows
    pairs = line_up(curated, feed_months(table, raw, min_rows), scope.countries)
    span = feed_span(pairs)
    first, last = scope.since, scope.until
    if first is None and last is None and span is not None:
        first, last = span
    shown = within(pairs, first, last)
    folded = sum(r.row_count for r in raw) - sum(r.row_count for r in table)
    return FeedComparison(
        settings,
        request.feed,
        str(store),
        scope.countries,
        shown,
        agreement(shown),
        {c: agreement([p for p in shown if p.country == c]) for c in scope.countries},
        min_rows,
        folded,
    )


def feed_suggest(workspace: Workspace, request: LoopRequest, limit: int = 5) -> Suggestions:
    """The `limit` largest clusters (dyad, month, act root; by stories, then rows) of the
    watched countries that no curated event covers, each drafted as an event file."""
    timeline = workspace.load()
    settings = timeline.settings
    scope = scope_of(workspace, FeedRequest(request.query), settings)
    store = readable_store(workspace, request.feed, request.store)
    present = months(store)
    first = scope.since or dt.date.fromisoformat(present[0] + "-01")
    last = scope.until or _month_end(dt.date.fromisoformat(present[-1] + "-01"))
    view = store_statements(str(rows_path(store)), "duckdb")
    rows = _run([*view, clusters_sql(scope.countries, first, last)])
    # Only parties an act may name: a country or a bloc declared in orbit.toml.
    found = [
        c for c in clusters_from_rows(rows) if settings.is_party(c.by) and settings.is_party(c.to)
    ]
    if not found:
        period = f"from {first} to {last}" if first <= last else f"from {first} on"
        raise NothingToSuggest(
            f"feed {request.feed}: the store {store} holds no rows of "
            f"{', '.join(scope.countries)} with another known party {period}"
        )
    chosen: list[Cluster] = []
    left_out = 0
    for cluster in found:
        if len(chosen) == limit:
            break
        if covered(cluster, timeline.events) is not None:
            left_out += 1
            continue
        chosen.append(cluster)
    if chosen:
        chosen = with_urls(chosen, _run([*view, urls_sql(chosen)]))
    parties = {p for c in chosen for p in (c.by, c.to)}
    is_country = {p: country_codes.is_code(p, settings.countries) for p in parties}
    drafts = {c.name: draft(c, request.feed, is_country) for c in chosen}
    return Suggestions(request.feed, str(store), first, last, chosen, drafts, left_out)


def _month_end(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def write_drafts(workspace: Workspace, found: Suggestions, folder: Path) -> Suggestions:
    """Each draft as folder/NAME, created new: an existing file is never overwritten (the run
    stops at it, naming it; the drafts before it stay written). Never under events/: a draft
    enters the timeline only when the analyst moves it there, written and checked."""
    try:
        events = (workspace.root() / "events").resolve()
    except OrbitError:
        events = None  # no timeline: nothing to keep drafts out of
    if events is not None and folder.resolve().is_relative_to(events):
        raise UsageError(
            f"{folder} is inside the timeline's events/ folder; drafts are written outside it",
            hint="Write them to drafts/ (say) and move each into events/ once its title and "
            "summary are written and orbit check accepts it.",
        )
    written = []
    for name, text in found.drafts.items():
        path = folder / name
        if path.exists():
            raise OrbitError(
                f"{path} already exists; not overwritten",
                hint="Finish or remove it, or write the drafts into another folder.",
            )
        create_new(path, text.encode("utf-8"))
        written.append(path)
    return replace(found, written=written)


def digest_feed_alerts(
    workspace: Workspace, settings: Settings, on: dt.date
) -> tuple[list[Alert], list[Problem]]:
    """The alerts of every feed opted into the digest (`[feeds.NAME] alert`), and one problem
    per feed whose store is missing or cannot be read (its alerts are never sent)."""
    found: list[Alert] = []
    problems: list[Problem] = []
    opted = {name: feed for name, feed in settings.feeds.items() if feed.alert is not None}
    if not opted:
        return found, problems
    where = str(workspace.root() / "orbit.toml")
    watched = tuple(c for c in settings.watch if c not in settings.sides().pole_side)
    for name in sorted(opted):
        margin = opted[name].alert or 0.0
        try:
            store = readable_store(workspace, name, None)
            scope = Scope(watched, None, on, "week", "rows", fold=True)
            table = _aggregate(store, scope, settings)
        except OrbitError as exc:
            problems.append(Problem(where, 1, 1, f"{exc}; its alerts are not sent"))
            continue
        found += feed_alerts(table, name, on, margin)
    return found, problems


def filter_feed_alerts(found: Sequence[Alert], query: Query) -> list[Alert]:
    """The feed alerts a query's country: terms ask for (negated terms leave countries out)."""
    kept = list(found)
    for term in query.terms:
        if term.field == "country":
            codes = {resolve_country(value, str(term)) for value in term.values}
            kept = [a for a in kept if (a.country in codes) != term.negated]
    return kept
