"""Tables and panels for a terminal, drawn with rich from values; event text is never markup.

The only module besides cli.py that imports rich. It builds renderables; cli.py prints them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import IO, TYPE_CHECKING

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from orbitwatch.model import countries
from orbitwatch.render.glyphs import marked
from orbitwatch.render.layout import GAP, Columns, kind_of, strip_trailing, wrap_line
from orbitwatch.render.text import one_line, visible

if TYPE_CHECKING:
    from orbitwatch.model.acts import Vote
    from orbitwatch.model.event import Event, Reading

STANCE_STYLE = {"away": "bold red", "toward": "bold blue", "neutral": "dim", "none": "dim"}
# The alert levels, one colour each in every view (signals, alerts, digest); a level an
# orbit.toml names otherwise is bold.
LEVEL_STYLE = {"watch": "cyan", "warning": "bold yellow", "alarm": "bold red"}


def level_style(level: str) -> str:
    if level in ("", "-", "none"):
        return ""
    return LEVEL_STYLE.get(level, "bold")


def level_painter(console: Console) -> Callable[[str], str]:
    """Paints a level name as the console would (plain when its colour is off)."""

    def paint(level: str) -> str:
        style = level_style(level)
        if not style or console.color_system is None:
            return level
        with console.capture() as capture:
            console.print(Text(level, style=style), end="", soft_wrap=True)
        return capture.get()

    return paint


class _Console(Console):
    """rich's console, but a broken pipe is an error like any other failed write (the CLI
    maps it to exit 74), not rich's own SystemExit(1)."""

    def on_broken_pipe(self) -> None:
        import errno
        import os

        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


def make_console(file: IO[str], color: bool | None, width: int | None = None) -> Console:
    """A console that never interprets data: no markup, emoji or highlighting. Colour, in this
    order: --color/--no-color (`color`), then NO_COLOR (no colour, and FORCE_COLOR is not
    read), then FORCE_COLOR (colour even when piped, rich reads it), then whether `file` is a
    terminal."""
    force_terminal: bool | None = True if color else None
    if color is None and os.environ.get("NO_COLOR", ""):
        force_terminal = _isatty(file)  # decided here, so rich never consults FORCE_COLOR
    return _Console(
        file=file,
        markup=False,
        emoji=False,
        highlight=False,
        force_terminal=force_terminal,
        # an explicit --color beats NO_COLOR (clig.dev): rich reads NO_COLOR itself otherwise
        no_color=True if color is False else False if color else None,
        color_system="auto" if color is not False else None,
        width=width,
        soft_wrap=False,
    )


UNLIMITED = 10_000  # the widest a table written to a file or pipe may be measured at


def rendered(console: Console, renderable: RenderableType, width: int | None) -> str:
    """The renderable as text at `width` (None: its natural width, never wrapped), each line
    without trailing spaces; colour as the console decides."""
    if width is None:
        console.width = UNLIMITED
        width = max(1, console.measure(renderable).maximum)
    console.width = width
    with console.capture() as capture:
        console.print(renderable, crop=False)
    return "\n".join(strip_trailing(line) for line in capture.get().split("\n"))


def _isatty(file: IO[str]) -> bool:
    try:
        return file.isatty()
    except (AttributeError, OSError, ValueError):
        return False


def styled(value: str, style: str) -> Text:
    """A cell whose words carry the style and its padding does not (no colour runs on)."""
    text = Text(value)
    if style:
        text.stylize(style, 0, len(value))
    return text


def t(value: str, style: str = "") -> Text:
    return Text(one_line(value), style=style)


def stance_text(reading: Reading | None) -> Text:
    if reading is None:
        return Text("")
    mark = marked(reading.stance)
    return Text(mark, style=STANCE_STYLE.get(reading.stance, ""))


