"""`orbit timeline` and `orbit render`: the timeline in a terminal, and export formats.

Parse options, call one app function (app/views.py), render, map to an exit status.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from orbitwatch.cli.common import (
    State,
    as_path,
    finish,
    known_at_option,
    output_width,
    parse_query,
    scoring_day,
    show,
    write,
)
from orbitwatch.cli.completion import complete_terms
from orbitwatch.cli.help import command
from orbitwatch.model.errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path


@command("timeline")
@click.argument("terms", nargs=-1, shell_complete=complete_terms)
@click.option(
    "--by",
    type=click.Choice(["date", "country"]),
    default="date",
    show_default=True,
    help="country: one lane per country.",
)
@click.option(
    "--width",
    type=click.IntRange(min=40, max=1000, clamp=True),
    default=None,
    help="Width in columns, 40 to 1000 (a larger one counts as 1000, as for orbit --width; "
    "default: orbit --width, else the terminal's, else COLUMNS, else 80).",
)
@known_at_option
@click.pass_obj
def timeline_cmd(
    state: State, terms: tuple[str, ...], by: str, width: int | None, known_at: str | None
) -> int:
    """A vertical timeline in the terminal, grouped by year and month.

    Markers show each event's reading: ▲ away, ▼ toward, ● neutral, ◆ mixed, ○ none
    (the same marks as list, show and signals --monthly).
    Plain text when stdout is not a terminal or NO_COLOR is set.

    \b
    Examples:
      orbit timeline country:TJ
      orbit timeline since:2022-03 --by country --width 60
      orbit timeline --known-at 2022-05-20
    """
    from orbitwatch.app.views import timeline_view
    from orbitwatch.render.timeline import lanes_lines, plain, timeline_lines

    query = parse_query(terms)
    columns = width or output_width(state) or 80
    on = scoring_day(state, known_at)
    view = timeline_view(
        state.workspace, query, on, by == "country", max_lanes=max(1, (columns - 30) // 3)
    )
    if by == "country":
        lines = lanes_lines(view.events, view.reading_of, view.lanes, columns)
    else:
        lines = timeline_lines(view.events, view.reading_of, columns)
    if sys.stdout.isatty() or state.color:
        from orbitwatch.render.terminal import segments_text

        show(state, segments_text(lines))
    else:
        write(plain(lines))
    return finish(state)


class RenderFormat(click.Choice):  # type: ignore[type-arg]
    """The export formats, read from the render registry when first needed, not at import:
    `orbit --help` must not import every renderer."""

    def __init__(self) -> None:
        super().__init__(())

    @property  # type: ignore[override]
    def choices(self) -> Sequence[Any]:
        from orbitwatch.render.registry import builtin

        return tuple(builtin())

    @choices.setter
    def choices(self, value: Sequence[Any]) -> None:
        pass  # click.Choice.__init__ assigns; the registry is the one source


@command("render")
@click.argument("terms", nargs=-1, shell_complete=complete_terms)
@click.option(
    "--format",
    "fmt",
    type=RenderFormat(),
    default=None,
    help="md, html, json, jsonl, csv, ics or timelinejs (see below); default: from the -o "
    "file's suffix (.md .html .json .jsonl .csv .ics).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write to FILE atomically (temporary file, then rename); default stdout.",
)
@click.option("--exact-only", is_flag=True, help="ics: leave out month- and year-precision events.")
@click.option(
    "--title",
    default="orbitwatch timeline",
    show_default=True,
    help="Title of the page, calendar or timeline.",
)
@known_at_option
@click.pass_obj
def render_cmd(
    state: State,
    terms: tuple[str, ...],
    fmt: str | None,
    output: Path | None,
    exact_only: bool,
    title: str,
    known_at: str | None,
) -> int:
    """Export the timeline for the places a timeline goes.

    \b
    Examples:
      orbit render --format html -o timeline.html
      orbit render --format ics country:KZ -o kz.ics
      orbit render --format md since:2022-05
      orbit render --format md --known-at 2022-05-20
    """
    from orbitwatch.app.views import render_input, save
    from orbitwatch.render.registry import builtin

    fmt = fmt or format_from_suffix(output)
    query = parse_query(terms)
    on = scoring_day(state, known_at)
    data = render_input(state.workspace, query, on, fmt, exact_only, title)
    chunks = builtin()[fmt](data)
    if output is None:
        write(chunks)
    else:
        target = as_path(output)
        save(state.workspace, target, chunks)
        click.echo(f"wrote {target}", err=True)
    return finish(state)


SUFFIX_FORMATS = {".md": "md", ".html": "html", ".htm": "html", ".json": "json",
                  ".jsonl": "jsonl", ".csv": "csv", ".ics": "ics"}  # fmt: skip


def format_from_suffix(output: Path | None) -> str:
    """The format an -o file's suffix names; a usage error naming every format otherwise."""
    from pathlib import Path

    from orbitwatch.render.registry import builtin

    suffix = Path(output).suffix.lower() if output is not None else ""
    if suffix in SUFFIX_FORMATS:
        return SUFFIX_FORMATS[suffix]
    where = f"from the suffix of {output}" if output is not None else "without -o FILE"
    raise UsageError(
        f"--format cannot be guessed {where}; choose one of: {', '.join(builtin())}",
        hint="e.g. orbit render --format html -o timeline.html (or just -o timeline.html)",
    )


COMMANDS = (timeline_cmd, render_cmd)
