"""Feed scoring: the SQL act relation against the Python path (a hypothesis property), the
`orbit feed signals` and `orbit feed sql` commands, and a BigQuery result read back.

Stores are built here with DuckDB in the store's layout (rows/month=YYYY-MM/*.parquet).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitwatch.feeds import aggregate, scoring
from orbitwatch.feeds.codes import KNOWN_GROUP_BLOCS, cameo_actor, cameo_countries
from orbitwatch.feeds.engines import run_duckdb
from orbitwatch.feeds.scoring import Scope, scoring_sql, store_source
from orbitwatch.model.acts import ACT_KINDS, Sides, act_stances, sides
from orbitwatch.model.event import Act
from tests.conftest import REPO, run_process

SIDES = sides("RU", {"CSTO": "RU", "EAEU": "RU", "CIS": "RU", "EU": "", "NATO": ""},
              ["CN", "US", "TR", "EU", "NATO"])  # fmt: skip
PARTIES = ["KZ", "KG", "TJ", "RU", "CSTO", "EAEU", "CIS", "CN", "US", "EU", "NATO", "DE", None]
ROOTS = [kind.code for kind in ACT_KINDS]
NAME_OF = {kind.code: kind.name for kind in ACT_KINDS}
# actor 1, actor 2, CAMEO code (its root: the first two digits), day, mentions, sources
Row = tuple[str | None, str | None, str | None, dt.date, int | None, int | None]
# codes that read unlike their root in model/acts.py when it has such codes, and neighbours
SPECIAL = ["0873", "0874", "087", "0871", "0256", "025", "026", "0261", "027", "028", "045",
           "0451", "04", "163", "1631", "0870"]  # fmt: skip


# -- the two paths --------------------------------------------------------------------------


def sql_counts(rows: Sequence[Row], scope: Scope, the_sides: Sides = SIDES) -> dict[Any, tuple]:
    """The aggregate query on DuckDB over the rows as a table shaped like the store."""
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE feed_rows (actor1 VARCHAR, actor2 VARCHAR, cameo VARCHAR, day DATE, "
        "mentions INTEGER, sources INTEGER, url VARCHAR, month VARCHAR, root VARCHAR)"
    )
    if rows:
        connection.executemany(
            "INSERT INTO feed_rows VALUES (?, ?, ?, ?, ?, ?, 'u', ?, ?)",
            [(*row, f"{row[3]:%Y-%m}", row[2] and row[2][:2]) for row in rows],
        )
    found = connection.execute(scoring_sql(the_sides, scope, store_source(scope))).fetchall()
    return {(r[0], r[1]): tuple(int(n) for n in r[4:]) for r in found}


def python_counts(rows: Sequence[Row], scope: Scope, the_sides: Sides = SIDES) -> dict[Any, tuple]:
    """The same counts from model.acts.act_stances, one Act per row (actor 1 by, actor 2 to)."""
    counts: dict[Any, list[int]] = defaultdict(lambda: [0] * 6)
    for actor1, actor2, cameo, day, mentions, sources in rows:
        if (scope.since and day < scope.since) or (scope.until and day > scope.until):
            continue
        weight = {"rows": 1, "mentions": mentions, "sources": sources}[scope.weighting]
        weight = 1 if weight is None else weight
        parties = {actor1, actor2} - {None}
        readers = (
            parties & set(scope.countries) if scope.countries else parties - the_sides.pole_side
        )
        for country in readers:
            cell = counts[(country, period_key(scope.unit, day))]
            cell[0] += 1
            cell[1] += weight
            if cameo is None:
                continue
            by, to = tuple(filter(None, [actor1])), tuple(filter(None, [actor2]))
            act = Act(by, NAME_OF[cameo[:2]], to, cameo if len(cameo) > 2 else "")
            for stance, act_weight in act_stances(act, country, the_sides):  # type: ignore[arg-type]
                column = 2 if stance == "away" else 3
                cell[column] += weight
                cell[column + 2] += weight * act_weight
    return {key: tuple(cell) for key, cell in counts.items()}


row_strategy = st.tuples(
    st.sampled_from(PARTIES),
    st.sampled_from(PARTIES),
    st.one_of(
        st.sampled_from([*ROOTS, None]),
        st.sampled_from(SPECIAL),
        st.builds(
            lambda r, tail: r + tail, st.sampled_from(ROOTS), st.from_regex(r"\A[0-9]{1,2}\Z")
        ),
    ),
    st.dates(dt.date(2021, 12, 1), dt.date(2022, 3, 31)),
    st.one_of(st.none(), st.integers(0, 40)),
    st.one_of(st.none(), st.integers(0, 9)),
)


@settings(deadline=None, max_examples=150)
@given(
    rows=st.lists(row_strategy, max_size=80),
    unit=st.sampled_from(scoring.UNITS),
    weighting=st.sampled_from(scoring.WEIGHTINGS),
    countries=st.sampled_from([("KZ", "KG", "TJ"), ("KZ",), ("CN", "EU"), ()]),
    since=st.one_of(st.none(), st.dates(dt.date(2021, 12, 1), dt.date(2022, 3, 31))),
)
def test_the_sql_reads_every_row_as_the_python_act_table_does(
    rows: list[Row], unit: Any, weighting: Any, countries: tuple[str, ...], since: dt.date | None
) -> None:
    scope = Scope(countries, since, None, unit, weighting)
    assert sql_counts(rows, scope) == python_counts(rows, scope)


def every_combination() -> list[Row]:
    day = dt.date(2022, 5, 3)
    codes = [*ROOTS, *SPECIAL]
    return [(a, b, code, day, 2, 1) for a in PARTIES for b in PARTIES for code in codes]


def test_the_property_fails_when_the_sql_relation_is_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    rows, scope = every_combination(), Scope(("KZ", "KG"))
    assert sql_counts(rows, scope) == python_counts(rows, scope)
    right = scoring.act_relation

    def flipped(the_sides: Sides) -> tuple[scoring.ActRow, ...]:
        first, *rest = right(the_sides)
        wrong = "toward" if first.stance == "away" else "away"
        return (scoring.ActRow(first.code, first.role, first.side, wrong, first.weight), *rest)

    monkeypatch.setattr(scoring, "act_relation", flipped)
    assert sql_counts(rows, scope) != python_counts(rows, scope)


def test_the_act_relation_comes_from_act_stances() -> None:
    rows = [r for r in scoring.act_relation(SIDES) if len(r.code) == 2]
    relation = {(r.code, r.role, r.side): (r.stance, r.weight) for r in rows}
    assert relation[("06", "by", "pole")] == ("toward", 3)  # X cooperates with the pole
    assert relation[("16", "by", "pole")] == ("away", 2)  # X reduces relations with it
    assert relation[("06", "by", "counterweight")] == ("away", 3)
    assert relation[("13", "by", "counterweight")] == ("toward", 1)  # the weak toward
    assert relation[("07", "to", "pole")] == ("toward", 4)  # the pole's pull
    assert relation[("17", "to", "pole")] == ("away", 4)  # strain
    assert ("13", "to", "counterweight") not in relation  # a counterweight's threat: nothing
    assert not any(side == "other" for _, _, side in relation)
    assert not any(root == "01" for root, _, _ in relation)  # a statement reads nothing
    assert len(relation) == 19 * 4 - 12  # less the 12 conflicts a counterweight inflicts


# -- stores and timelines ---------------------------------------------------------------------

# Parties as GDELT codes them: (Actor CountryCode, Actor KnownGroupCode)
GDELT_PARTIES = [
    ("KAZ", ""), ("KAZ", ""), ("KAZ", ""), ("KGZ", ""), ("RUS", ""), ("RUS", ""), ("CHN", ""),
    ("USA", ""), ("TUR", ""), ("DEU", ""), ("EUR", "EEC"), ("", "NAT"), ("", "CIS"), ("", ""),
    ("EUR", ""), ("UZB", ""),
]  # fmt: skip


def gdelt_rows(count: int = 3000, seed: int = 7) -> list[dict[str, Any]]:
    """Rows as GDELT's event table holds them, January to June 2022."""
    rng = random.Random(seed)
    rows = []
    for number in range(count):
        (c1, g1), (c2, g2) = rng.choice(GDELT_PARTIES), rng.choice(GDELT_PARTIES)
        day = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(181))
        code = rng.choice(ROOTS) + str(rng.randrange(10))
        if rng.random() < 0.08:  # codes that may read unlike their root
            code = rng.choice(["0873", "0874", "0256", "045", "0261"])
        root = code[:2]
        rows.append(
            {
                "GLOBALEVENTID": 1000 + number, "SQLDATE": int(f"{day:%Y%m%d}"),
                "Actor1CountryCode": c1 or None, "Actor1KnownGroupCode": g1 or None,
                "Actor2CountryCode": c2 or None, "Actor2KnownGroupCode": g2 or None,
                "EventCode": code, "EventRootCode": root,
                "NumMentions": rng.randrange(1, 30), "NumSources": rng.randrange(1, 6),
                "NumArticles": rng.randrange(1, 30),
                "SOURCEURL": f"https://news.example/{day:%Y/%m}/{number}",
            }
        )  # fmt: skip
    return rows


