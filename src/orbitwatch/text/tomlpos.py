"""Safe TOML reading with positions: capped reads, located parse errors, key lines, bad text.

Turns bytes into a table or a located Problem; knows nothing of events, folders or git.
"""

from __future__ import annotations

import functools
import os
import re
import resource
import stat
import types
from pathlib import Path

from orbitwatch.model.errors import Problem
from orbitwatch.text.chars import (
    C0,
    FORMAT_REFUSED,
    INVISIBLE,
    REFUSED_MULTILINE,
    REFUSED_SINGLE_LINE,
)

MAX_FILE_BYTES = 1024 * 1024
MAX_LINE_BYTES = 16 * 1024  # some one-line inputs make TOML parsers take seconds
TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)$")


# The one TOML orbit reads: 1.0.0, which the standard library's tomllib reads on every Python
# orbit supports (3.11 to 3.14) and tomli-w writes. toml-rs is told so (it defaults to 1.1);
# pyproject pins tomli below 2.4, the last TOML 1.0 line (2.4 reads 1.1 and has no option).
TOML_VERSION = "1.0.0"


def _toml_parser() -> types.ModuleType:
    """The compiled tomli where installed (several times faster, same errors), else tomllib;
    both read TOML_VERSION."""
    try:
        import tomli

        return tomli
    except ImportError:  # pragma: no cover - tomli is a dependency, tomllib the fallback
        import tomllib

        return tomllib


def read_toml(
    path: Path | str, shown: str, data: bytes | None = None, max_bytes: int = MAX_FILE_BYTES
) -> tuple[str, dict[str, object] | None, list[Problem]]:
    """(text, table, problems) for one TOML file; table is None when it cannot be used.

    Caps come before parsing: only a regular file is read (opened non-blocking, so a FIFO can
    never hang us), at most max_bytes + 1 bytes (MAX_FILE_BYTES, an event file's cap, unless
    told), and no line over MAX_LINE_BYTES. Whatever the parser raises becomes a located problem.
    """
    if data is None:
        try:
            data = _read_regular(path, max_bytes)
        except OSError as exc:
            return "", None, [Problem(shown, 1, 1, f"cannot read: {exc.strerror or exc}")]
        except NotRegularFile as exc:
            return "", None, [Problem(shown, 1, 1, str(exc))]
    if len(data) > max_bytes:
        return "", None, [Problem(shown, 1, 1, f"file is larger than {max_bytes} bytes")]
    if b"\x00" in data:
        line, col = byte_position(data, data.index(b"\x00"))
        return "", None, [Problem(shown, line, col, "file contains a NUL byte (binary file?)")]
    if len(data) > MAX_LINE_BYTES:
        for number, line_bytes in enumerate(data.split(b"\n"), start=1):
            if len(line_bytes) > MAX_LINE_BYTES:
                message = (
                    f"line {number} is longer than {MAX_LINE_BYTES} bytes; split it "
                    '(TOML multi-line strings: """...""")'
                )
                return "", None, [Problem(shown, number, 1, message)]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = byte_position(data, exc.start)
        return "", None, [Problem(shown, line, col, "file is not valid UTF-8")]
    return _parse(text, shown)


# toml-rs recurses on the machine stack: input nested some 10,000 deep crashes the process on
# an 8 MiB stack, 900 deep on a 1 MiB one (`ulimit -s 1024`; seen: about 1.3 KiB a level).
# Nesting is at most the number of brackets, so a text with more than the stack allows goes to
# tomli, which stops at 400 levels cleanly (RecursionError, below).
FAST_BRACKETS = 1000
STACK_PER_BRACKET = 4096  # three times what a level was seen to take


