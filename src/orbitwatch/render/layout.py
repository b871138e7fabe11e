"""Laying text out at a width: display cells, word wrapping that never breaks a word (an id
is one word), lines without trailing spaces, and the columns a table keeps at a width. Pure
text; no rich (terminal.py draws the tables).

The terminal tables (terminal.py) and the text reports (eval, history, digest) share it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

from orbitwatch.render.text import visible

# colour codes (SGR) take no room on the screen
_SGR = re.compile(r"\x1b\[[0-9;]*m")
_TRAILING = re.compile(r"(?:[ ]|\x1b\[[0-9;]*m)+$")


def cells(text: str) -> int:
    """How many terminal cells the text takes: wide characters 2, combining marks 0."""
    width = 0
    for char in _SGR.sub("", text):
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def strip_trailing(line: str) -> str:
    """The line without trailing spaces; colour codes among them are kept (they reset styles)."""
    found = _TRAILING.search(line)
    if found is None:
        return line
    return line[: found.start()] + found.group(0).replace(" ", "")


def wrap_line(line: str, width: int) -> list[str]:
    """One line wrapped at spaces to `width` cells; the lines after the first are indented two
    more than the first (a hanging indent). A word is never broken: one longer than the room
    stands alone on its line, past the width."""
    line = strip_trailing(line)
    if width <= 0 or cells(line) <= width:
        return [line]
    body = line.lstrip(" ")
    lead = " " * (len(line) - len(body))
    hanging = lead + "  "
    # each word (no-break spaces bind it) with the spaces before it: runs of spaces
    # (aligned columns) are kept within a line and dropped where the line breaks
    words = [(m.group(1), m.group(2)) for m in re.finditer(r"( *)([^ ]+)", body)]
    lines: list[str] = []
    current = lead + words[0][1]
    for gap, word in words[1:]:
        if cells(current) + len(gap) + cells(word) > width:
            lines.append(current)
            current = hanging + word
        else:
            current += gap + word
    lines.append(current)
    return lines


def fit_lines(chunks: Iterable[str], width: int | None) -> Iterator[str]:
    """Text (in chunks) with each line wrapped to `width` (None: as it is, unwrapped)."""
    if width is None:
        yield from chunks
        return
    text = "".join(chunks)
    lines = text.split("\n")
    last = lines.pop()  # '' when the text ends with a newline
    for line in lines:
        for part in wrap_line(line, width):
            yield part + "\n"
    if last:
        yield "\n".join(wrap_line(last, width))


# How a table meets a narrow width (the one rule for every table of rows):
# - a column of codes, dates, ids or numbers keeps its full width: an id is never broken;
# - a column of words wraps at spaces, never narrower than its longest word;
# - a sparkline ("trend ...") loses its oldest points first, never the newest;
# - if that is still too wide, the optional columns below are left out, in this order, and a
#   one-line note names them; if even that does not fit, each row becomes a card (its short
#   cells on one line, every other cell on a line of its own), so nothing is cut.
FIXED_COLUMNS = (
    "date", "month", "country", "level", "kind", "stance", "arrow", "status", "id",
    "fingerprint", "event", "commit", "sent", "happened", "entered", "since", "until", "lead",
    "by", "origin", "period", "dyad", "act", "root", "median lead",
)  # fmt: skip
NUMERIC_COLUMNS = (
    "score", "share", "contribution", "weight", "certainty", "decay", "change", "alerts",
    "volume", "away", "toward", "none", "index", "rows", "stories",
)  # fmt: skip
OPTIONAL_COLUMNS = (
    "name", "top drivers", "suppresses", "caught by", "origin", "certainty", "decay",
    "happened", "entered", "commit", "rationale", "why", "kind",
)  # fmt: skip
_COMMA = re.compile(r",(?=\S)")
SPARK_MIN = 8  # cells of the narrowest sparkline ("trend 8m")
GAP = 2  # cells between two columns


def kind_of(header: str) -> str:
    if header in NUMERIC_COLUMNS or header.startswith("Δ"):
        return "number"
    if header in FIXED_COLUMNS:
        return "fixed"
    if header.startswith("trend"):
        return "spark"
    return "words"


class Columns:
    """The columns of a table of already-formatted cells (all data, made visible here): their
    natural and least widths and which are kept at a width, by the rule above."""

    def __init__(self, headers: Sequence[str], rows: Sequence[Sequence[str]]):
        self.headers = list(headers)
        # in a column of words a list may break after its commas ("a,b" shows as "a, b")
        self.cells = [
            [
                _COMMA.sub(", ", text) if kind_of(self.headers[i]) == "words" else text
                for i, text in enumerate(visible(cell, keep_newlines=True) for cell in row)
            ]
            for row in rows
        ]

    def _lines(self, index: int) -> list[str]:
        return [line for row in self.cells if index < len(row) for line in row[index].split("\n")]

    def natural(self, index: int) -> int:
        return max([cells(self.headers[index]), *(cells(x) for x in self._lines(index))])

    def least(self, index: int) -> int:
        kind = kind_of(self.headers[index])
        if kind == "spark":
            return min(SPARK_MIN, self.natural(index))
        if kind == "words":
            words = [w for x in self._lines(index) for w in x.split()]
            heading = self.headers[index].split()
            return max([cells(w) for w in [*words, *heading]] or [1])
        return self.natural(index)

    def plan(self, width: int) -> tuple[list[int], list[str]]:
        """The columns kept and the names of those left out at this width."""
        kept = list(range(len(self.headers)))

        def need() -> int:
            return sum(self.least(i) for i in kept) + GAP * (len(kept) - 1)

        dropped: list[str] = []
        for name in OPTIONAL_COLUMNS:
            if need() <= width:
                break
            if name in self.headers and len(kept) > 1:
                kept.remove(self.headers.index(name))
                dropped.append(name)
        return kept, dropped