def events_table(
    events: Sequence[Event], reading_of: Mapping[str, Reading], total: int, see_all: str = ""
) -> Group:
    """Date, then the title with a dim line of id, countries, status and reading under it:
    readable from 50 columns up, where a column per field would squeeze the title to nothing.
    `see_all` ends the line about events left out (the CLI says how to see them all)."""
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, expand=False)
    table.add_column("date", no_wrap=True)
    table.add_column("event", overflow="fold")
    for event in events:
        reading = reading_of.get(event.id)
        meta = Text.assemble((one_line(event.id), "dim"))
        if event.countries:
            meta.append(" · " + one_line(",".join(event.countries)), style="dim")
        if event.status != "occurred":
            meta.append(" · ")
            meta.append(one_line(event.status), style="yellow")
        if reading is not None:
            meta.append(" · ")
            meta.append_text(stance_text(reading))
            meta.append(f" ({one_line(reading.rule)})", style="dim")
        table.add_row(
            t(event.date_range_human()),
            Text.assemble(Text(one_line(event.title), style="bold"), "\n", meta),
        )
    parts: list[object] = [table]
    if total > len(events):
        parts.append(
            Text(
                f"… {total - len(events)} more not shown" + (f"; {see_all}" if see_all else ""),
                style="dim",
            )
        )
    parts.append(Text(f"{total} event{'s' if total != 1 else ''}", style="dim"))
    return Group(*parts)  # type: ignore[arg-type]


def cancelled_text(votes: Sequence[Vote]) -> str:
    """'KZ cooperate RU (toward 3) + KZ cooperate CN (away 3) = 0': acts that cancelled."""
    return " + ".join(f"{vote.act} ({vote.stance} {vote.weight})" for vote in votes) + " = 0"


def event_detail(
    event: Event,
    reading: Reading | None,
    rule_title: str,
    cancelled: Sequence[tuple[str, Sequence[Vote]]] = (),
) -> Group:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("id", t(event.id))
    grid.add_row("date", t(f"{event.date_range_human()}  ({event.date.precision_name} precision)"))
    grid.add_row("status", t(event.status))
    grid.add_row("countries", t(", ".join(f"{c} {countries.name(c)}" for c in event.countries)))
    if event.actors:
        grid.add_row("actors", t(", ".join(event.actors)))
    if event.tags:
        grid.add_row("tags", t(", ".join(event.tags)))
    if reading is not None:
        for country, part in reading.parts():
            if part.origin == "analyst":
                how = "the analyst's own [signal" + (f".{country}" if country else "") + "] table"
            elif part.origin == "act":
                how = f"act {part.rule}"
            else:
                how = f"rule {part.rule}" + (f": {rule_title}" if rule_title else "")
                if len(part.rules) > 1:
                    how += f" (also matched: {', '.join(part.rules[1:])})"
            line = Text.assemble(
                f"{country} " if country else "",
                stance_text(part),
                f" weight {part.weight}, from {one_line(how)}",
            )
            grid.add_row("reading", line)
            if part.note and part.origin != "act":  # an act's note is shown with the acts
                grid.add_row("note", t(part.note))
    elif not cancelled:
        grid.add_row("reading", Text("none (no rule or act reads it)", style="dim"))
    for country, votes in cancelled:
        grid.add_row(
            "reading",
            Text.assemble(
                f"{country} ",
                ("none: the acts cancelled", "dim"),
                f" ({one_line(cancelled_text(votes))})",
            ),
        )
    if event.acts:
        grid.add_row(
            "acts",
            t("; ".join(str(act) + (f" ({act.note})" if act.note else "") for act in event.acts)),
        )
    grid.add_row("file", t(event.path, "dim"))
    parts: list[object] = [Text(one_line(event.title), style="bold"), grid]
    if event.summary:
        parts.append(Text(""))
        parts.append(Text(visible(event.summary, keep_newlines=True)))
    if event.sources:
        parts.append(Text(""))
        parts.append(Text("sources", style="bold"))
        for source in event.sources:
            bits = [
                source.title,
                source.publisher,
                source.author,
                source.date.human() if source.date else "",
                source.url,
            ]
            line = Text("- " + one_line(" · ".join(b for b in bits if b)))
            parts.append(Padding(Hanging(line, 2), (0, 0, 0, 2)))
    return Group(*parts)  # type: ignore[arg-type]


