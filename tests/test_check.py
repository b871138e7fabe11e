"""One test per check rule, each asserting the exact diagnostic line."""

from __future__ import annotations

from pathlib import Path

import pytest

from orbitwatch.timeline.load import load_timeline

GOOD = """
date = 2022-05-16
title = "A summit"
countries = ["KZ"]
"""


def problems_of(root: Path) -> list[str]:
    timeline = load_timeline(root, show=lambda p: p.relative_to(root).as_posix())
    return [p.render() for p in timeline.problems]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'date = 2022-05-16\ntitel = "x"\ntitle = "y"\n',
            "events/e.toml:2:1: error: unknown key 'titel' (did you mean 'title'?)",
        ),
        ('title = "y"\n', "events/e.toml:1:1: error: missing required key 'date'"),
        ("date = 2022-05-16\n", "events/e.toml:1:1: error: missing required key 'title'"),
        ('date = 2022-05-16\ntitle = "  "\n', "events/e.toml:2:1: error: 'title' is empty"),
        (
            "date = 2022-05-16\ntitle = 5\n",
            "events/e.toml:2:1: error: 'title' must be a string, not an integer",
        ),
        (
            'date = "16/05/2022"\ntitle = "x"\n',
            "events/e.toml:1:1: error: 'date' is '16/05/2022'; use a TOML date (2022-05-16) or \"2022-05\" / \"2022\"",
        ),
        (
            'date = "2022-02-30"\ntitle = "x"\n',
            "events/e.toml:1:1: error: 'date': '2022-02-30' is not a real date: Feb 2022 has 28 days; use an existing day in ISO form YYYY-MM-DD",
        ),
        (
            'date = 2022-05-16T10:00:00\ntitle = "x"\n',
            "events/e.toml:1:1: error: 'date' is a date-time; give a date: 2022-05-16",
        ),
        (
            'date = 2022-05-16\nend = 2022-05-01\ntitle = "x"\n',
            "events/e.toml:2:1: error: 'end' (2022-05-01) is before 'date' (2022-05-16)",
        ),
        (
            'date = 2022-05-16\ntitle = "x"\nstatus = "rumoured"\n',
            "events/e.toml:3:1: error: 'status' is 'rumoured' (did you mean 'rumored'?); use one of occurred, scheduled, reported, rumored, denied",
        ),
        (
            'date = 2022-05-16\ntitle = "x"\ncountries = ["XX"]\n',
            "events/e.toml:3:1: error: country code 'XX' is user-assigned; declare it under [countries] in orbit.toml (XX = \"Name\")",
        ),
        (
            'date = 2022-05-16\ntitle = "x"\ncountries = ["ZY"]\n',
            "events/e.toml:3:1: error: unknown country code 'ZY' (not ISO 3166-1 alpha-2)",
        ),
        (
            'date = 2022-05-16\ntitle = "x"\ncountries = ["KAZ"]\n',
            "events/e.toml:3:1: error: country 'KAZ' must be written as its ISO 3166-1 alpha-2 code 'KZ'",
        ),
        (
            'date = 2022-05-16\ntitle = "x"\ncountries = "KZ"\n',
            "events/e.toml:3:1: error: 'countries' must be a list of strings",
        ),
        (
            'date = 2022-05-16\ntitle = "x"\n\n[[sources]]\ntitle = "s"\nurl = "javascript:alert(1)"\n',
            "events/e.toml:6:1: error: source url 'javascript:alert(1)' must start with http:// or https://",
        ),
        (
            'date = 2022-05-16\ntitle = "x"\n\n[[sources]]\ntitle = "s"\nlink = "https://a.b"\n',
            "events/e.toml:6:1: error: unknown key 'link' in [[sources]]",
        ),
        (
            'date = 2022-05-16\ntitle = "x"\n\n[signal]\nstance = "away"\nweight = 9\n',
            "events/e.toml:6:1: error: [signal] weight is 9; use a whole number 1 to 5",
        ),
        (
            'date = 2022-05-16\ntitle = "x"\n\n[signal]\nstance = "left"\n',
            "events/e.toml:5:1: error: [signal] stance is 'left'; use away, toward or neutral",
        ),
        (
            'date = 2022-05-16\ntitle = "a\\u001b[31mred"\n',
            "events/e.toml:2:1: error: 'title' contains a control character U+001B; remove it",
        ),
        (
            'date = 2022-05-16\ntitle = "a\\u202eb"\n',
            "events/e.toml:2:1: error: 'title' contains a control character U+202E; remove it",
        ),
        (
            'date = 2022-05-16\ntitle = "x"\nid = "../up"\n',
            "events/e.toml:3:1: error: 'id' must be letters, digits, '.', '_' or '-' (at most 200), starting with a letter or digit",
        ),
        (
            'date = 2022-05-16\ntitle = "x"\nwarn = [0]\n',
            "events/e.toml:3:1: error: 'warn' must be a list of days before the event, e.g. [14, 7, 1]",
        ),
    ],
)
def test_each_check(tmp_path: Path, body: str, expected: str) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "e.toml").write_text(body, encoding="utf-8")
    assert problems_of(tmp_path) == [expected]


