"""One definition of a control character: what the checker refuses, every renderer escapes."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from orbitwatch.render.text import json_safe, md, one_line, visible
from orbitwatch.text.chars import ESCAPED, REFUSED_MULTILINE, REFUSED_SINGLE_LINE, SURROGATES
from orbitwatch.text.tomlpos import bad_character


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


def test_joiners_are_legal_input_but_every_format_character_is_escaped_on_output() -> None:
    for char in ("\u200c", "\u200d", "\u200b", "\u2028", "\u2060", "\ufeff", "\ufffb"):
        legal = char in "\u200c\u200d"
        assert (bad_character(char, allow_newlines=True) == "") is legal, hex(ord(char))
        assert visible(char) == f"\\u{ord(char):04x}"
        assert json_safe(char) == f"\\u{ord(char):04x}"
    assert re.fullmatch(ESCAPED, "\x1b") and not re.fullmatch(f"[{SURROGATES}]", "a")


# -- the clean-file shortcut of the checks ----------------------------------------------------

ODD = "aé \t\n\r\x07\x1b\x7f\u0085\u200e\u202e\u00ad\ufff0\\\"'"


def _checked(text: str, scan_every_value: bool) -> list[str]:
    import tomllib

    from orbitwatch.timeline.check import EventChecker

    class Scanning(EventChecker):
        def bad(self, value: str, single_line: bool) -> str:
            from orbitwatch.text.tomlpos import bad_character

            return bad_character(value, allow_newlines=not single_line)

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return ["unparsable"]
    checker = (Scanning if scan_every_value else EventChecker)("e.toml", text, raw)
    checker.run("e")
    return [p.message for p in checker.problems]


MOSTLY_CLEAN = st.text('ab \t\n"', max_size=6) | st.text(ODD, max_size=6)


@hsettings(max_examples=300, deadline=None)
@given(
    MOSTLY_CLEAN,
    MOSTLY_CLEAN,
    MOSTLY_CLEAN,
    st.sampled_from(("tomli_w", "literal", "multiline")),
)
@example("a\nb", "", "x", "multiline")
def test_skipping_the_scan_of_clean_files_finds_the_same_problems(
    title: str, summary: str, tag: str, style: str
) -> None:
    """A file is 'clean' when its text holds no refused character and no backslash; then
    only single-line fields' newlines are checked. Whatever the text, raw or escaped, the
    problems are those of scanning every value."""
    import tomli_w

    fields = {"date": "2021-01-01", "title": title, "summary": summary, "tags": [tag]}
    if style == "tomli_w":
        text = tomli_w.dumps(fields)
    elif style == "literal":
        text = "".join(f"{k} = '{v}'\n" for k, v in fields.items() if k not in ("tags", "date"))
        text += f"date = 2021-01-01\ntags = ['{tag}']\n"
    else:
        text = f'date = 2021-01-01\ntitle = """{title}"""\nsummary = """{summary}"""\n'
        text += f'tags = ["""{tag}"""]\n'
    assert _checked(text, scan_every_value=False) == _checked(text, scan_every_value=True)