class FittedTable(Columns):
    """A table of already-formatted cells (all data) laid out by the rule of layout.Columns at
    the width it is given; wide enough, it is drawn whole."""

    def __init__(
        self, headers: Sequence[str], rows: Sequence[Sequence[str]], styles: Sequence[str]
    ):
        super().__init__(headers, rows)
        self.rows, self.styles = rows, styles

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        full = sum(self.natural(i) for i in range(len(self.headers)))
        return Measurement(1, full + GAP * (len(self.headers) - 1))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        kept, dropped = self.plan(width)
        need = sum(self.least(i) for i in kept) + GAP * (len(kept) - 1)
        if need > width:
            yield from self._cards(width)
            return
        sparks = [i for i in kept if kind_of(self.headers[i]) == "spark"]
        others = need - sum(self.least(i) for i in sparks)
        room = {i: max(self.least(i), min(self.natural(i), width - others)) for i in sparks}
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for index in kept:
            header, kind = self.headers[index], kind_of(self.headers[index])
            if kind == "number":
                table.add_column(header, justify="right", no_wrap=True, min_width=self.least(index))
            elif kind == "fixed":
                table.add_column(header, no_wrap=True, min_width=self.least(index))
            elif kind == "spark":
                cut = room[index] < self.natural(index)
                table.add_column(f"trend {room[index]}m" if cut else header, no_wrap=True,
                                 min_width=room[index], max_width=room[index])  # fmt: skip
            else:
                table.add_column(header, min_width=self.least(index), overflow="fold")
        for row_number, row in enumerate(self.cells):
            cells = []
            for index in kept:
                cell = row[index] if index < len(row) else ""
                if index in room:  # the newest points are on the right: keep those
                    cell = cell[-room[index] :]
                cells.append(styled(cell, self._style(index, self.rows[row_number])))
            table.add_row(*cells)
        yield table
        if dropped:
            names = ", ".join(f"'{name}'" for name in dropped)
            yield Text(
                f"left out at {width} columns: {names} (wider output shows "
                f"{'them' if len(dropped) > 1 else 'it'})",
                style="dim",
            )

    def _style(self, index: int, row: Sequence[str]) -> str:
        style = self.styles[index] if index < len(self.styles) else ""
        cell = row[index] if index < len(row) else ""
        if style == "stance":
            return STANCE_STYLE.get(cell.split(" ")[-1], "")
        if self.headers[index] == "level":
            return level_style(cell)
        return style

    def _cards(self, width: int) -> RenderResult:
        """Each row as a card: the short cells on one line, then one line per other cell."""
        short = [
            i for i, h in enumerate(self.headers) if kind_of(h) != "words" and self.natural(i) <= 12
        ]
        for row in self.cells:
            # the first cell (the row's key), then 'header value' bound by no-break spaces
            first = "  ".join(
                row[i] if i == 0 else f"{self.headers[i]} {row[i]}".replace(" ", "\u00a0")
                for i in short
                if i < len(row)
            )
            level = row[self.headers.index("level")] if "level" in self.headers else ""
            for line in wrap_line(first, width):
                text = Text(line, style="bold", no_wrap=True, overflow="ignore")
                at = line.find("level\u00a0" + level)
                if level_style(level) and at >= 0:
                    text.stylize(level_style(level), at + 6, at + 6 + len(level))
                yield text
            for index, header in enumerate(self.headers):
                if index in short or index >= len(row):
                    continue
                value = row[index].replace("\n", "; ")
                for line in wrap_line(f"  {header}: {value}", width):
                    yield Text(line, no_wrap=True, overflow="ignore")
            yield Text("")


def simple_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    styles: Sequence[str] = (),
    footer: str = "",
) -> Group:
    """A plain-looking table of already-formatted cells (all treated as data), fitted to the
    width it is drawn at (FittedTable)."""
    parts: list[object] = [FittedTable(headers, rows, styles)]
    if footer:
        parts.append(Text(one_line(footer), style="dim"))
    return Group(*parts)  # type: ignore[arg-type]


