"""The one sanitizer for text bound for a terminal, a line-based format, JSON or Markdown.

Turns every control character (C0, C1, DEL) and bidi/format control (as chars.py defines
them) into a visible escape; escapes Markdown. Never decides what is refused on input.
"""

from __future__ import annotations

import re

from orbitwatch.text.chars import ESCAPED, JSON_ESCAPED, SURROGATES

_CONTROL = re.compile(ESCAPED)


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def escape_controls(text: str, keep: str = "\n\t\r") -> str:
    """Every control, DEL, C1 and bidi/format character as a visible escape, except `keep`."""
    escaped = _CONTROL.sub(_escape, text)
    for char in "\n\t\r":
        if char not in keep:
            escaped = escaped.replace(char, {"\n": "\\n", "\t": "\\t", "\r": "\\r"}[char])
    return _SURROGATE.sub(_escape, escaped)


def json_safe(document: str) -> str:
    """JSON text with C1, DEL and bidi/format characters written as \\u escapes (same values)."""
    return _JSON_UNSAFE.sub(_json_escape, document)


def _json_escape(match: re.Match[str]) -> str:
    """A \\u escape; past the BMP, a surrogate pair, as JSON writes such characters."""
    code = ord(match.group(0))
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


_JSON_UNSAFE = re.compile(JSON_ESCAPED)


def visible(text: str, keep_newlines: bool = False) -> str:
    """Text safe to print: controls shown as \\x1b or \\u202e; newlines and tabs too unless kept."""
    if text.isascii() and text.isprintable():  # the common case: nothing to escape
        return text
    text = _CONTROL.sub(_escape, text)
    if not keep_newlines:
        text = text.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    else:
        text = text.replace("\t", "    ")
    return _SURROGATE.sub(_escape, text)


_SURROGATE = re.compile(f"[{SURROGATES}]")


def one_line(text: str, limit: int = 0) -> str:
    """Visible, single-line, optionally shortened with an ellipsis."""
    line = visible(text)
    if limit and len(line) > limit:
        return line[: max(1, limit - 1)] + "…"
    return line


# Inline Markdown only: our text never starts a line, so '#', '-', '+' and digits are safe.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(text: str) -> str:
    """Markdown-safe text: no markup, no HTML, one line."""
    text = one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)
