"""Laying text out at a width: display cells, word wrapping that never breaks a word (an id
is one word), and lines without trailing spaces. Pure text; no rich, no escaping.

The terminal tables (terminal.py) and the text reports (eval, history, digest) share it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

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
