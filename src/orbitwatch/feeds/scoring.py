"""The feed's reading as SQL: the curated act table as a small relation, and the aggregate query.

The relation is derived from model.acts.act_stances (never copied by hand); the query is written
once in DuckDB's dialect and transpiled by sqlglot for Spark and BigQuery. Runs nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from orbitwatch.model.acts import ACT_KINDS, Sides, act_stances
from orbitwatch.model.errors import UsageError
from orbitwatch.model.event import Act

Unit = Literal["month", "week"]
Weighting = Literal["rows", "mentions", "sources"]
Dialect = Literal["duckdb", "spark", "bigquery"]
UNITS: tuple[Unit, ...] = ("month", "week")
WEIGHTINGS: tuple[Weighting, ...] = ("rows", "mentions", "sources")
ROLES = ("by", "to")  # the country acts (actor 1) or is acted on (actor 2)
SIDE_CLASSES = ("pole", "counterweight", "other")
VIEW = "feed_rows"  # the store's rows as the engines name them
BIGQUERY_TABLE = "gdelt-bq.gdeltv2.events"
_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,39}$")
# Stand-ins for act_stances: only membership of a side matters to it, so one code per class
# stands for the whole class.
_COUNTRY, _OTHER = "~country", "~other"


@dataclass(frozen=True, slots=True)
class ActRow:
    """One line of the act relation: a CAMEO code read from one role against one class of
    party. `code` is a root ("16"), or a longer code ("0873") that reads unlike its root;
    stance "none" marks such a code reading nothing where its root would."""

    code: str
    role: str  # by | to
    side: str  # pole | counterweight | other
    stance: str  # away | toward | none
    weight: int


def _reads_of(code: str, sides: Sides) -> dict[tuple[str, str], tuple[str, int]]:
    """act_stances on one synthetic act per (role, class of the other party) for a code."""
    stand_in = {
        "pole": sides.pole,
        "counterweight": min(sides.counterweights) if sides.counterweights else "",
        "other": _OTHER,
    }
    name = _KIND_NAME[code[:2]]
    found: dict[tuple[str, str], tuple[str, int]] = {}
    for role in ROLES:
        for side, other in stand_in.items():
            if not other:
                continue
            by, to = ((_COUNTRY,), (other,)) if role == "by" else ((other,), (_COUNTRY,))
            stances = act_stances(Act(by, name, to, code if len(code) > 2 else ""), _COUNTRY, sides)
            for stance, weight in stances:  # one party on each side: at most one stance
                found[(role, side)] = (stance, weight)
    return found


_KIND_NAME = {kind.code: kind.name for kind in ACT_KINDS}


def sub_codes() -> list[str]:
    """Every CAMEO code below the roots: three and four digits (010 .. 2099)."""
    return [
        f"{root}{third}{fourth}"
        for root in _KIND_NAME
        for third in "0123456789"
        for fourth in ("", *"0123456789")
    ]


@functools.cache
def act_relation(sides: Sides) -> tuple[ActRow, ...]:
    """The act table as rows, by asking act_stances: per root, role and class of the other
    party (combinations that read nothing are left out); then every longer CAMEO code whose
    reading differs from its root's, in full (its nothing as "none")."""
    rows = []
    root_reads = {root: _reads_of(root, sides) for root in _KIND_NAME}
    for root, found in root_reads.items():
        rows += [ActRow(root, role, side, *read) for (role, side), read in found.items()]
    for code in sub_codes():
        found = _reads_of(code, sides)
        if found == root_reads[code[:2]]:
            continue
        for role in ROLES:
            for side in SIDE_CLASSES:
                rows.append(ActRow(code, role, side, *found.get((role, side), ("none", 0))))
    return tuple(rows)


def side_relation(sides: Sides) -> tuple[tuple[str, str], ...]:
    """(code, class) for every party on a side: the pole, the blocs it leads, counterweights."""
    return tuple(
        sorted(
            [(code, "pole") for code in sides.pole_side]
            + [(code, "counterweight") for code in sides.counterweights]
        )
    )


