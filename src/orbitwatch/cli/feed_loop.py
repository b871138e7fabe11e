"""`orbit feed compare` and `orbit feed suggest`: the feed beside the curated timeline, and
drafted events from what the feed shows and the timeline lacks (app/feed_loop.py does the work).

Parses options, calls one use case, renders; cli/feed.py adds these to the `feed` group.
"""

from __future__ import annotations

from typing import Any

import click

from orbitwatch.cli.common import State, parse_query, rows_out, use_table, write
from orbitwatch.cli.status import ExitStatus
from orbitwatch.model.errors import UsageError

STORE_HELP = (
    "The feed store folder (default: orbit.toml's [feeds.NAME] store, else the user's data "
    "folder/orbitwatch/feeds/NAME)."
)


def _loop_request(terms: tuple[str, ...], feed: str, store: str | None, fold: bool) -> Any:
    from orbitwatch.app.feed_loop import LoopRequest

    return LoopRequest(parse_query(terms), feed, store, fold)


def loop_options(command: Any) -> Any:
    for option in reversed(
        (
            click.argument("terms", nargs=-1),
            click.option("--feed", default="gdelt", show_default=True, metavar="NAME",
                         help="Which feed of orbit.toml's [feeds.NAME] tables."),
            click.option("--store", metavar="DIR", help=STORE_HELP),
        )
    ):  # fmt: skip
        command = option(command)
    return command


@click.command("compare")
@loop_options
@click.option("--fold/--no-fold", default=True, show_default=True,
              help="Count rows of one story (same day, dyad, act root and source host or "
              "ICEWS story id) once.")  # fmt: skip
@click.option("--min-rows", type=click.IntRange(1), default=10, show_default=True,
              help="Fewer coded rows in a month: the feed has no say that month.")  # fmt: skip
@click.option("--explain", metavar="COUNTRY",
              help="One country's months: curated events, feed counts, rows folded.")  # fmt: skip
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "plain", "json"]),
    help="Default: sparklines and a table on a terminal, tab-separated lines otherwise.",
)
@click.pass_obj
def compare_cmd(
    state: State, terms: tuple[str, ...], feed: str, store: str | None, fold: bool,
    min_rows: int, explain: str | None, fmt: str | None,
) -> int:  # fmt: skip
    """The curated monthly arrows beside the feed's monthly direction, per watched country.

    A month's feed direction is judged like a curated arrow: its drift index against the mean
    of up to 12 earlier months (away, toward or steady). Lists the months where the two
    disagree and how often they agree where both have data. Terms: country:, since:, until:,
    date: (default: the months the feed holds).

    \b
    Examples:
      orbit feed compare
      orbit feed compare country:KZ since:2022-01 --format json
      orbit feed compare --explain KZ
    """
    from orbitwatch.app.feed_loop import feed_compare
    from orbitwatch.query.language import resolve_country
    from orbitwatch.render import feed_compare as out

    found = feed_compare(state.workspace, _loop_request(terms, feed, store, fold), min_rows)
    if explain:
        write(out.explain_lines(found.pairs, resolve_country(explain, explain)))
        return 0
    if fmt == "json":
        write(
            out.compare_json(
                found.pairs, found.agreement, found.by_country, found.feed, found.folded, min_rows
            )
        )
        return 0
    footer = (
        f"agreement where both have data: {out.share_text(found.agreement)}; "
        f"feed {found.feed}, months with {min_rows}+ coded rows, {found.folded} duplicate rows "
        "folded; explain one with: orbit feed compare --explain CODE"
    )
    if use_table(fmt):
        rows_out(state, fmt, out.SPARK_HEADERS, out.spark_rows(found.pairs, found.by_country))
        with_feed = [p for p in found.pairs if p.feed is not None]
        rows_out(state, fmt, out.COMPARE_HEADERS, out.compare_rows(with_feed), footer=footer)
        return 0
    rows_out(state, fmt, out.COMPARE_HEADERS, out.compare_rows(found.pairs))
    return 0


@click.command("suggest")
@loop_options
@click.option("--limit", type=click.IntRange(1), default=5, show_default=True,
              help="How many clusters to draft.")  # fmt: skip
@click.option("--write", "folder", metavar="DIR", type=click.Path(file_okay=False),
              help="Write each draft as DIR/NAME.toml (never over an existing file) instead "
              "of printing them.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["toml", "json"]), default="toml",
              show_default=True, help="The drafts as TOML text, or a JSON document.")  # fmt: skip
@click.pass_obj
def suggest_cmd(
    state: State, terms: tuple[str, ...], feed: str, store: str | None,
    limit: int, folder: str | None, fmt: str,
) -> int:  # fmt: skip
    """Draft events from the feed's largest clusters that no curated event covers.

    A cluster is one dyad doing one CAMEO act root in one month, with a watched country on a
    side; a curated event covers it when it may fall in that month and names both parties.
    Each draft has the countries, the act, the month, status "reported" and the top source
    URLs; its title is empty, so `orbit check` refuses it until you write it. Exit 1 when the
    store has no rows for the period.

    \b
    Examples:
      orbit feed suggest since:2022-01
      orbit feed suggest --write drafts/ country:KZ
      orbit check drafts/2022-05-kz-cooperate-cn.toml
    """
    from orbitwatch.app.feed_loop import NothingToSuggest, feed_suggest, write_drafts
    from orbitwatch.render import feed_compare as out

    if folder and fmt == "json":
        raise UsageError("--write writes TOML files; leave out --format json")
    try:
        found = feed_suggest(state.workspace, _loop_request(terms, feed, store, True), limit)
    except NothingToSuggest as exc:
        click.echo(f"orbit: {exc.message}", err=True)
        return int(ExitStatus.YES)
    if fmt == "json":
        write(out.suggest_json(found.clusters, found.drafts, found.feed))
        return 0
    if not found.clusters:
        click.echo(
            f"every large cluster is covered by a curated event ({found.covered} checked)",
            err=True,
        )
        return 0
    if folder:
        from pathlib import Path  # deferred: pathlib costs orbit --version 8 ms

        written = write_drafts(state.workspace, found, Path(folder))
        for path in written.written:
            write([f"{path}\n"])
        return 0
    if use_table(None):
        rows_out(state, None, out.SUGGEST_HEADERS, out.suggest_rows(found.clusters))
    write(out.drafts_text(found.drafts))
    return 0


LOOP_COMMANDS = (compare_cmd, suggest_cmd)