def store_rows(rows: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The same rows as an import writes them (codes mapped by feeds/codes.py)."""
    result = []
    for r in rows:
        day = dt.datetime.strptime(str(r["SQLDATE"]), "%Y%m%d").date()
        result.append(
            (
                "gdelt2", str(r["GLOBALEVENTID"]), day,
                cameo_actor(r["Actor1CountryCode"], r["Actor1KnownGroupCode"]),
                cameo_actor(r["Actor2CountryCode"], r["Actor2KnownGroupCode"]),
                r["Actor1CountryCode"], r["Actor2CountryCode"], r["EventCode"],
                r["EventRootCode"], 0.0, r["NumMentions"], r["NumSources"], r["NumArticles"],
                r["SOURCEURL"], None, f"{day:%Y-%m}",
            )
        )  # fmt: skip
    return result


STORE_COLUMNS = (
    "source VARCHAR, event_id VARCHAR, day DATE, actor1 VARCHAR, actor2 VARCHAR, "
    "actor1_raw VARCHAR, actor2_raw VARCHAR, cameo VARCHAR, root VARCHAR, goldstein DOUBLE, "
    "mentions INTEGER, sources INTEGER, articles INTEGER, url VARCHAR, story VARCHAR, "
    "month VARCHAR"
)


def write_store(store: Path, rows: Sequence[tuple[Any, ...]]) -> Path:
    """A store in the contract's layout: rows/month=YYYY-MM/*.parquet."""
    connection = duckdb.connect()
    connection.execute(f"CREATE TABLE r ({STORE_COLUMNS})")
    connection.executemany(f"INSERT INTO r VALUES ({', '.join('?' * 16)})", rows)
    (store / "rows").mkdir(parents=True, exist_ok=True)
    connection.execute(
        f"COPY r TO '{store / 'rows'}' (FORMAT parquet, PARTITION_BY (month), OVERWRITE_OR_IGNORE)"
    )
    return store


def timeline(tmp_path: Path) -> Path:
    root = tmp_path / "timeline"
    (root / "events").mkdir(parents=True)
    shutil.copy(REPO / "orbit.toml", root / "orbit.toml")
    return root


def orbit(root: Path, *args: str) -> tuple[int, str, str]:
    result = run_process("--root", str(root), *args)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


@pytest.fixture
def fixture_store(tmp_path: Path) -> Path:
    return write_store(tmp_path / "store", store_rows(gdelt_rows()))


# -- orbit feed signals ---------------------------------------------------------------------

SMALL = [  # actor 1, actor 2, root, day: what each reads for KZ is in the comment
    ("KZ", "CN", "06", "2022-05-02"),  # KZ cooperates with a counterweight: away
    ("RU", "KZ", "07", "2022-05-03"),  # the pole's aid: toward
    ("KZ", "KZ", "04", "2022-05-04"),  # a domestic row: none, in the volume
    ("KZ", "DE", "04", "2022-05-05"),  # a third country: none
    ("US", "KZ", "13", "2022-05-06"),  # a counterweight's threat: none
    ("KZ", "US", "13", "2022-05-07"),  # KZ threatens a counterweight: a weak toward
    (None, "KZ", "10", "2022-05-08"),  # an unmapped actor: none
    ("CN", "KG", "07", "2022-05-09"),  # KG: away
    ("CSTO", "KZ", "16", "2022-04-20"),  # the bloc reduces ties with KZ: strain, away
]


def small_store(tmp_path: Path) -> Path:
    rows = [
        ("gdelt2", str(n), dt.date.fromisoformat(day), a1, a2, None, None, root + "0", root, 0.0,
         n + 1, 1, 1, f"https://news.example/{n}", None, day[:7])
        for n, (a1, a2, root, day) in enumerate(SMALL)
    ]  # fmt: skip
    return write_store(tmp_path / "small", rows)


def test_feed_signals_plain_lines_count_each_act_as_the_table_reads_it(tmp_path: Path) -> None:
    root, store = timeline(tmp_path), small_store(tmp_path)
    status, out, err = orbit(root, "feed", "signals", "--store", str(store))
    assert (status, err) == (0, "")
    assert out == (
        "KG\t2022-05\t1\t1\t0\t0\t+1.000\t─ steady\t█\n"
        "KZ\t2022-05\t7\t1\t2\t4\t-0.143\t─ steady\t█▁\n"
    )


def test_feed_signals_json_has_every_period_and_the_weighting(tmp_path: Path) -> None:
    root, store = timeline(tmp_path), small_store(tmp_path)
    args = ("feed", "signals", "--store", str(store), "country:KZ", "--format", "json")
    status, out, err = orbit(root, *args, "--weight", "mentions")
    document = json.loads(out)
    assert (status, err, document["schema_version"], document["weighting"]) == (
        0,
        "",
        1,
        "mentions",
    )
    [kz] = document["countries"]
    april, may = kz["periods"]
    assert (april["period"], april["volume"], april["away"], april["index"]) == (
        "2022-04",
        9,
        9,
        1.0,
    )
    # mentions are n + 1 for the n-th row: 1+2+3+4+5+6+7 in May; away 1, toward 2 + 6
    assert (may["volume"], may["away"], may["toward"], may["none"]) == (28, 1, 8, 19)
    assert (may["away_weight"], may["toward_weight"]) == (3, 2 * 4 + 6 * 1)


def test_feed_signals_week_since_and_csv(tmp_path: Path) -> None:
    root, store = timeline(tmp_path), small_store(tmp_path)
    status, out, err = orbit(
        root, "feed", "signals", "--store", str(store), "country:KZ", "since:2022-05-04",
        "--period", "week", "--format", "csv",
    )  # fmt: skip
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "country,period,unit,weighting,row_count,volume,away,toward,none,away_weight,"
        "toward_weight,index,arrow",
        "KZ,2022-W18,week,rows,5,5,0,1,4,0,1,-0.2,steady",  # Wed 4 .. Sun 8 May
    ]


