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
from orbitwatch.text.chars import INVISIBLE, REFUSED_MULTILINE, REFUSED_SINGLE_LINE

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
    path: Path | str, shown: str, data: bytes | None = None
) -> tuple[str, dict[str, object] | None, list[Problem]]:
    """(text, table, problems) for one TOML file; table is None when it cannot be used.

    Caps come before parsing: only a regular file is read (opened non-blocking, so a FIFO can
    never hang us), at most MAX_FILE_BYTES + 1 bytes, and no line over MAX_LINE_BYTES. Whatever
    the parser raises becomes a located problem.
    """
    if data is None:
        try:
            data = _read_regular(path)
        except OSError as exc:
            return "", None, [Problem(shown, 1, 1, f"cannot read: {exc.strerror or exc}")]
        except NotRegularFile as exc:
            return "", None, [Problem(shown, 1, 1, str(exc))]
    if len(data) > MAX_FILE_BYTES:
        return "", None, [Problem(shown, 1, 1, f"file is larger than {MAX_FILE_BYTES} bytes")]
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


def _fast_parser() -> types.ModuleType | None:
    """toml-rs (compiled Rust, several times faster than tomli, the same tables on our TOML
    cases and events; benchmarks/toml_parsers.py), or None where it is not installed."""
    try:
        import toml_rs

        return toml_rs
    except ImportError:  # pragma: no cover - a dependency; tomli alone is as correct, slower
        return None


def _parse(text: str, shown: str) -> tuple[str, dict[str, object] | None, list[Problem]]:
    fast = _fast_parser()
    if fast is not None and text.count("[") + text.count("{") <= fast_brackets():
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
    except Exception as exc:  # noqa: BLE001 - the parser may raise anything on hostile input
        return text, None, [Problem(shown, 1, 1, f"invalid TOML ({type(exc).__name__})")]
    return text, table, []


class NotRegularFile(Exception):
    """A path that names a folder, FIFO, socket or device where a file was expected."""


def _read_regular(path: Path | str) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(f"not a regular file ({file_kind(info.st_mode)}); not read")
        # Ask for the size fstat gives plus one byte: a short read is the end of the file, so
        # no second read (and no 1 MiB buffer per file) is needed in the usual case.
        want = min(info.st_size, MAX_FILE_BYTES) + 1
        data = os.read(fd, want)
        if len(data) < want:
            return data
        chunks = [data]  # the file grew since fstat: read on, up to the cap
        remaining = MAX_FILE_BYTES + 1 - len(data)
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
    """(line, col) of `key =` in `table` ([table] or the index-th [[table]]); (1, 1) if unseen."""
    current: str | None = None
    seen = -1
    fallback = (1, 1)
    key_re = re.compile(r"^(\s*)(?:\"?)" + re.escape(key) + r"(?:\"?)\s*=")
    header_re = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\"]+)\s*\]\]?")
    inside: str | None = None  # the delimiter of the multi-line string a line starts in
    for number, line in enumerate(text.splitlines(), start=1):
        started_inside, inside = inside, _open_string_after(line, inside)
        if started_inside is not None:
            continue  # string content: neither a key nor a header, whatever it looks like
        header = header_re.match(line)
        if header:
            current = header.group(1).strip('"')
            if current == table:
                seen += 1
                if key == "":
                    if seen == index:
                        return (number, 1)
            continue
        if current == table and (table is None or seen == index):
            m = key_re.match(line)
            if m:
                return (number, len(m.group(1)) + 1)
    return fallback


def _open_string_after(line: str, inside: str | None) -> str | None:
    """The delimiter (\"\"\" or ''') of the multi-line string still open at the end of the line,
    given the one open at its start: strings and comments are skipped, escapes honoured."""
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
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        if stripped and not stripped.startswith("#"):
            return number
    return 1


_REFUSED_ANYWHERE = re.compile(REFUSED_SINGLE_LINE)
_REFUSED_MULTILINE = re.compile(REFUSED_MULTILINE)


def refused_anywhere(text: str) -> bool:
    """Whether the text holds a character refused even in multi-line fields."""
    return _REFUSED_MULTILINE.search(text) is not None


def bad_character(text: str, allow_newlines: bool) -> str:
    """A description of the first character that has no place in event text, or ''."""
    found = (_REFUSED_MULTILINE if allow_newlines else _REFUSED_ANYWHERE).search(text)
    if found is None:
        return ""
    kind = "an invisible" if _INVISIBLE.match(found.group(0)) else "a control"
    return f"{kind} character U+{ord(found.group(0)):04X}; remove it"


_INVISIBLE = re.compile(f"[{INVISIBLE}]")
