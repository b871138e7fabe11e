"""`orbit feed signals` and `orbit feed sql`: a feed read through the act table, per country and
period, on DuckDB, Spark or from a BigQuery result (app/feed_scoring.py does the work).

Parses options, calls one use case, renders; cli/feed.py adds these to the `feed` group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from orbitwatch.cli.common import State, parse_query, rows_out, use_table, write
from orbitwatch.model.errors import UsageError

if TYPE_CHECKING:
    from orbitwatch.app.feed_scoring import FeedExplanation, FeedRequest

STORE_HELP = (
    "The feed store (default: orbit.toml's [feeds.NAME] store, else the user's data "
    "folder/orbitwatch/feeds/NAME); with --engine spark, any path Spark reads (s3a://...)."
)


def scoring_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options `feed signals` and `feed sql` share: where, which countries, how counted."""
    for option in reversed(
        (
            click.argument("terms", nargs=-1),
            click.option("--feed", default="gdelt", show_default=True, metavar="NAME",
                         help="Which feed of orbit.toml's [feeds.NAME] tables."),
            click.option("--store", metavar="PATH", help=STORE_HELP),
            click.option("--period", "unit", type=click.Choice(["month", "week"]),
                         default="month", show_default=True,
                         help="Count per calendar month, or per ISO week (Monday-Sunday)."),
            click.option("--weight", "weighting", default="rows", show_default=True,
                         type=click.Choice(["rows", "mentions", "sources"]),
                         help="What a coded row counts for: 1, or its number of mentions or "
                         "of sources (a missing number counts 1)."),
            click.option("--all-countries", "every_country", is_flag=True,
                         help="Read every country and bloc off the pole side, not only "
                         "orbit.toml's watch list."),
        )
    ):  # fmt: skip
        command = option(command)
    return command


def _request(terms: tuple[str, ...], **options: Any) -> FeedRequest:
    from orbitwatch.app.feed_scoring import FeedRequest

    return FeedRequest(parse_query(terms), **options)


@click.command("signals")
@scoring_options
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="DuckDB embedded, or Apache Spark (orbitwatch[spark]).",
)
@click.option(
    "--master",
    default="local[2]",
    show_default=True,
    help="The Spark master URL (spark://host:7077, yarn, local[N]).",
)
@click.option(
    "--from",
    "result_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Read the aggregate from a BigQuery result (csv or json) of the query "
    "'orbit feed sql --dialect bigquery' prints, instead of a store.",
)
@click.option(
    "--monthly", is_flag=True, help="Every period with its arrow and rationale, newest first."
)
@click.option(
    "--explain",
    metavar="COUNTRY",
    help="The dyads, act roots and sources behind one country's month.",
)
@click.option("--month", metavar="YYYY-MM", help="With --explain: this month (default: the last).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "plain", "json", "csv"]),
    help="Default: table on a terminal, plain tab-separated lines otherwise.",
)
@click.pass_obj
def signals_cmd(
    state: State, /, terms: tuple[str, ...], monthly: bool, explain: str | None,
    month: str | None, fmt: str | None, **options: Any,
) -> int:  # fmt: skip
    """Drift away from the pole in a machine-coded feed, per country and month (or week).

    Every stored row is an act (actor 1 did its CAMEO root to actor 2) read through the same
    act table as curated acts. Per country and period: the coded volume, its away, toward and
    none parts, and the drift index (away - toward) / volume. Terms: country:, since:, until:,
    date:.

    \b
    Examples:
      orbit feed signals country:KZ since:2022-01
      orbit feed signals --explain KZ --month 2022-05
      orbit feed signals --engine spark --master local[2] --format json
      orbit feed signals --from bq-result.csv
    """
    from orbitwatch.app import feed_scoring as app
    from orbitwatch.render import feeds as out

    if month and not explain:
        raise UsageError("--month goes with --explain COUNTRY")
    request = _request(terms, **options)
    if explain:
        if request.result_file:
            raise UsageError("--explain reads the rows of a store; leave out --from")
        _explain_out(state, app.feed_explain(state.workspace, request, explain, month), fmt)
        return 0
    found = app.feed_signals(state.workspace, request)
    unit, weighting, pole = found.scope.unit, found.scope.weighting, found.settings.pole
    if fmt == "json":
        write(out.signals_json(found.arrows, unit, weighting, pole))
    elif fmt == "csv":
        write(out.signals_csv(found.arrows))
    elif monthly:
        rows_out(state, fmt, out.ARROW_HEADERS, out.arrow_rows(found.arrows))
    else:
        rows_out(
            state, fmt, out.TABLE_HEADERS, out.table_rows(found.arrows),
            footer=f"drift index = (away - toward) / volume per {unit}, away from {pole}; "
            f"volume in {weighting}; explain one with: orbit feed signals --explain CODE",
        )  # fmt: skip
    return 0


def _explain_out(state: State, found: FeedExplanation, fmt: str | None) -> None:
    from orbitwatch.render import feeds as out

    row, pole, dyads = found.row, found.settings.pole, found.dyads
    if fmt == "json":
        write(out.explain_json(row, dyads, pole))
        return
    if fmt == "csv":
        raise UsageError("--explain prints a table, plain lines or json")
    summary = out.explain_summary(row, pole)
    urls = out.example_urls(dyads)
    if not use_table(fmt):
        write(f"# {line}\n" for line in summary)
        rows_out(state, fmt, out.DYAD_HEADERS, out.dyad_rows(row.country, dyads, len(dyads)))
        return
    click.echo("\n".join(summary) + "\n")
    rows_out(
        state, fmt, out.DYAD_HEADERS, out.dyad_rows(row.country, dyads), footer="heaviest dyads"
    )
    rows_out(state, fmt, out.ROOT_HEADERS, out.root_rows(dyads), footer="act roots")
    from orbitwatch.render.text import visible

    write([visible("example sources:\n" + "".join(f"  {u}\n" for u in urls), keep_newlines=True)])


@click.command("sql")
@scoring_options
@click.option(
    "--dialect",
    type=click.Choice(["duckdb", "spark", "bigquery"]),
    default="duckdb",
    show_default=True,
    help="duckdb and spark read the store; bigquery reads gdelt-bq.gdeltv2.events.",
)
@click.pass_obj
def sql_cmd(state: State, /, terms: tuple[str, ...], dialect: str, **options: Any) -> int:
    """Print the aggregate query that feed signals runs, for an engine of your own.

    For BigQuery: run it with `bq query --use_legacy_sql=false --format=csv "$(cat q.sql)"
    > r.csv` and read the result back with `orbit feed signals --from r.csv`.

    \b
    Examples:
      orbit feed sql --dialect bigquery country:KZ,KG since:2022-01 > q.sql
      orbit feed sql --dialect spark --store s3a://bucket/gdelt
    """
    from orbitwatch.app.feed_scoring import feed_sql

    request = _request(terms, engine="spark" if dialect == "spark" else "duckdb", **options)
    write([feed_sql(state.workspace, request, dialect)])  # type: ignore[arg-type]
    return 0


SCORING_COMMANDS = (signals_cmd, sql_cmd)