def test_feed_signals_explain_names_dyads_roots_sources_and_the_arithmetic(tmp_path: Path) -> None:
    root, store = timeline(tmp_path), small_store(tmp_path)
    args = ("feed", "signals", "--store", str(store), "--explain", "KZ", "--month", "2022-05")
    status, out, err = orbit(root, *args, "--format", "json")
    document = json.loads(out)
    assert (status, err, document["period"], document["volume"]) == (0, "", "2022-05", 7)
    dyads = {(d["role"], d["other"], d["root"]): d["stance"] for d in document["dyads"]}
    assert dyads == {
        ("by", "CN", "06"): "away", ("to", "RU", "07"): "toward", ("by", "KZ", "04"): None,
        ("by", "DE", "04"): None, ("to", "US", "13"): None, ("by", "US", "13"): "toward",
        ("to", None, "10"): None,
    }  # fmt: skip
    status, out, err = orbit(root, *args)
    assert (status, err) == (0, "")
    assert out.splitlines()[:3] == [
        "# KZ Kazakhstan, 2022-05: 7 coded rows involving it",
        "# away 1, toward 2, none 4 of volume 7; act-weighted away 3, toward 5",
        "# drift index = (away - toward) / volume = (1 - 2) / 7 = -0.143 (away from RU when "
        "positive)",
    ]
    assert "KZ -> CN\t06 cooperate\taway\t1\t1\thttps://news.example/0" in out.splitlines()


