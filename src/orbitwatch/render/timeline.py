"""The vertical timeline for `orbit timeline`: lines of (text, style) segments.

terminal.py turns them into rich Text for a terminal; plain output joins the text. No rich here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from orbitwatch.model.event import MONTH_ABBR, MONTH_NAMES, Event, Precision, Reading
from orbitwatch.render.glyphs import MARK
from orbitwatch.render.text import one_line

Segment = tuple[str, str]  # (text, style name)
# "mixed": an event its countries read differently (see each country's lane, or `orbit show`).
MARKER = MARK


def _wrap(words: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in words.split(" "):
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines or [""]


def timeline_lines(
    events: Sequence[Event], reading_of: Mapping[str, Reading], width: int
) -> Iterator[list[Segment]]:
    """Grouped by year and month; partial dates stand under their year or month."""
    width = max(40, width)
    year = None
    month = None
    if not events:
        return
    for event in events:
        start = event.date.start
        if start.year != year:
            year, month = start.year, None
            yield [(f"{year}", "year")]
        this_month = None if event.date.precision is Precision.YEAR else start.month
        if this_month != month or month is None:
            month = this_month
            label = MONTH_NAMES[this_month] if this_month else f"(during {year})"
            yield [("  " + label, "month")]
        reading = reading_of.get(event.id)
        stance = reading.stance if reading else "none"
        if event.date.precision is Precision.DAY:
            when = f"{start.day:>2} {MONTH_ABBR[start.month]}"
        elif event.date.precision is Precision.MONTH:
            when = "month "
        else:
            when = "year  "
        if event.end is not None:
            when += f"–{event.end.human()}"
        indent = "    "
        head = f"{indent}{MARKER[stance]} {when}  "
        room = max(20, width - len(head))
        suffix = f" [{event.status}]" if event.status != "occurred" else ""
        title_lines = _wrap(one_line(event.title) + suffix, room)
        if suffix and title_lines[-1].endswith(suffix):
            title_lines[-1] = title_lines[-1][: -len(suffix)]
        else:
            suffix = ""  # the status wrapped inside the title lines
        first: list[Segment] = [
            (indent, ""),
            (MARKER[stance], f"stance.{stance}"),
            (f" {when}  ", "date"),
            (title_lines[0], "title"),
        ]
        if suffix and len(title_lines) == 1:
            first.append((suffix, "status"))
        yield first
        for index, more in enumerate(title_lines[1:], start=2):
            row: list[Segment] = [(" " * len(head), ""), (more, "title")]
            if suffix and index == len(title_lines):
                row.append((suffix, "status"))
            yield row
        detail = f"{event.id}"
        if event.countries:
            detail += " · " + ",".join(event.countries)
        if reading is not None:
            detail += f" · {reading.stance} ({reading.rule})"
        for piece in _wrap(one_line(detail), room):
            yield [(" " * len(head), ""), (piece, "id")]
    yield [("", "")]
    yield legend()


def lanes_lines(
    events: Sequence[Event], reading_of: Mapping[str, Reading], lanes: Sequence[str], width: int
) -> Iterator[list[Segment]]:
    """One lane per country: a marker in each lane the event involves, then the title."""
    width = max(40, width)
    date_width = 12
    lane_width = 3
    header: list[Segment] = [(" " * date_width, "")]
    header += [(f"{code:<{lane_width}}", "month") for code in lanes]
    yield header
    room = max(10, width - date_width - lane_width * len(lanes) - 1)
    for event in events:
        reading = reading_of.get(event.id)
        row: list[Segment] = [(f"{event.date.human():<{date_width}}"[:date_width], "date")]
        for code in lanes:
            if code in event.countries:
                # each lane shows its own country's reading
                own = reading.for_country(code) if reading else None
                stance = own.stance if own else "none"
                row.append((f"{MARKER[stance]:<{lane_width}}", f"stance.{stance}"))
            else:
                row.append((f"{'│':<{lane_width}}", "lane"))
        title = one_line(event.title)
        row.append((" " + (title if len(title) <= room else title[: room - 1] + "…"), "title"))
        yield row
    if events:
        yield [("", "")]
        yield legend()


def legend() -> list[Segment]:
    """The key to the markers, shown under a timeline."""
    return [
        ("", ""),
        (MARKER["away"], "stance.away"),
        (" away  ", "id"),
        (MARKER["toward"], "stance.toward"),
        (" toward  ", "id"),
        (MARKER["neutral"], "stance.neutral"),
        (" neutral  ", "id"),
        (MARKER["mixed"], "stance.mixed"),
        (" mixed  ", "id"),
        (MARKER["none"], "stance.none"),
        (" no reading", "id"),
    ]


def plain(lines: Iterator[list[Segment]]) -> Iterator[str]:
    for segments in lines:
        yield "".join(text for text, _ in segments).rstrip() + "\n"