@functools.cache
def fast_brackets() -> int:
    """The most brackets a text may hold for toml-rs: FAST_BRACKETS, fewer on a smaller stack
    (the soft RLIMIT_STACK, which threads and worker processes inherit)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_STACK)
    if soft == resource.RLIM_INFINITY or soft < 0:
        return FAST_BRACKETS
    return min(FAST_BRACKETS, soft // STACK_PER_BRACKET)


# A table header alone on its line ([name] or [[name]]) opens and closes its brackets there:
# it never deepens the nesting beyond 2, so thousands of [[silence]] headers need not count.
_BALANCED_HEADER_LINE = re.compile(
    r"^[ \t]*(?:\[\[[^\[\]{}\n]+\]\]|\[[^\[\]{}\n]+\])[ \t]*(?:#[^\n]*)?$", re.MULTILINE
)


def nesting_bound(text: str) -> int:
    """An upper bound on how deep the text's arrays and inline tables nest: every bracket and
    brace, less those of balanced header lines (plus 2, what one of those can add)."""
    brackets = text.count("[") + text.count("{")
    if brackets <= FAST_BRACKETS:  # the usual event file: no second look
        return brackets
    in_headers = sum(m.group().count("[") for m in _BALANCED_HEADER_LINE.finditer(text))
    return brackets - in_headers + 2


def _fast_parser() -> types.ModuleType | None:
    """toml-rs (compiled Rust, several times faster than tomli, the same tables on our TOML
    cases and events; benchmarks/toml_parsers.py), or None where it is not installed."""
    try:
        import toml_rs

        return toml_rs
    except ImportError:  # pragma: no cover - a dependency; tomli alone is as correct, slower
        return None


def parse_toml(text: str, shown: str) -> tuple[str, dict[str, object] | None, list[Problem]]:
    """(text, table, problems) for a TOML text already read (see read_toml): the one parse
    every file orbit reads goes through, with its depth and integer guards."""
    return _parse(text, shown)


# TOML 1.0 integers are 64-bit: 'if an integer cannot be represented losslessly, an error must
# be thrown'. toml-rs and tomli hand out Python's unbounded ints (tomli fails past 4,300 digits
# with a ValueError), and a 5,000-digit int cannot even be put into a message.
INT64 = (-(2**63), 2**63 - 1)
_INTEGER = re.compile(r"(?<![\w.:+-])[+-]?(?:0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*)")
_BASES = {"0x": (16, 16), "0o": (8, 22), "0b": (2, 64)}  # base, most digits that may fit


def _out_of_range(literal: str) -> bool:
    digits = literal.lstrip("+-").replace("_", "")
    base, most = _BASES.get(digits[:2], (10, 19))
    if base != 10:
        digits = digits[2:]
    digits = digits.lstrip("0")
    if len(digits) > most:
        return True
    value = int(digits or "0", base)
    return not INT64[0] <= (-value if literal.startswith("-") else value) <= INT64[1]


def _huge_integer(table: object) -> bool:
    """Whether a parsed table holds an integer outside 64 bits (iteratively: it may be deep)."""
    stack = [table]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            if not INT64[0] <= value <= INT64[1]:
                return True
    return False


def _integer_problem(text: str, shown: str) -> Problem:
    """'integer out of range' at the first integer-looking token that is (1:1 if none is)."""
    line = col = 1
    for number, content in enumerate(text.splitlines(), start=1):
        found = next((m for m in _INTEGER.finditer(content) if _out_of_range(m.group())), None)
        if found is not None:
            line, col = number, found.start() + 1
            break
    return Problem(shown, line, col, "invalid TOML: integer out of range")


def _parse(text: str, shown: str) -> tuple[str, dict[str, object] | None, list[Problem]]:
    _, table, problems = _parse_any(text, shown)
    if table is not None and _huge_integer(table):
        return text, None, [_integer_problem(text, shown)]
    return text, table, problems


def _parse_any(text: str, shown: str) -> tuple[str, dict[str, object] | None, list[Problem]]:
    fast = _fast_parser()
    if fast is not None and nesting_bound(text) <= fast_brackets():
        try:
            return text, fast.loads(text, toml_version=TOML_VERSION), []
        except Exception:  # noqa: BLE001 - tomli below says what is wrong, and where
            pass
    toml_parser = _toml_parser()
    try:
        table: dict[str, object] = toml_parser.loads(text)
    except toml_parser.TOMLDecodeError as exc:
        message = str(exc)
        line, col = 1, 1
        m = TOML_POSITION.search(message)
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            message = message[: m.start()].rstrip()
        elif "(at end of document)" in message:
            line = text.count("\n") + 1
            col = len(text.rsplit("\n", 1)[-1]) + 1
            message = message.replace("(at end of document)", "").rstrip()
        return text, None, [Problem(shown, line, col, f"invalid TOML: {message}")]
    except RecursionError:
        return text, None, [Problem(shown, 1, 1, "invalid TOML: nested too deeply")]
    except ValueError as exc:  # past Python's 4,300-digit cap for int()
        if "integer string conversion" in str(exc):
            return text, None, [_integer_problem(text, shown)]
        return text, None, [Problem(shown, 1, 1, f"invalid TOML ({type(exc).__name__})")]
    except Exception as exc:  # noqa: BLE001 - the parser may raise anything on hostile input
        return text, None, [Problem(shown, 1, 1, f"invalid TOML ({type(exc).__name__})")]
    return text, table, []


class NotRegularFile(Exception):
    """A path that names a folder, FIFO, socket or device where a file was expected."""


def read_regular(path: Path | str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """At most max_bytes + 1 bytes of a regular file (what read_toml reads); OSError, or
    NotRegularFile for a folder, FIFO, socket or device."""
    return _read_regular(path, max_bytes)


def _read_regular(path: Path | str, max_bytes: int) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(f"not a regular file ({file_kind(info.st_mode)}); not read")
        # Ask for the size fstat gives plus one byte: a short read is the end of the file, so
        # no second read (and no 1 MiB buffer per file) is needed in the usual case.
        want = min(info.st_size, max_bytes) + 1
        data = os.read(fd, want)
        if len(data) < want:
            return data
        chunks = [data]  # the file grew since fstat: read on, up to the cap
        remaining = max_bytes + 1 - len(data)
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def file_kind(mode: int) -> str:
    """What a st_mode names, for messages: 'a folder', 'a FIFO', ..."""
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return name
    return "not a file"


def byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """(line, col) of a byte offset, both counted from 1."""
    before = data[:offset]
    line = before.count(b"\n") + 1
    col = offset - (before.rfind(b"\n") + 1) + 1
    return line, col


def find_key_line(text: str, key: str, table: str | None = None, index: int = 0) -> tuple[int, int]:
    """(line, col) of `key =` in `table` ([table] or the index-th [[table]]); (1, 1) if unseen.
    Scans the whole text: to locate many keys of one text, build one KeyLines."""
    return KeyLines(text).find(key, table, index)


_KEY_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\"]+)\s*\]\]?")


class KeyLines:
    """Where the tables of a TOML text start and which lines each holds, read in one pass, so
    that locating a key costs the lines of its table, not of the file (silences.toml holds
    thousands of [[silence]] tables)."""

    def __init__(self, text: str) -> None:
        # TOML ends lines at LF (CRLF keeps a harmless \r); str.splitlines would also split
        # at U+2028, VT, FF and others inside a value and put every later key a line too low
        self._lines = text.split("\n")
        self._in_string: set[int] = set()  # lines that start inside a multi-line string
        # (table, n) -> (the line of its n-th header, its first and past-the-last line index);
        # (None, 0) holds the lines before the first header
        self._blocks: dict[tuple[str | None, int], tuple[int, int, int]] = {}
        seen: dict[str, int] = {}
        current: tuple[str | None, int] = (None, 0)
        header_line, begin = 1, 0
        inside: str | None = None  # the delimiter of the multi-line string a line starts in
        for index, line in enumerate(self._lines):
            if inside is not None:  # string content: neither a key nor a header
                self._in_string.add(index)
                inside = _open_string_after(line, inside)
                continue
            if '"""' in line or "'''" in line:
                inside = _open_string_after(line, None)
            header = _KEY_HEADER.match(line) if "[" in line else None
            if header:
                self._blocks.setdefault(current, (header_line, begin, index))
                name = header.group(1).strip('"')
                seen[name] = seen.get(name, -1) + 1
                current, header_line, begin = (name, seen[name]), index + 1, index + 1
        self._blocks.setdefault(current, (header_line, begin, len(self._lines)))

    def find(self, key: str, table: str | None = None, index: int = 0) -> tuple[int, int]:
        """(line, col) of `key =` in `table` (see find_key_line); (1, 1) if unseen."""
        block = self._blocks.get((table, index if table is not None else 0))
        if block is None:
            return (1, 1)
        header_line, begin, end = block
        if key == "" and table is not None:
            return (header_line, 1)
        key_re = re.compile(r"^(\s*)(?:\"?)" + re.escape(key) + r"(?:\"?)\s*=")
        for number in range(begin, end):
            m = key_re.match(self._lines[number])
            if m and number not in self._in_string:
                return (number + 1, len(m.group(1)) + 1)
        return (1, 1)