def test_feed_signals_with_no_rows_or_a_bad_term_says_so(tmp_path: Path) -> None:
    root = timeline(tmp_path)
    status, out, err = orbit(root, "feed", "signals", "--store", str(tmp_path / "none"))
    assert (status, out) == (2, "")
    assert err.startswith(f"orbit: error: the feed store {tmp_path / 'none'} holds no rows\n")
    store = small_store(tmp_path)
    status, out, err = orbit(root, "feed", "signals", "--store", str(store), "tag:x")
    assert (status, out) == (2, "")
    assert "feed signals takes country:, since:, until: and date: terms, not tag:x" in err


# -- orbit feed sql and BigQuery --------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "bigquery"])
def test_feed_sql_prints_sql_that_parses_in_its_dialect(tmp_path: Path, dialect: str) -> None:
    root = timeline(tmp_path)
    status, out, err = orbit(
        root, "feed", "sql", "--dialect", dialect, "--store", str(tmp_path / "s"), "country:KZ"
    )
    assert (status, err) == (0, "")
    statements = sqlglot.parse(out, read=dialect)
    assert len([s for s in statements if s is not None]) == (1 if dialect == "bigquery" else 2)
    if dialect == "bigquery":
        assert "`gdelt-bq`.`gdeltv2`.`events`" in out and "STRUCT(" in out
        assert "'KAZ'" in out and "'EEC'" in out  # the codes, inlined


