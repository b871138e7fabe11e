"""`orbit feed import|update`: machine-coded event feeds in a Parquet store (app/feeds.py).

Parses options, calls one use case, prints the import summary, maps the outcome to a status.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from orbitwatch.cli.common import State, write
from orbitwatch.cli.feed_loop import LOOP_COMMANDS
from orbitwatch.cli.feed_scoring import SCORING_COMMANDS
from orbitwatch.cli.status import ExitStatus

if TYPE_CHECKING:
    from orbitwatch.feeds.ingest import FileReport, ImportReport

FEED_FORMATS = ("text", "json")

STORE_HELP = (
    "The feed store folder (default: orbit.toml's [feeds.NAME] store, else the user's data "
    "folder/orbitwatch/feeds/NAME)."
)


@click.group("feed")
def feed_group() -> None:
    """Machine-coded event feeds (GDELT, ICEWS): import them into a Parquet store, score them.

    \b
    Examples:
      orbit feed import tests/data/feeds/*.CSV tests/data/feeds/*.tab
      orbit feed update --store ~/feeds/gdelt
    """


def store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--feed NAME and --store DIR, shared by every feed command."""
    command = click.option("--store", "store", metavar="DIR", help=STORE_HELP)(command)
    return click.option(
        "--feed",
        "feed",
        metavar="NAME",
        default="gdelt",
        show_default=True,
        help="Which feed of orbit.toml's [feeds.NAME] tables.",
    )(command)


@feed_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@store_options
@click.option("--format", "fmt", type=click.Choice(FEED_FORMATS), default="text")
@click.pass_obj
def import_cmd(state: State, paths: tuple[str, ...], feed: str, store: str | None, fmt: str) -> int:
    """Import GDELT 2.0 exports (*.export.CSV, zipped or not), GDELT 1.0 daily exports or
    ICEWS .tab files into the feed store.

    Idempotent: a file or rows already in the store add nothing. All or nothing per file.
    Bad rows are reported as FILE:LINE: error: ..., skipped, and make the exit status 2.

    \b
    Examples:
      orbit feed import 20220516120000.export.CSV.zip
      orbit feed import --store /data/gdelt --format json *.export.CSV
    """
    from orbitwatch.app.feeds import feed_place, import_feed

    place = feed_place(state.workspace, feed, store)
    with progress_bar("importing", in_bytes=True) as progress:
        report = import_feed(place, paths, progress)
    _say_recovered(report.recovered)
    _out(report, fmt, quiet_when_empty=False)
    return int(ExitStatus.TROUBLE if report.trouble else ExitStatus.OK)


@feed_group.command("update")
@store_options
@click.option(
    "--base-url",
    metavar="URL",
    help="Where GDELT 2.0's masterfilelist.txt and files are (default: orbit.toml's "
    "[feeds.NAME] base_url, else http://data.gdeltproject.org/gdeltv2/).",
)
@click.option(
    "--since",
    metavar="DATE",
    help="On a store with no GDELT 2.0 file yet, start at DATE (YYYY-MM-DD[THH:MM], UTC); "
    "default: the last day of the list.",
)
@click.option("--format", "fmt", type=click.Choice(FEED_FORMATS), default="text")
@click.pass_obj
def update_cmd(
    state: State,
    feed: str,
    store: str | None,
    base_url: str | None,
    since: str | None,
    fmt: str,
) -> int:
    """Fetch and import the GDELT 2.0 event exports newer than the last one imported.

    Checks each file's size and MD5 against the master list; a failed file stops the run and
    the next run starts again with it. Prints nothing when nothing is new (for cron); exits
    75 while another import or update holds the store's lock.

    \b
    Examples:
      orbit feed update
      orbit feed update --since 2022-05-01 --store /data/gdelt
    """
    from orbitwatch.app.feeds import feed_place, update_feed

    place = feed_place(state.workspace, feed, store, base_url)
    with progress_bar("fetching") as progress:
        report = update_feed(place, since, progress)
    _say_recovered(report.recovered)
    if fmt == "json":
        import json  # deferred: orbit --version does not need it

        write([json.dumps(report.to_json(), indent=2) + "\n"])
    else:
        _out_text(report.files, str(report.store), quiet_when_empty=True)
    return int(ExitStatus.TROUBLE if report.trouble else ExitStatus.OK)


for _command in SCORING_COMMANDS:  # signals and sql: cli/feed_scoring.py
    feed_group.add_command(_command)
for _command in LOOP_COMMANDS:  # compare and suggest: cli/feed_loop.py
    feed_group.add_command(_command)
COMMANDS = (feed_group,)


# -- output ----------------------------------------------------------------------------------


def _say_recovered(lines: tuple[str, ...]) -> None:
    from orbitwatch.cli.common import warn

    for line in lines:
        warn(line)


def _out(report: ImportReport, fmt: str, quiet_when_empty: bool) -> None:
    if fmt == "json":
        import json  # deferred: orbit --version does not need it

        write([json.dumps(report.to_json(), indent=2) + "\n"])
    else:
        _out_text(report.files, str(report.store), quiet_when_empty)


def _out_text(files: tuple[FileReport, ...], store: str, quiet_when_empty: bool) -> None:
    from orbitwatch.cli.common import say_error
    from orbitwatch.render.text import visible

    if quiet_when_empty and not files:
        return
    for report in files:
        if report.error:
            say_error(report.error, report.hint)
            continue
        for bad in report.bad_rows:
            click.echo(visible(bad.render()), err=True)
        if report.bad > len(report.bad_rows):
            more = report.bad - len(report.bad_rows)
            click.echo(visible(f"{report.path}: error: {more} more bad rows"), err=True)
    lines = [_file_line(report) for report in files if not report.error]
    added = sum(r.added for r in files)
    done = [r for r in files if not r.error]
    lines.append(
        f"{added} rows added to {store} from {len(done)} of {len(files)} files "
        f"({sum(r.duplicates for r in done)} already stored, {sum(r.bad for r in done)} bad, "
        f"{sum(r.unmapped for r in done)} unmapped)\n"
    )
    write(visible(line, keep_newlines=True) for line in lines)


def _file_line(report: FileReport) -> str:
    if report.already:
        return f"{report.path}: already imported (same SHA-256), nothing added\n"
    span = (
        ""
        if not report.months
        else f", {report.months[0]}"
        if len(report.months) == 1
        else f", {report.months[0]}..{report.months[-1]}"
    )
    return (
        f"{report.path}: {report.source}, {report.rows} rows: {report.added} added, "
        f"{report.duplicates} already stored, {report.bad} bad, {report.unmapped} unmapped"
        f"{span}\n"
    )


@contextmanager
def progress_bar(
    what: str, in_bytes: bool = False
) -> Iterator[Callable[[str, int, int], None] | None]:
    """Bytes (import) or files (update) done, rate and time left on a terminal (stderr);
    nothing when piped or under cron."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from orbitwatch.render.terminal import make_console

    counts = (DownloadColumn(), TransferSpeedColumn()) if in_bytes else (MofNCompleteColumn(),)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        *counts,
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[name]}"),
        transient=True,
        console=make_console(sys.stderr, None),
    )
    task = bar.add_task(what, total=None, name="")

    def update(name: str, done: int, total: int) -> None:
        bar.update(task, completed=done, total=total, name=name.rsplit("/", 1)[-1])

    with bar:
        yield update
