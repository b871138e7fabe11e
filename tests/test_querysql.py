"""The SQL compiler of the query language agrees with the Python evaluator, its reference."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orbitwatch.model.event import Event, PartialDate, Reading, Source
from orbitwatch.model.schema import ORIGINS, STANCES, STATUSES
from orbitwatch.query.language import Query, Term, compile_query, parse
from orbitwatch.query.sql import glob_to_like, to_sql_partial
from orbitwatch.timeline.load import load_timeline
from tests.conftest import write_files
from tests.sqlharness import load_events, select_ids, to_sql
from tests.test_query import CASES, FIXTURE, TODAY

# Made-up events only, dated January 2021 to May 2022.
FIRST = dt.date(2021, 1, 1).toordinal()
LAST = dt.date(2022, 5, 31).toordinal()
COUNTRIES = ("KZ", "KG", "TJ", "RU", "US", "UZ")
COUNTRY_NAMES = ("KZ", "kz", "KAZ", "kazakhstan", "Kyrgyzstan", "tj", "RUS", "United States")
WORDS = ("drones", "Drones", "LANGUAGE", "language", "Straße", "STRASSE", "Türkiye", "TÜRKIYE")
TEXT = "aAsS%_!ß "


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    day = dt.date.fromordinal(draw(st.integers(FIRST, LAST)))
    precision = draw(st.sampled_from(("day", "month", "year")))
    if precision == "day":
        return PartialDate.day(day.year, day.month, day.day)
    if precision == "month":
        return PartialDate.month(day.year, day.month)
    # A whole year only where every day of it is before June 2022.
    return PartialDate.year(min(day.year, 2021))


@st.composite
def events(draw: st.DrawFn, position: int) -> Event:
    date = draw(partial_dates())
    end = draw(st.none() | partial_dates())
    if end is not None and end.first_day <= date.last_day:
        end = None
    prefix = draw(st.sampled_from(("kz", "KZ", "a_b", "a%b", "x!y", "k")))
    return Event(
        id=f"{prefix}-{position}",
        path=f"events/{position}.toml",
        line=1,
        date=date,
        end=end,
        title=draw(st.text(TEXT, max_size=8)),
        summary=draw(st.text(TEXT, max_size=8)),
        countries=tuple(draw(st.lists(st.sampled_from(COUNTRIES), max_size=3))),
        actors=tuple(draw(st.lists(st.sampled_from(WORDS), max_size=2))),
        tags=tuple(draw(st.lists(st.sampled_from(WORDS), max_size=3))),
        status=draw(st.sampled_from(STATUSES)),
        sources=tuple(
            Source(publisher=p, url=f"https://example.org/{p.lower()}")
            for p in draw(st.lists(st.sampled_from(WORDS), max_size=2))
        ),
    )


RULES = ("bloc-cohesion", "bloc_x", "lang%", "a!b")


@st.composite
def flat_readings(draw: st.DrawFn) -> Reading:
    rules = tuple(draw(st.lists(st.sampled_from(RULES), max_size=2, unique=True)))
    return Reading(
        draw(st.sampled_from(STANCES)),
        draw(st.integers(1, 5)),
        rules,
        draw(st.sampled_from(ORIGINS)),
    )


@st.composite
def readings(draw: st.DrawFn) -> Reading | None:
    """None, a reading of every listed country, or one read per country (stance 'mixed')."""
    kind = draw(st.sampled_from(("none", "flat", "per-country")))
    if kind == "none":
        return None
    if kind == "flat":
        return draw(flat_readings())
    parts = tuple(
        (country, draw(flat_readings()))
        for country in draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=3))
    )
    return Reading("mixed", 1, parts[0][1].rules, parts[0][1].origin, per_country=parts)


@st.composite
def timelines(draw: st.DrawFn) -> list[Event]:
    return [draw(events(position)) for position in range(draw(st.integers(0, 20)))]


@st.composite
def read_timelines(draw: st.DrawFn) -> tuple[list[Event], dict[str, Reading]]:
    timeline = draw(timelines())
    found = {e.id: r for e in timeline if (r := draw(readings())) is not None}
    return timeline, found


def _date_value(draw: st.DrawFn, field: str) -> str:
    relative = st.sampled_from(("today", "yesterday", "30d", "2w", "6m", "1y", "3y"))
    if field in ("since", "until") or draw(st.booleans()):
        return draw(relative) if draw(st.booleans()) else draw(partial_dates()).iso()
    if draw(st.booleans()):
        return draw(relative)
    a, b = sorted((draw(partial_dates()), draw(partial_dates())), key=lambda d: d.first_day)
    shape = draw(st.sampled_from(("{a}..{b}", "{a}..", "..{b}")))
    return shape.format(a=a.iso(), b=b.iso())


@st.composite
def terms(draw: st.DrawFn) -> Term:
    field = draw(
        st.sampled_from(
            ("country", "actor", "tag", "status", "id", "source", "text")
            + ("since", "until", "date", "within", "stance", "origin", "rule")
        )
    )
    negated = draw(st.booleans())
    some = st.lists
    if field == "country":
        values = draw(some(st.sampled_from(COUNTRY_NAMES), min_size=1, max_size=3))
    elif field in ("actor", "tag", "source"):
        values = draw(some(st.sampled_from(WORDS) | st.text(TEXT, min_size=1), min_size=1))
    elif field == "status":
        values = draw(some(st.sampled_from([*STATUSES, "OCCURRED", "Rumored"]), min_size=1))
    elif field == "id":
        globs = st.sampled_from(
            ("k*", "K*", "kz-?", "KZ-*", "a_b-*", "a%b*", "x!y-?", "*-1", "?z-*")
        )
        values = draw(some(globs | st.text("kKz-*?_%!0123", min_size=1, max_size=5), min_size=1))
    elif field == "text":
        values = [draw(st.text(TEXT, min_size=1, max_size=3))]
    elif field == "stance":
        values = draw(some(st.sampled_from([*STANCES, "none", "AWAY"]), min_size=1, max_size=2))
    elif field == "origin":
        values = draw(some(st.sampled_from([*ORIGINS, "none", "Act"]), min_size=1, max_size=2))
    elif field == "rule":
        values = draw(some(st.sampled_from([*RULES, "BLOC-cohesion", "a"]), min_size=1))
    else:
        values = [_date_value(draw, field)]
    return Term(field, tuple(values), negated)


def python_ids(
    timeline: list[Event], query: Query, reading_of: dict[str, Reading] | None = None
) -> list[str]:
    predicate = compile_query(query, TODAY)
    found = reading_of or {}
    return [event.id for event in timeline if predicate(event, found.get(event.id))]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(read_timelines(), st.lists(st.lists(terms(), max_size=4), min_size=1, max_size=8))
def test_sql_selects_what_the_python_evaluator_selects(
    read: tuple[list[Event], dict[str, Reading]], queries: list[list[Term]]
) -> None:
    timeline, reading_of = read
    db = load_events(timeline, reading_of)
    for found in queries:
        query = Query(tuple(found))
        clause = to_sql(query, TODAY)
        assert clause is not None
        assert select_ids(db, clause) == python_ids(timeline, query, reading_of), str(query)
    db.close()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(read_timelines(), st.lists(terms(), max_size=5))
def test_a_partial_clause_selects_a_superset(
    read: tuple[list[Event], dict[str, Reading]], found: list[Term]
) -> None:
    """Without readings (the index), reading terms are left out: never an event lost."""
    timeline, reading_of = read
    query = Query(tuple(found))
    clause, exact = to_sql_partial(query, TODAY, readings=False)
    db = load_events(timeline)
    selected = select_ids(db, clause)
    db.close()
    wanted = python_ids(timeline, query, reading_of)
    assert set(wanted) <= set(selected)
    assert exact == all(t.field not in ("stance", "origin", "rule") for t in found)
    if exact:
        assert selected == wanted


@pytest.fixture(scope="module")
def fixture_events(tmp_path_factory: pytest.TempPathFactory) -> list[Event]:
    timeline = load_timeline(write_files(tmp_path_factory.mktemp("sql"), FIXTURE))
    assert timeline.problems == []
    return timeline.events


@pytest.mark.parametrize("case", CASES, ids=[c["query"] for c in CASES])
def test_query_table_through_sql(case: dict, fixture_events: list[Event]) -> None:
    query = parse(case["query"])
    ids = matching_ids(fixture_events, query, TODAY)
    assert ids is not None
    assert sorted(ids) == sorted(case["ids"])
    assert ids == python_ids(fixture_events, query)


@pytest.mark.parametrize("text", ["rule:bloc-*", "rule:b?oc", "id:k[zg]-*", "country:KZ id:[a]"])
def test_globs_over_lists_and_bracket_globs_do_not_compile(text: str) -> None:
    assert to_sql(parse(text), TODAY) is None


@pytest.mark.parametrize("text", ["stance:away", "origin:act", "country:KZ not:stance:none"])
def test_reading_terms_compile_only_over_a_table_with_readings(text: str) -> None:
    assert to_sql(parse(text), TODAY) is not None
    assert to_sql(parse(text), TODAY, readings=False) is None


def test_the_clause_is_standard_sql_with_parameters() -> None:
    sql, params = to_sql(parse("country:kaz,KG not:tag:Drones id:a_* 50%"), TODAY) or ("", [])
    sep = "\x1f"
    assert sql == (
        "(events.countries LIKE ? ESCAPE '!' OR events.countries LIKE ? ESCAPE '!')"
        " AND NOT (events.tags_folded LIKE ? ESCAPE '!')"
        " AND (events.id LIKE ? ESCAPE '!')"
        " AND (events.title_folded LIKE ? ESCAPE '!' OR events.summary_folded LIKE ? ESCAPE '!')"
    )
    assert params == [
        f"%{sep}KG{sep}%",
        f"%{sep}KZ{sep}%",
        f"%{sep}drones{sep}%",
        "a!_%",
        "%50!%%",
        "%50!%%",
    ]
    assert to_sql(Query(), TODAY) == ("1 = 1", [])


def test_globs_translate_to_like_patterns() -> None:
    assert glob_to_like("2022-05-*") == "2022-05-%"
    assert glob_to_like("a?b%c_d!") == "a_b!%c!_d!!"
    assert glob_to_like("[ab]*") is None


def test_id_globs_are_case_sensitive_as_fnmatchcase() -> None:
    timeline = [
        Event(id=i, path="e.toml", line=1, date=PartialDate.day(2021, 3, 1), title="x")
        for i in ("KZ-1", "kz-2")
    ]
    db = load_events(timeline)
    clause = to_sql(parse("id:k*"), TODAY)
    assert clause is not None
    assert select_ids(db, clause) == ["kz-2"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(read_timelines(), st.lists(terms(), max_size=5), st.data())
def test_a_guarded_clause_keeps_every_event_not_yet_read(
    read: tuple[list[Event], dict[str, Reading]], found: list[Term], data: st.DataObject
) -> None:
    """The index holds readings for some events only (those a signals run has read): guarded
    reading terms never drop an event without one, and decide exactly for those with one."""
    import sqlite3

    from orbitwatch.query.sql import event_row
    from tests.sqlharness import SCHEMA

    timeline, reading_of = read
    stored = [data.draw(st.booleans()) for _ in timeline]
    db = sqlite3.connect(":memory:")
    db.execute("PRAGMA case_sensitive_like = ON")
    db.execute(SCHEMA)
    db.executemany(
        f"INSERT INTO events VALUES ({', '.join('?' for _ in range(15))})",
        [
            (position, *event_row(event, reading_of.get(event.id), read))
            for position, (event, read) in enumerate(zip(timeline, stored, strict=True))
        ],
    )
    query = Query(tuple(found))
    clause, _ = to_sql_partial(query, TODAY, guarded=True)
    selected = set(select_ids(db, clause))
    db.close()
    wanted = set(python_ids(timeline, query, reading_of))
    assert wanted <= selected
    # where every event's reading is stored, nothing more than Python's answer passes
    known = {e.id for e, read in zip(timeline, stored, strict=True) if read}
    assert selected & known == wanted & known


def matching_ids(
    events: Sequence[Event],
    query: Query,
    today: dt.date,
    reading_of: Mapping[str, Reading] | None = None,
) -> list[str] | None:
    """The ids of the events the query selects, through SQL; None if the query cannot compile."""
    clause = to_sql(query, today, readings=reading_of is not None)
    if clause is None:
        return None
    db = load_events(events, reading_of)
    try:
        return select_ids(db, clause)
    finally:
        db.close()
