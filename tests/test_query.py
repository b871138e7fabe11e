from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orbitwatch.model.errors import UsageError
from orbitwatch.model.event import Reading
from orbitwatch.query.language import FIELDS, Query, Term, compile_query, parse
from orbitwatch.timeline.load import load_timeline
from tests.conftest import write_files

TODAY = dt.date(2022, 5, 31)
CASES = tomllib.loads((Path(__file__).parent / "data" / "query_cases.toml").read_text())["case"]

FIXTURE = {
    "events/kz-may.toml": """
        date = "2022-05"
        title = "Language debate"
        summary = "Deputies discuss Russian."
        countries = ["KZ"]
        tags = ["language"]
        """,
    "events/kg-ban.toml": """
        date = 2022-05-09
        title = "Symbol ban"
        countries = ["KG"]
        tags = ["symbols"]
        """,
    "events/tj-aid.toml": """
        date = 2022-05-10
        title = "Aid with Puma drones"
        countries = ["TJ", "US"]
        actors = ["Turkey"]
        tags = ["drones"]
        [[sources]]
        publisher = "AsiaTimes"
        url = "https://example.org/a"
        """,
    "events/summit.toml": """
        date = 2022-05-16
        end = 2022-05-17
        title = "Summit"
        countries = ["RU", "KZ", "KG"]
        status = "scheduled"
        """,
    "events/old.toml": """
        date = "2021"
        title = "Old rumour"
        countries = ["KZ"]
        status = "rumored"
        """,
    "events/denied.toml": """
        date = 2022-05-20
        title = "Denial"
        countries = ["KZ"]
        status = "denied"
        """,
}


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> list:
    root = write_files(tmp_path_factory.mktemp("q"), FIXTURE)
    timeline = load_timeline(root)
    assert timeline.problems == []
    return timeline.events


@pytest.mark.parametrize("case", CASES, ids=[c["query"] for c in CASES])
def test_query_table(case: dict, events: list) -> None:
    predicate = compile_query(parse(case["query"]), TODAY)
    assert sorted(e.id for e in events if predicate(e, None)) == sorted(case["ids"])


def test_results_keep_the_sort_order(events: list) -> None:
    predicate = compile_query(parse("country:KZ"), TODAY)
    assert [e.id for e in events if predicate(e, None)] == ["old", "kz-may", "summit", "denied"]


def test_stance_and_rule_terms_read_the_reading(events: list) -> None:
    reading = Reading("away", 3, ("security-diversification", "other"), "rule")
    away = compile_query(parse("stance:away"), TODAY)
    rule = compile_query(parse("rule:other"), TODAY)
    none = compile_query(parse("stance:none"), TODAY)
    event = events[0]
    assert away(event, reading) and rule(event, reading)
    assert not away(event, None) and not rule(event, None)
    assert none(event, None) and not none(event, reading)


@pytest.mark.parametrize(
    ("term", "message"),
    [
        ("contry:KZ", "unknown query field 'contry' in 'contry:KZ' (did you mean 'country'?)"),
        ("country:", "empty value in 'country:'; write e.g. country:KZ,KG"),
        ("country:KZ,", "empty value in 'country:KZ,'; write e.g. country:KZ,KG"),
        (
            "country:Narnia",
            "unknown country 'Narnia' in 'country:Narnia'; use an ISO code (KZ, KAZ) or a name",
        ),
        (
            "status:rumoured",
            "unknown status 'rumoured' in 'status:rumoured' (did you mean 'rumored'?)",
        ),
        (
            "stance:sideways",
            "unknown stance 'sideways' in 'stance:sideways'; use away, toward, neutral or none",
        ),
        (
            "since:05/06/2022",
            "bad date in 'since:05/06/2022': '05/06/2022' is ambiguous (day and month order); write it as 2022-05-06 or 2022-06-05",
        ),
        (
            "date:2022-02-30",
            "bad date in 'date:2022-02-30': '2022-02-30' is not a real date: Feb 2022 has 28 days; use an existing day in ISO form YYYY-MM-DD",
        ),
        (
            "since:2022..2023",
            "bad date in 'since:2022..2023': '2022..2023' is a period; since: takes one date",
        ),
    ],
)
def test_bad_terms_are_usage_errors_naming_the_term(term: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        parse([term])
    assert info.value.message == message


def test_a_string_query_splits_like_a_shell() -> None:
    query = parse('tag:drones "Puma drones" not:country:RU')
    assert query == Query(
        (
            Term("tag", ("drones",)),
            Term("text", ("Puma drones",)),
            Term("country", ("RU",), True),
        )
    )


values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=",\x00"),
    min_size=1,
    max_size=12,
).filter(lambda v: v.strip() == v and v)
list_fields = st.sampled_from(["actor", "tag", "id", "rule", "source"])


@st.composite
def queries(draw: st.DrawFn) -> Query:
    terms = []
    for _ in range(draw(st.integers(0, 4))):
        negated = draw(st.booleans())
        if draw(st.booleans()):
            field = draw(list_fields)
            terms.append(
                Term(field, tuple(draw(st.lists(values, min_size=1, max_size=3))), negated)
            )
        else:
            word = draw(values.filter(lambda v: not v.startswith("not:") and ":" not in v))
            terms.append(Term("text", (word,), negated))
    return Query(tuple(terms))


@given(queries())
def test_parse_of_str_is_identity(query: Query) -> None:
    assert parse(str(query)) == query


def test_every_field_is_documented_in_the_design_order() -> None:
    assert set(FIELDS) == {
        "country",
        "actor",
        "tag",
        "status",
        "id",
        "stance",
        "origin",
        "rule",
        "source",
        "since",
        "until",
        "date",
        "within",
    }