def gdelt_table(rows: Sequence[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    """GDELT's BigQuery table, re-created in DuckDB under the same name."""
    connection = duckdb.connect()
    connection.execute("ATTACH ':memory:' AS \"gdelt-bq\"")
    connection.execute('CREATE SCHEMA "gdelt-bq".gdeltv2')
    names = list(rows[0])
    types = {"GLOBALEVENTID": "BIGINT", "SQLDATE": "INTEGER", "NumMentions": "INTEGER",
             "NumSources": "INTEGER", "NumArticles": "INTEGER"}  # fmt: skip
    columns = ", ".join(f"{n} {types.get(n, 'VARCHAR')}" for n in names)
    connection.execute(f'CREATE TABLE "gdelt-bq".gdeltv2.events ({columns})')
    connection.executemany(
        f'INSERT INTO "gdelt-bq".gdeltv2.events VALUES ({", ".join("?" * len(names))})',
        [tuple(r[n] for n in names) for r in rows],
    )
    return connection


def bq_result(rows: Sequence[dict[str, Any]], scope: Scope, the_sides: Sides) -> list[dict]:
    """What `bq query` returns for the printed query: run here on DuckDB over the same table
    (the query before its transpilation to BigQuery's dialect)."""
    query = scoring.bigquery_query(the_sides, scope, cameo_countries(), KNOWN_GROUP_BLOCS)
    cursor = gdelt_table(rows).execute(query)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def repo_sides() -> Sides:
    return sides("RU", {"CSTO": "RU", "EAEU": "RU", "CIS": "RU"},
                 ["CN", "US", "TR", "EU", "NATO", "OTS"])  # fmt: skip


@pytest.mark.parametrize("form", ["csv", "json", "prettyjson"])
def test_a_bigquery_result_read_back_gives_the_views_duckdb_gives(
    tmp_path: Path, fixture_store: Path, form: str
) -> None:
    root = timeline(tmp_path)
    watch = ("KZ", "KG", "TJ", "UZ", "TM", "AM", "BY")
    records = bq_result(gdelt_rows(), Scope(watch, dt.date(2022, 2, 1)), repo_sides())
    result = tmp_path / f"result.{form}"
    if form == "csv":
        lines = [",".join(records[0])] + [",".join(str(v) for v in r.values()) for r in records]
        result.write_text("\n".join(lines) + "\n")
    else:  # bq writes every value as a string
        as_text = [{k: str(v) for k, v in r.items()} for r in records]
        result.write_text(json.dumps(as_text, indent=2 if form == "prettyjson" else None))
    for view in ((), ("--monthly",), ("--format", "json"), ("--format", "csv")):
        from_store = orbit(
            root, "feed", "signals", "--store", str(fixture_store), "since:2022-02", *view
        )
        from_file = orbit(root, "feed", "signals", "--from", str(result), *view)
        assert from_file == from_store and from_store[0] == 0 and from_store[1]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("", "empty: not even a header line"),
        ("\n  \n", "empty: not even a header line"),
        ("country,period\n", "missing column(s)"),
    ],
)
def test_an_empty_or_headless_result_file_is_refused(tmp_path: Path, body: str, said: str) -> None:
    """Nothing to read is not 'no rows': an empty file (a failed `bq query > result.csv`) or
    a header with the wrong columns is an error naming the file, not an empty table."""
    root = timeline(tmp_path)
    result = tmp_path / "result.csv"
    result.write_text(body)
    status, out, err = orbit(root, "feed", "signals", "--from", str(result))
    assert (status, out) == (2, "")
    assert f"{result}" in err and said in err