def test_toml_syntax_errors_keep_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "e.toml").write_text('date = 2022-05-16\ntitle = "x\n', encoding="utf-8")
    assert problems_of(tmp_path) == [
        "events/e.toml:2:11: error: invalid TOML: Illegal character '\\n'"
    ]


def test_non_utf8_nul_and_oversized_files(tmp_path: Path) -> None:
    events = tmp_path / "events"
    events.mkdir()
    (events / "latin1.toml").write_bytes(b'date = 2022-05-16\ntitle = "Caf\xe9"\n')
    (events / "nul.toml").write_bytes(b'date = 2022-05-16\ntitle = "a\x00"\n')
    (events / "big.toml").write_bytes(b"# " + b"x" * (1024 * 1024) + b"\n")
    assert problems_of(tmp_path) == [
        "events/big.toml:1:1: error: file is larger than 1048576 bytes",
        "events/latin1.toml:2:13: error: file is not valid UTF-8",
        "events/nul.toml:2:11: error: file contains a NUL byte (binary file?)",
    ]


def test_a_leading_bom_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "e.toml").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    timeline = load_timeline(tmp_path)
    assert timeline.problems == [] and [e.id for e in timeline.events] == ["e"]


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    (tmp_path / "events" / "a").mkdir(parents=True)
    (tmp_path / "events" / "a" / "same.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "events" / "b.toml").write_text(GOOD + 'id = "same"\n', encoding="utf-8")
    assert problems_of(tmp_path) == [
        "events/b.toml:1:1: error: duplicate id 'same': also used by events/a/same.toml"
    ]


def test_every_problem_in_a_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "e.toml").write_text(
        'date = 2022-05-16\ntitle = ""\ncountries = ["ZY"]\nstatus = "maybe"\n', encoding="utf-8"
    )
    assert problems_of(tmp_path) == [
        "events/e.toml:2:1: error: 'title' is empty",
        "events/e.toml:3:1: error: unknown country code 'ZY' (not ISO 3166-1 alpha-2)",
        "events/e.toml:4:1: error: 'status' is 'maybe'; use one of occurred, scheduled, "
        "reported, rumored, denied",
    ]


def test_unknown_tag_against_the_vocabulary(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "orbit.toml").write_text('[tags]\ndrones = "UAVs"\n', encoding="utf-8")
    (tmp_path / "events" / "e.toml").write_text(GOOD + 'tags = ["drone"]\n', encoding="utf-8")
    assert problems_of(tmp_path) == [
        "events/e.toml:5:1: error: unknown tag 'drone' (did you mean 'drones'?); declare it "
        "under [tags] in orbit.toml"
    ]


def test_editor_debris_and_dotfiles_are_skipped(tmp_path: Path) -> None:
    events = tmp_path / "events"
    (events / ".git").mkdir(parents=True)
    for name in ("e.toml", ".e.toml.swp", "#e.toml#", "e.toml~", ".hidden.toml", ".git/x.toml"):
        (events / name).write_text("not toml at all [", encoding="utf-8")
    (events / "e.toml").write_text(GOOD, encoding="utf-8")
    timeline = load_timeline(tmp_path)
    assert timeline.problems == [] and [e.id for e in timeline.events] == ["e"]


def test_the_built_in_alpha2_set_is_pycountrys() -> None:
    import pycountry

    from orbitwatch.model.countries import ALPHA_2, lookup, name

    assert ALPHA_2 == {country.alpha_2 for country in pycountry.countries}
    from orbitwatch.model.countries import NAMES

    assert dict(NAMES) == {
        c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries
    }
    assert (lookup("kz"), lookup("KAZ"), lookup("Kyrgyzstan"), lookup("Narnia")) == (
        "KZ",
        "KZ",
        "KG",
        None,
    )
    assert name("TJ") == "Tajikistan"