@dataclass(frozen=True, slots=True)
class Scope:
    """What to read: the countries (empty: every party off the pole side), the days, the
    period unit and what one row counts for."""

    countries: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    unit: Unit = "month"
    weighting: Weighting = "rows"
    fold: bool = False  # count each cluster of duplicate rows once (FOLD_KEY)


# Rows of one story: the same day, dyad and root from one source (ICEWS's story id, else the
# source URL's host; a row with neither is its own cluster).
HOST_SQL = "nullif(lower(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)', 1)), '')"
FOLD_KEY = f"coalesce(story, {HOST_SQL}, source || ':' || event_id)"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _codes(codes: Sequence[str]) -> str:
    for code in codes:
        if not _CODE.match(code):
            raise UsageError(f"'{code}' is not a country or bloc code")
    return "(" + ", ".join(_literal(code) for code in codes) + ")"


def _union(rows: Sequence[Sequence[str | int]], names: Sequence[str]) -> str:
    """A small constant relation as SELECT * FROM (VALUES ...) AS t(names): DuckDB and Spark
    take it as it is, sqlglot writes it for BigQuery (which has no VALUES table) as an UNNEST
    of named STRUCTs; it plans several times faster than a chain of UNION ALL."""
    lines = ",\n      ".join(
        "(" + ", ".join(_literal(v) if isinstance(v, str) else str(v) for v in row) + ")"
        for row in rows
    )
    return f"SELECT * FROM (VALUES\n      {lines}\n    ) AS t({', '.join(names)})"


PERIOD_SQL: Mapping[Unit, str] = {
    # yyyymm: 202205
    "month": "year(day) * 100 + month(day)",
    # weeks since the Monday 1969-12-29, so that a week runs Monday to Sunday on every engine
    "week": "(date_diff('day', DATE '1970-01-01', day) + 3) // 7",
}
WEIGHT_SQL: Mapping[Weighting, str] = {
    "rows": "1",
    "mentions": "CAST(coalesce(mentions, 1) AS BIGINT)",
    "sources": "CAST(coalesce(sources, 1) AS BIGINT)",
}


def _reads(column: str, scope: Scope, sides: Sides) -> str:
    if scope.countries:
        return f"{column} IN {_codes(scope.countries)}"
    return f"{column} IS NOT NULL AND {column} NOT IN {_codes(sorted(sides.pole_side))}"


def _quoted(table: str) -> str:
    return ".".join(f'"{part}"' for part in table.split("."))


def store_source(scope: Scope, table: str = VIEW) -> str:
    """The `feed` CTE over the store's rows: the days asked for (the month partition too, so
    that an engine reads only those months' files)."""
    where = []
    if scope.since is not None:
        where += [f"day >= DATE '{scope.since}'", f"month >= '{scope.since:%Y-%m}'"]
    if scope.until is not None:
        where += [f"day <= DATE '{scope.until}'", f"month <= '{scope.until:%Y-%m}'"]
    condition = f"\n  WHERE {' AND '.join(where)}" if where else ""
    if scope.fold:
        return (
            "feed AS (\n  SELECT actor1, actor2, root, min(cameo) AS cameo, day,"
            " max(mentions) AS mentions,"
            " max(sources) AS sources, min(url) AS url\n"
            f"  FROM {table}{condition}\n  GROUP BY day, actor1, actor2, root, {FOLD_KEY}\n)"
        )
    return (
        "feed AS (\n  SELECT actor1, actor2, root, cameo, day, mentions, sources, url\n"
        f"  FROM {table}{condition}\n)"
    )


