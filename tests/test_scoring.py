"""The running sum (scoring.py) against the day-by-day walk it replaced (reference_scores.py).

Random timelines: day, month and year precision, several countries, the analyst's readings and
tag rules (for convergence), several statuses, levels (a negative one too) and half-lives.
Alerts must be identical, including the scores their text prints; scores, monthly scores and
arrows equal to 1e-9 and printed alike. A float tie (a score within 1e-9 of a level, an arrow's
change within 1e-9 of its threshold) is the one place the two sums may round differently: such
a timeline is set aside only if the results actually differ there.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest
from hypothesis import assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from orbitwatch.config.settings import Level, Rule, Settings
from orbitwatch.model.event import Event, PartialDate, Precision, SignalOverride
from orbitwatch.query.language import parse
from orbitwatch.signals.alerts import alerts
from orbitwatch.signals.readings import country_signals, monthly_arrows, readings
from orbitwatch.signals.scoring import ScoreSeries, marks_of
from orbitwatch.text.words import signed_number
from tests import reference_scores as reference

D0 = dt.date(2019, 1, 1)
COUNTRIES = ("KZ", "KG", "RU")
RULES = tuple(
    Rule(rule_id, rule_id, f"tag:{rule_id}", parse(f"tag:{rule_id}"), stance, weight)
    for rule_id, stance, weight in (
        ("a", "away", 3),
        ("b", "away", 2),
        ("c", "away", 1),
        ("d", "toward", 2),
        ("e", "toward", 4),
    )
)
LEVEL_SCORES = (-3.0, 1.0, 1.5, 2.4, 3.0, 4.4, 6.0)

event_specs = st.lists(
    st.tuples(
        st.integers(0, 2200),  # day offset: about six years
        st.sampled_from([Precision.DAY] * 3 + [Precision.MONTH, Precision.YEAR]),
        st.lists(st.sampled_from(COUNTRIES), min_size=0, max_size=3, unique=True),
        st.sampled_from(["occurred", "reported", "rumored", "denied", "scheduled"]),
        st.one_of(
            st.none(),
            st.tuples(st.sampled_from(["away", "toward", "neutral"]), st.integers(1, 5)),
        ),
        st.lists(st.sampled_from("abcdex"), max_size=3, unique=True),
    ),
    max_size=14,
)
settings_specs = st.tuples(
    st.integers(15, 400),  # half-life in days
    st.lists(st.sampled_from(LEVEL_SCORES), max_size=3, unique=True),
    st.integers(2, 3),  # convergence rules
    st.integers(20, 120),  # convergence window
    st.booleans(),  # a watch list, or every country
)


def build(
    specs: list[tuple[object, ...]], setting: tuple[object, ...]
) -> tuple[list[Event], Settings]:
    half_life, level_scores, conv_rules, window, watch = setting
    events = []
    for index, (offset, precision, countries, status, signal, tags) in enumerate(specs):
        day = D0 + dt.timedelta(days=int(offset))  # type: ignore[call-overload]
        start = {
            Precision.DAY: day,
            Precision.MONTH: day.replace(day=1),
            Precision.YEAR: day.replace(month=1, day=1),
        }[precision]  # type: ignore[index]
        events.append(
            Event(
                id=f"e{index:02d}",
                path=f"e{index}.toml",
                line=1,
                date=PartialDate(start, precision),  # type: ignore[arg-type]
                title="t",
                countries=tuple(countries),  # type: ignore[arg-type]
                tags=tuple(tags),  # type: ignore[arg-type]
                status=status,  # type: ignore[arg-type]
                signal=SignalOverride(*signal) if signal else None,  # type: ignore[misc]
            )
        )
    events.sort(key=Event.sort_key)
    levels = tuple(
        Level(f"l{i}", score)
        for i, score in enumerate(sorted(level_scores))  # type: ignore[call-overload]
    )
    settings = Settings(
        half_life_days=float(half_life),  # type: ignore[arg-type]
        watch=("KZ", "KG") if watch else (),
        rules=RULES,
        levels=levels,
        convergence_rules=int(conv_rules),  # type: ignore[call-overload]
        convergence_window_days=int(window),  # type: ignore[call-overload]
    )
    return events, settings


def near(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


NUMBER = re.compile(r"[-+]?\d+\.\d+")


def printed_alike(a: float, b: float) -> bool:
    """Equal as the views print them (.2f and .3f), unless a true rounding tie."""
    for places in (2, 3):
        if signed_number(a, places) != signed_number(b, places):
            scaled = a * 10**places
            if abs(abs(scaled - math.floor(scaled)) - 0.5) > 1e-6:
                return False
    return near(a, b)


def ties(events: list[Event], settings: Settings, on: dt.date) -> bool:
    """Does the reference walk come within 1e-9 of a level on some day?"""
    reading_of = readings(events, settings, on)
    first = min((e.first_day for e in events), default=on)
    for country in reference.watched_countries(events, settings):
        for _, score, _ in reference.daily_scores(
            events, reading_of, settings, country, min(first, on), on
        ):
            if any(abs(score - level.score) < 1e-9 for level in settings.levels):
                return True
    return False


@hsettings(max_examples=300, deadline=None)
@given(event_specs, settings_specs, st.integers(-30, 2600))
def test_alerts_equal_the_day_by_day_walk(specs, setting, on_offset) -> None:
    events, settings = build(specs, setting)
    on = D0 + dt.timedelta(days=on_offset)
    reading_of = readings(events, settings, on)
    new = alerts(events, reading_of, settings, on)
    old = reference.alerts(events, reading_of, settings, on)
    if new != old:
        assume(not ties(events, settings, on))
    assert new == old


@hsettings(max_examples=200, deadline=None)
@given(event_specs, settings_specs, st.integers(-30, 2600))
def test_scores_and_arrows_equal_the_day_by_day_walk(specs, setting, on_offset) -> None:
    events, settings = build(specs, setting)
    on = D0 + dt.timedelta(days=on_offset)
    reading_of = readings(events, settings, on)
    new_rows = country_signals(events, reading_of, settings, on)
    old_rows = reference.country_signals(events, reading_of, settings, on)
    assert [r.country for r in new_rows] == [r.country for r in old_rows]
    for new, old in zip(new_rows, old_rows, strict=True):
        assert (new.score, new.level, new.top_rules, new.events) == (
            old.score,
            old.level,
            old.top_rules,
            old.events,
        )
        assert printed_alike(new.change_30d, old.change_30d)
        assert printed_alike(new.change_90d, old.change_90d)
        assert [d for d, _ in new.monthly] == [d for d, _ in old.monthly]
        for (_, a), (_, b) in zip(new.monthly, old.monthly, strict=True):
            assert printed_alike(a, b)
    new_arrows = monthly_arrows(events, reading_of, settings, on)
    old_arrows = reference.monthly_arrows(events, reading_of, settings, on)
    assert len(new_arrows) == len(old_arrows)
    for new_arrow, old_arrow in zip(new_arrows, old_arrows, strict=True):
        assert new_arrow.event_ids == old_arrow.event_ids
        assert printed_alike(new_arrow.score, old_arrow.score)
        assert printed_alike(new_arrow.change, old_arrow.change)
        assert printed_alike(new_arrow.trailing_average, old_arrow.trailing_average)
        delta = old_arrow.change - old_arrow.trailing_average
        if new_arrow.arrow != old_arrow.arrow:
            assume(abs(abs(delta) - settings.arrow_threshold) > 1e-9)
        assert new_arrow.arrow == old_arrow.arrow
        # The numbers in the rationale are the ones compared above (a rounding tie, such as
        # -0.075, may print either way); the words must be the same.
        assert NUMBER.sub("#", new_arrow.rationale) == NUMBER.sub("#", old_arrow.rationale)


@hsettings(max_examples=100, deadline=None)
@given(event_specs, st.integers(15, 400), st.integers(0, 2600))
def test_the_running_sum_is_the_daily_walk_on_every_day(specs, half_life, span) -> None:
    events, settings = build(specs, (half_life, [], 2, 30, True))
    first, last = D0, D0 + dt.timedelta(days=span)
    reading_of = readings(events, settings, last)
    old = reference.daily_scores(events, reading_of, settings, "KZ", first, last)
    own = [m for m in marks_of(events, reading_of, settings) if m.country == "KZ"]
    series = ScoreSeries(own, settings.half_life_days, first, last)
    for day, score, _ in old[::7]:
        assert near(series.at(day), score)


def test_a_downward_crossing_between_events_is_found_in_closed_form() -> None:
    """One away event of weight 4 (no decay before its day): 4 x 0.5^(n/100) < 3 first when
    n > 100 x log2(4/3) = 41.5, so on day 42 after it."""
    event = Event(
        "x", "x.toml", 1, PartialDate(D0, Precision.DAY), "t", countries=("KZ",),
        signal=SignalOverride("away", 4),
    )  # fmt: skip
    settings = Settings(half_life_days=100.0, watch=("KZ",), levels=(Level("watch", 3.0),))
    on = D0 + dt.timedelta(days=400)
    reading_of = readings([event], settings, on)
    kinds = [(a.kind, a.date) for a in alerts([event], reading_of, settings, on) if a.level != "x"]
    assert ("level-down", D0 + dt.timedelta(days=42)) in kinds
    assert ("level-up", D0) in kinds


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (-1.6653345369377348e-16, 2, "+0.00"),
        (-0.0, 3, "+0.000"),
        (-0.004, 2, "+0.00"),
        (-0.005001, 2, "-0.01"),
        (0.0, 2, "+0.00"),
        (1.25, 2, "+1.25"),
        (-0.4, 2, "-0.40"),
        (-12.3456, 3, "-12.346"),
    ],
)
def test_signed_numbers_never_print_minus_zero(value: float, places: int, text: str) -> None:
    assert signed_number(value, places) == text
