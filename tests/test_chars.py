"""One definition of a control character: what the checker refuses, every renderer escapes."""

from __future__ import annotations

import re

from orbitwatch.chars import ESCAPED, REFUSED_MULTILINE, REFUSED_SINGLE_LINE, SURROGATES
from orbitwatch.render.text import json_safe, md, one_line, visible
from orbitwatch.tomlpos import bad_character


def chars_of(pattern: str) -> list[str]:
    compiled = re.compile(pattern)
    return [chr(code) for code in range(0x110000) if compiled.match(chr(code))]


def test_whatever_the_checker_refuses_the_renderers_escape() -> None:
    refused = chars_of(REFUSED_SINGLE_LINE)
    assert "\t" not in refused and "\n" in refused and "\u202e" in refused
    for char in refused:
        assert bad_character(f"a{char}b", allow_newlines=False), hex(ord(char))
        assert char not in one_line(f"a{char}b") and char not in md(f"a{char}b"), hex(ord(char))
    assert "\n" not in chars_of(REFUSED_MULTILINE)


def test_format_characters_are_legal_input_but_escaped_on_output() -> None:
    for char in ("\u200b", "\u200d", "\u2028", "\ufeff"):
        assert bad_character(char, allow_newlines=False) == ""
        assert visible(char) == f"\\u{ord(char):04x}"
        assert json_safe(char) == f"\\u{ord(char):04x}"
    assert re.fullmatch(ESCAPED, "\x1b") and not re.fullmatch(f"[{SURROGATES}]", "a")