def bigquery_source(
    scope: Scope, countries: Mapping[str, str], groups: Mapping[str, str], wanted: Sequence[str]
) -> str:
    """The `codes` and `feed` CTEs over GDELT's public table, giving the store's columns (but
    the URL: BigQuery bills every column read, and only explain, which needs a store, uses it): each
    actor is its CAMEO country code mapped to alpha-2, else its known group mapped to a bloc
    (feeds/codes.py). Only codes in `wanted` are inlined (an empty `wanted`: every code); any
    other actor reads as no country, which changes no count (a row reads only against a side)."""
    keep = set(wanted)
    mapping = sorted(
        [("country", cameo, code) for cameo, code in countries.items() if not keep or code in keep]
        + [("group", cameo, code) for cameo, code in groups.items() if not keep or code in keep]
    )
    if not mapping:
        mapping = [("country", "", "")]
    where = []
    if scope.since is not None:
        where.append(f"e.SQLDATE >= {scope.since:%Y%m%d}")
    if scope.until is not None:
        where.append(f"e.SQLDATE <= {scope.until:%Y%m%d}")
    condition = f"\n  WHERE {' AND '.join(where)}" if where else ""
    actor = (
        "coalesce(c{n}.code, g{n}.code) AS actor{n}",
        "LEFT JOIN codes AS c{n}\n"
        "    ON c{n}.kind = 'country' AND c{n}.cameo = e.Actor{n}CountryCode\n"
        "  LEFT JOIN codes AS g{n}\n"
        "    ON g{n}.kind = 'group' AND g{n}.cameo = e.Actor{n}KnownGroupCode",
    )
    return (
        f"codes AS (\n    {_union(mapping, ('kind', 'cameo', 'code'))}\n),\n"
        "feed AS (\n  SELECT "
        + ", ".join(actor[0].format(n=n) for n in (1, 2))
        + ",\n    substr(lpad(CAST(e.EventRootCode AS VARCHAR), 2, '0'), 1, 2) AS root,"
        "\n    CAST(e.EventCode AS VARCHAR) AS cameo,"
        "\n    CAST(strptime(CAST(e.SQLDATE AS VARCHAR), '%Y%m%d') AS DATE) AS day,"
        "\n    e.NumMentions AS mentions, e.NumSources AS sources"
        f"\n  FROM {_quoted(BIGQUERY_TABLE)} AS e\n  "
        + "\n  ".join(actor[1].format(n=n) for n in (1, 2))
        + f"{condition}\n)"
    )