def _open_string_after(line: str, inside: str | None) -> str | None:
    """The delimiter (\"\"\" or ''') of the multi-line string still open at the end of the line,
    given the one open at its start: strings and comments are skipped, escapes honoured."""
    # Most lines hold no triple quote: none opens or closes a multi-line string
    if inside is None and '"""' not in line and "'''" not in line:
        return None
    if inside is not None and inside not in line:
        return inside
    i, end = 0, len(line)
    while i < end:
        if inside is not None:  # look for the closing delimiter (a run of 3 to 5 quotes)
            if inside == '"""' and line[i] == "\\":
                i += 2
                continue
            if line.startswith(inside, i):
                i += 3
                while i < end and line[i] == inside[0]:
                    i += 1
                inside = None
                continue
            i += 1
            continue
        ch = line[i]
        if ch == "#":
            break
        if line.startswith('"""', i) or line.startswith("'''", i):
            inside, i = line[i : i + 3], i + 3
        elif ch in "\"'":  # a one-line string: skip to its closing quote
            i += 1
            while i < end and line[i] != ch:
                i += 2 if ch == '"' and line[i] == "\\" else 1
            i += 1
        else:
            i += 1
    return inside


def first_content_line(text: str) -> int:
    """The line where a document's data starts: the first that is not blank or a comment."""
    first = text[:1]
    if first and not first.isspace() and first != "#":
        return 1  # the usual file (what the loop finds at once), without splitting the text
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip()
        if stripped and not stripped.startswith("#"):
            return number
    return 1


_REFUSED_ANYWHERE = re.compile(REFUSED_SINGLE_LINE)
_REFUSED_MULTILINE = re.compile(REFUSED_MULTILINE)


# What REFUSED_MULTILINE matches among ASCII characters: its other classes are all above
# U+007F. Searching for this small class is three times faster, and nearly every file is ASCII.
_ASCII_REFUSED = re.compile(f"[{C0}\x7f]")


def refused_anywhere(text: str) -> bool:
    """Whether the text holds a character refused even in multi-line fields."""
    if text.isascii():
        return _ASCII_REFUSED.search(text) is not None
    return _REFUSED_MULTILINE.search(text) is not None


def bad_character(text: str, allow_newlines: bool) -> str:
    """A description of the first character that has no place in event text, or ''."""
    found = (_REFUSED_MULTILINE if allow_newlines else _REFUSED_ANYWHERE).search(text)
    if found is None:
        return ""
    kind = "an invisible" if _INVISIBLE.match(found.group(0)) else "a control"
    return f"{kind} character U+{ord(found.group(0)):04X}; remove it"


_INVISIBLE = re.compile(f"[{INVISIBLE}{FORMAT_REFUSED}]")
