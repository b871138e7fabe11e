"""Every export format: golden files, parse-back checks, and hostile event text.

Refresh the golden files after an intended change with:
    ORBIT_UPDATE_GOLDEN=1 python -m pytest tests/test_render.py
and review them as a diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import REPO, TEMPLATE_TAGS, rule_toml, run, settings_toml

GOLDEN = Path(__file__).parent / "golden"
SETTINGS = settings_toml(
    ["KZ", "TJ"],
    [
        rule_toml("aid", "Aid", "tag:aid", "away", 3),
        rule_toml("summit", "Summit", "tag:summit", "toward", 2),
    ],
)
FIXTURE = {
    "events/2022/2022-05-16-summit.toml": """
        date = 2022-05-16
        end = 2022-05-17
        title = "Summit in Moscow; leaders meet, again"
        summary = "Line one.\\nLine two, with a comma; and a semicolon."
        countries = ["RU", "KZ", "TJ"]
        actors = ["CSTO"]
        tags = ["summit"]
        status = "scheduled"
        [[sources]]
        title = "Preview"
        publisher = "Asia Times"
        url = "https://asiatimes.com/2022/05/preview/"
        date = "2022-05"
        """,
    "events/2022/2022-05-aid.toml": """
        date = "2022-05"
        title = "Aid for Tajikistan"
        summary = "Drones and vehicles."
        countries = ["TJ", "US"]
        tags = ["aid"]
        status = "reported"
        """,
    "events/2021/2021-patrols.toml": """
        date = "2021"
        title = "Language patrols"
        countries = ["KZ"]
        """,
}
FORMATS = {
    "md": "md",
    "html": "html",
    "json": "json",
    "jsonl": "jsonl",
    "csv": "csv",
    "ics": "ics",
    "timelinejs": "json",
}


@pytest.fixture
def fixture_root(write_events: Callable[..., Path]) -> Path:
    return write_events(FIXTURE, settings=SETTINGS)


def rendered(root: Path, fmt: str, *args: str) -> str:
    result = run("render", "--format", fmt, *args, root=root)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes.decode("utf-8")  # .stdout would fold CRLF (iCalendar, CSV)


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ORBIT_UPDATE_GOLDEN"):
        path.write_bytes(actual.encode("utf-8"))
    assert path.exists(), f"missing golden file {path}; run with ORBIT_UPDATE_GOLDEN=1"
    assert actual == path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_golden_files(fixture_root: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(fixture_root)  # paths in json/csv are shown relative to the working folder
    check_golden(f"render.{fmt}.{FORMATS[fmt]}", rendered(fixture_root, fmt))


def test_terminal_timeline_golden_at_60_columns(fixture_root: Path) -> None:
    check_golden("timeline-60.txt", run("timeline", "--width", "60", root=fixture_root).stdout)
    check_golden(
        "timeline-lanes-60.txt",
        run("timeline", "--by", "country", "--width", "60", root=fixture_root).stdout,
    )


def test_timeline_fits_60_columns_and_colour_only_when_asked(fixture_root: Path) -> None:
    out = run("timeline", "--width", "60", root=REPO).stdout
    assert max(len(line) for line in out.splitlines()) <= 60
    assert "\x1b" not in out
    coloured = run(
        "--color", "timeline", "--width", "60", root=fixture_root, env={"NO_COLOR": None}
    ).stdout  # type: ignore[dict-item]
    assert "\x1b[" in coloured


def test_icalendar_parses_back_to_the_same_events(fixture_root: Path) -> None:
    icalendar = pytest.importorskip("icalendar")
    text = rendered(fixture_root, "ics")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    calendar = icalendar.Calendar.from_ical(text)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    summit = events["2022-05-16-summit@orbitwatch"]
    assert str(summit["SUMMARY"]) == "Summit in Moscow; leaders meet, again"
    assert summit.decoded("DTSTART").isoformat() == "2022-05-16"
    assert summit.decoded("DTEND").isoformat() == "2022-05-18"  # exclusive
    assert str(summit["DESCRIPTION"]).startswith(
        "Line one.\nLine two, with a comma; and a semicolon."
    )
    assert str(summit["URL"]) == "https://asiatimes.com/2022/05/preview/"
    aid = events["2022-05-aid@orbitwatch"]
    assert (aid.decoded("DTSTART").isoformat(), aid.decoded("DTEND").isoformat()) == (
        "2022-05-01",
        "2022-06-01",
    )
    exact = icalendar.Calendar.from_ical(rendered(fixture_root, "ics", "--exact-only"))
    assert [str(e["UID"]) for e in exact.walk("VEVENT")] == ["2022-05-16-summit@orbitwatch"]


def test_timelinejs_has_the_fields_timelinejs_needs(fixture_root: Path) -> None:
    document = json.loads(rendered(fixture_root, "timelinejs"))
    assert "title" in document and document["events"]
    by_id = {e["unique_id"]: e for e in document["events"]}
    assert by_id["2021-patrols"]["start_date"] == {"year": "2021"}
    assert by_id["2022-05-aid"]["start_date"] == {"year": "2022", "month": "5"}
    assert by_id["2022-05-16-summit"]["start_date"] == {"year": "2022", "month": "5", "day": "16"}
    assert by_id["2022-05-16-summit"]["end_date"] == {"year": "2022", "month": "5", "day": "17"}
    for event in document["events"]:
        assert event["text"]["headline"] and isinstance(event["text"]["text"], str)
        assert event["group"]


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.text: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.hrefs.extend(v or "" for k, v in attrs if k == "href")
        assert not any(k.startswith("on") for k, _ in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


HOSTILE_TITLE = (
    '<script>alert(1)</script> "><img src=x onerror=alert(1)> =HYPERLINK("x") '
    "[red]x[/red] [link=file:///etc/passwd]y[/link] مرحبا e\u0301 " + "W" * 200
)
HOSTILE = {
    "events/h.toml": f"""
        date = 2022-05-10
        title = '''{HOSTILE_TITLE}'''
        summary = "-2+3 ; , \\\\ \\n <b>bold</b>"
        countries = ["KZ"]
        tags = ["aid"]
        [[sources]]
        title = "<i>t</i>"
        url = "https://example.org/?q=<x>&y=\\"z\\""
        """,
    "events/long.toml": f"""
        date = 2022-05-11
        title = "{"L" * 10000}"
        countries = ["KZ"]
        """,
}


def test_html_has_no_script_and_no_unescaped_text(write_events: Callable[..., Path]) -> None:
    root = write_events(HOSTILE, settings=SETTINGS)
    page = rendered(root, "html")
    parser = Tags()
    parser.feed(page)
    assert parser.tags <= TEMPLATE_TAGS, parser.tags - TEMPLATE_TAGS
    assert "script" not in parser.tags and "img" not in parser.tags
    assert any(HOSTILE_TITLE[:40] in chunk for chunk in parser.text)
    assert all(h.startswith("https://") for h in parser.hrefs)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_hostile_text_is_safe_in_every_format(write_events: Callable[..., Path], fmt: str) -> None:
    root = write_events(HOSTILE, settings=SETTINGS)
    out = rendered(root, fmt)
    assert "\x1b" not in out
    if fmt in ("html", "md", "timelinejs"):
        assert "<script>" not in out and "<img" not in out and "<b>" not in out
    if fmt == "csv":
        for row in csv.reader(io.StringIO(out)):
            assert all(not cell or cell[0] not in "=+-@\t\r" for cell in row)
    if fmt in ("json", "timelinejs"):
        json.loads(out)
    if fmt == "jsonl":
        for line in out.splitlines():
            json.loads(line)
    if fmt == "ics":
        assert all(len(line.encode()) <= 75 for line in out.split("\r\n"))


SGR = re.compile(r"\x1b\[[0-9;]*m")  # colour and weight; any other escape is a failure
LEGEND = "▲ away  ▼ toward  ● neutral  ◆ mixed  ○ no reading"
# What each terminal view shows of HOSTILE at 80 columns with --color, the colours taken out:
# every markup-like, HTML and formula text literally, wrapped or cut to the width.
TERMINAL_VIEWS = {
    "timeline": (
        ["timeline", "--width", "60"],
        [
            "2022",
            "  May",
            '    ▲ 10 May  <script>alert(1)</script> "><img src=x',
            '              onerror=alert(1)> =HYPERLINK("x") [red]x[/red]',
            "              [link=file:///etc/passwd]y[/link] مرحبا e\u0301",
            *[" " * 14 + "W" * 46] * 4,
            " " * 14 + "W" * 16,
            "              h · KZ · away (aid)",
            "    ○ 11 May  " + "L" * 46,
            *[" " * 14 + "L" * 46] * 216,
            " " * 14 + "L" * 18,
            "              long · KZ",
            "",
            LEGEND,
        ],
    ),
    "list-table": (
        ["list", "--format", "table"],
        [
            "date         event" + " " * 62,
            '10 May 2022  <script>alert(1)</script> "><img src=x onerror=alert(1)>' + " " * 11,
            '             =HYPERLINK("x") [red]x[/red] [link=file:///etc/passwd]y[/link]' + " " * 5,
            "             مرحبا e\u0301" + " " * 60,
            *[" " * 13 + "W" * 67] * 2,
            " " * 13 + "W" * 66 + " ",
            "             h · KZ · ▲ away (aid)" + " " * 46,
            "11 May 2022  " + "L" * 67,
            *[" " * 13 + "L" * 67] * 148,
            " " * 13 + "L" * 17 + " " * 50,
            "             long · KZ" + " " * 58,
            "2 events",
        ],
    ),
    "show": (
        ["show", "h"],
        [
            '<script>alert(1)</script> "><img src=x onerror=alert(1)> =HYPERLINK("x") ',
            "[red]x[/red] [link=file:///etc/passwd]y[/link] مرحبا e\u0301 ",
            *["W" * 80] * 2,
            "W" * 40,
            "id         h" + " " * 34,
            "date       10 May 2022  (day precision)       ",
            "status     occurred" + " " * 27,
            "countries  KZ Kazakhstan" + " " * 22,
            "tags       aid" + " " * 32,
            "reading    ▲ away weight 3, from rule aid: Aid",
            "file       events/h.toml" + " " * 22,
            "",
            "-2+3 ; , \\ ",
            " <b>bold</b>",
            "",
            "sources",
            '  - <i>t</i> · https://example.org/?q=<x>&y="z"' + " " * 33,
        ],
    ),
    "timeline-by-country": (
        ["timeline", "--by", "country"],
        [
            "            KZ TJ ",
            '10 May 2022 ▲  │   <script>alert(1)</script> "><img src=x onerror=alert(1)> =HY…',
            "11 May 2022 ○  │   " + "L" * 60 + "…",
            "",
            LEGEND,
        ],
    ),
}


@pytest.mark.parametrize("view", sorted(TERMINAL_VIEWS))
def test_hostile_text_in_terminal_views(write_events: Callable[..., Path], view: str) -> None:
    """Markup, links, HTML and formulas in event text are shown as text, never obeyed: the
    exact lines, colour codes only (no live hyperlink, no other escape), nothing on stderr."""
    root = write_events(HOSTILE, settings=SETTINGS)
    args, expected = TERMINAL_VIEWS[view]
    result = run("--color", *args, root=root, env={"COLUMNS": "80"})
    assert (result.exit_code, result.stderr) == (0, "")
    assert SGR.search(result.stdout)  # --color styled the view, so markup had its chance
    text = SGR.sub("", result.stdout)
    assert "\x1b" not in text  # e.g. no OSC 8 hyperlink from [link=...]
    # lines carry no trailing spaces (issue 30): the table's padding is stripped
    assert text.splitlines() == [line.rstrip(" ") for line in expected]
    assert text.endswith("\n")


def test_output_file_is_written_atomically(fixture_root: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.html"
    target.write_text("old", encoding="utf-8")
    result = run("render", "--format", "html", "-o", str(target), root=fixture_root)
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("xdg-")) == [
        "out.html",
        "timeline",
    ]


def test_every_format_renders_the_example_timeline() -> None:
    for fmt in FORMATS:
        assert rendered(REPO, fmt)


def test_render_formats_are_the_registry_and_help_lists_them() -> None:
    import click

    from orbitwatch.cli import cli
    from orbitwatch.render.registry import builtin

    command = cli.commands["render"]
    choice = next(p for p in command.params if p.name == "fmt")
    assert isinstance(choice.type, click.Choice)
    assert list(choice.type.choices) == list(builtin())
    text = run("render", "--help").stdout
    for name in builtin():
        assert f"\n  {name} " in text