SEGMENT_STYLE = {
    "year": "bold underline",
    "month": "bold",
    "date": "",
    "title": "",
    "status": "yellow",
    "id": "dim",
    "lane": "dim",
    "stance.away": "bold red",
    "stance.toward": "bold blue",
    "stance.neutral": "bold",
    "stance.mixed": "bold magenta",
    "stance.none": "dim",
}


def segments_text(lines: object) -> Group:
    """Lines of (text, style) segments as rich Text; the text is already sanitised data."""
    texts = []
    for segments in lines:  # type: ignore[attr-defined]
        line = Text(no_wrap=True, overflow="crop")
        for content, style in segments:
            line.append(content, style=SEGMENT_STYLE.get(style, ""))
        texts.append(line)
    return Group(*texts)


def explain_cards(cards: Sequence[Sequence[str]]) -> Table:
    """Contribution and share on the left; date, title, the arithmetic and the id beside them."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, justify="right")
    grid.add_column(overflow="fold")
    for value, share, date, title, arithmetic, event_id in cards:
        style = "bold red" if value.startswith("+") else "bold blue"
        left = Text.assemble((value, style), ("\n" + share, "dim"))
        right = Text.assemble(
            (one_line(date), "bold"),
            "  ",
            one_line(title),
            "\n",
            one_line(arithmetic),
            "\n",
            (one_line(event_id), "dim"),
            "\n",
        )
        grid.add_row(left, right)
    return grid


class Hanging:
    """Text whose wrapped lines are indented under its first word (a hanging indent)."""

    def __init__(self, text: Text, indent: int):
        self.text, self.indent = text, indent

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.text)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width - self.indent)
        lines = self.text.wrap(console, width)
        for index, line in enumerate(lines):
            if index == 0:
                first = self.text.wrap(console, options.max_width)
                if len(first) == 1:  # fits on one line
                    yield first[0]
                    return
            yield Text(" " * (self.indent if index else 0)) + line


class AlertsView:
    """The alerts as a table when the terminal is wide enough for an id on one line, else as
    cards; either way an id is never broken (it is what one copies into `orbit show`)."""

    def __init__(self, rows: Sequence[Sequence[str]]):
        self.rows = rows

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        longest = max((len(row[6]) for row in self.rows), default=0)
        return Measurement.get(console, options, alerts_table(self.rows, longest))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        longest = max((len(row[6]) for row in self.rows), default=0)
        if options.max_width >= longest + 45:  # date (fingerprint), kind, country, level
            yield alerts_table(self.rows, longest)
            return
        for date, kind, country, level, title, why, subject, short in self.rows:
            style = "bold red" if kind == "level-up" else "bold"
            yield Text.assemble(
                (f"{short}  {date}  {kind}  {country}  level ", style),
                (level, level_style(level) or style),
            )
            yield Padding(Text(one_line(title)), (0, 0, 0, 2))  # a hanging indent
            yield Padding(Text(one_line(why)), (0, 0, 0, 2))
            yield Text("  " + one_line(subject), style="dim", no_wrap=True, overflow="ignore")
            yield Text("")


def alerts_table(rows: Sequence[Sequence[str]], id_width: int = 0) -> Table:
    """date with the short fingerprint (what `orbit ack` takes) under it, kind, country,
    level, then what it is about with why and the id under it."""
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for header in ("date\nfingerprint", "kind", "country", "level"):
        table.add_column(header, no_wrap=True)
    table.add_column("alert", min_width=id_width)
    for date, kind, country, level, title, why, subject, short in rows:
        style = "bold red" if kind == "level-up" else "bold" if kind != "signal" else ""
        detail = Text.assemble(
            (one_line(title), "bold"), "\n", (one_line(why), ""), "\n", (one_line(subject), "dim")
        )
        when = Text.assemble((one_line(date), ""), "\n", (one_line(short), "dim"))
        table.add_row(when, t(kind, style), t(country), styled(level, level_style(level)), detail)
    return table