def scoring_sql(sides: Sides, scope: Scope, source: str, detail: bool = False) -> str:
    """The aggregate query (DuckDB dialect) after the `feed` source CTE(s) given.

    Rows are aggregated per (actor 1, actor 2, root, period) first, and only these dyads meet
    the act relation: each dyad is seen from each side (the country acting, or acted on), its
    other party classed by the sides relation. A dyad whose two actors are one country is seen
    once and reads nothing. A CAMEO code that reads unlike its root (a withdrawal, a call for
    mediation) stays apart in the dyads and is read by its own rows. `detail`: one line per
    dyad and side, with an example URL (the smallest, so that every engine names the same),
    for explaining one country-period."""
    period, weight = PERIOD_SQL[scope.unit], WEIGHT_SQL[scope.weighting]
    relation = act_relation(sides)
    acts = [(r.code, r.role, r.side, r.stance, r.weight) for r in relation]
    # every row keeps its full code through the dyads (grouping by it costs about what a
    # CASE picking out the codes of the relation costs per row, measured); only codes that read
    # unlike their root find rows of their own in the relation
    code = "cameo"
    side_rows = side_relation(sides) or (("", "none"),)
    url = ", min(url) AS url" if detail else ""
    carried = ", url" if detail else ""
    body = f"""WITH {source},
dyads AS (
  SELECT actor1, actor2, root, {code} AS code, {period} AS period, count(*) AS n,
    sum({weight}) AS w{url}
  FROM feed
  WHERE ({_reads("actor1", scope, sides)}) OR ({_reads("actor2", scope, sides)})
  GROUP BY actor1, actor2, root, {code}, {period}
),
acts AS (
    {_union(acts, ("code", "role", "side", "stance", "weight"))}
),
sides AS (
    {_union(side_rows, ("code", "side"))}
),
seen AS (
  SELECT actor1 AS country, 'by' AS role, actor2 AS other, root, code, period, n, w{carried}
  FROM dyads WHERE {_reads("actor1", scope, sides)}
  UNION ALL
  SELECT actor2 AS country, 'to' AS role, actor1 AS other, root, code, period, n, w{carried}
  FROM dyads WHERE {_reads("actor2", scope, sides)} AND actor1 IS DISTINCT FROM actor2
),
classed AS (
  SELECT seen.*, coalesce(sides.side, 'other') AS side
  FROM seen LEFT JOIN sides ON sides.code = seen.other
),
readings AS (
  SELECT classed.country, classed.period, classed.role, classed.other, classed.root,
    classed.n, classed.w,
    nullif(CASE WHEN exact.code IS NULL THEN general.stance ELSE exact.stance END, 'none')
      AS stance,
    CASE WHEN exact.code IS NULL THEN general.weight ELSE exact.weight END AS weight{
        ", classed.url" if detail else ""
    }
  FROM classed
  LEFT JOIN acts AS exact ON exact.code = classed.code AND exact.role = classed.role
    AND exact.side = classed.side AND classed.other <> classed.country
  LEFT JOIN acts AS general ON general.code = classed.root AND general.role = classed.role
    AND general.side = classed.side AND classed.other <> classed.country
)
"""
    if detail:
        return body + (
            "SELECT country, period, role, other, root, stance, weight, n, w, url\n"
            "FROM readings\nORDER BY w DESC, n DESC, role, other, root"
        )
    return body + (
        f"SELECT country, period, {_literal(scope.unit)} AS unit, "
        f"{_literal(scope.weighting)} AS weighting,\n"
        "  sum(n) AS row_count, sum(w) AS volume,\n"
        "  sum(CASE WHEN stance = 'away' THEN w ELSE 0 END) AS away,\n"
        "  sum(CASE WHEN stance = 'toward' THEN w ELSE 0 END) AS toward,\n"
        "  sum(CASE WHEN stance = 'away' THEN w * weight ELSE 0 END) AS away_weight,\n"
        "  sum(CASE WHEN stance = 'toward' THEN w * weight ELSE 0 END) AS toward_weight\n"
        "FROM readings\nGROUP BY country, period\nORDER BY country, period"
    )


def bigquery_query(
    sides: Sides, scope: Scope, countries: Mapping[str, str], groups: Mapping[str, str]
) -> str:
    """The aggregate over GDELT's BigQuery table, still in DuckDB's dialect (transpile it): the
    codes of the countries read and of every side are inlined (all codes when reading all)."""
    wanted: Sequence[str] = ()
    if scope.countries:
        wanted = sorted({*scope.countries, *sides.pole_side, *sides.counterweights})
    return scoring_sql(sides, scope, bigquery_source(scope, countries, groups, wanted))


def transpile(sql: str, dialect: Dialect, pretty: bool = False) -> str:
    """The DuckDB-dialect query in another engine's dialect (sqlglot)."""
    if dialect == "duckdb" and not pretty:
        return sql
    import sqlglot

    return str(sqlglot.transpile(sql, read="duckdb", write=dialect, pretty=pretty)[0])


def store_statements(path: str, dialect: Dialect) -> list[str]:
    """The statement that names the store's Parquet rows as the view the query reads."""
    if dialect == "spark":
        location = path.rstrip("/")
        return [
            f"CREATE OR REPLACE TEMPORARY VIEW {VIEW} USING parquet "
            f"OPTIONS (path {_literal(location)}, basePath {_literal(location)})"
        ]
    return [
        f"CREATE OR REPLACE TEMP VIEW {VIEW} AS SELECT * FROM "
        f"read_parquet({_literal(path)}, hive_partitioning = true)"
    ]