def test_a_header_alone_is_a_result_with_no_rows(tmp_path: Path) -> None:
    root = timeline(tmp_path)
    header = ",".join(aggregate.COLUMNS)
    result = tmp_path / "result.csv"
    result.write_text(header + "\n")
    status, _, err = orbit(root, "feed", "signals", "--from", str(result))
    assert status in (0, 1) and "error" not in err


def test_the_store_read_equals_the_python_path_on_the_fixtures(fixture_store: Path) -> None:
    scope = Scope(("KZ", "KG", "UZ"), None, None, "month", "sources")
    glob = str(fixture_store / "rows" / "month=*" / "*.parquet")
    found = run_duckdb(
        [*scoring.store_statements(glob, "duckdb"), scoring_sql(SIDES, scope, store_source(scope))]
    )
    rows = [(r[3], r[4], r[7], r[2], r[10], r[11]) for r in store_rows(gdelt_rows())]
    assert {(r[0], r[1]): tuple(int(n) for n in r[4:]) for r in found} == python_counts(rows, scope)


@pytest.mark.parametrize(
    "args",
    [["--version"], ["list", "--format", "ids"], ["signals", "--as-of", "2022-05-31"],
     ["feed", "--help"], ["feed", "signals", "--help"]],
)  # fmt: skip
def test_curated_commands_and_feed_help_import_no_engine(args: list[str]) -> None:
    code = (
        "import sys\nfrom orbitwatch.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "heavy = ('duckdb', 'sqlglot', 'pyspark')\n"
        "print(','.join(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert result.stderr.strip().splitlines()[-1:] in ([], [""])


def period_key(unit: str, day: dt.date) -> int:
    """The period a day falls in, as the SQL numbers it: yyyymm, or weeks since a Monday."""
    if unit == "month":
        return day.year * 100 + day.month
    return (day - dt.date(1969, 12, 29)).days // 7  # week 0 as scoring.PERIOD_SQL counts
