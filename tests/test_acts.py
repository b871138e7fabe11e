"""Acts: the CAMEO vocabulary, validation in `orbit check`, readings per country, precedence,
and `orbit eval`'s arithmetic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from orbitwatch.model.acts import ACT_KINDS, act_kind, weight_of
from orbitwatch.signals.alerts import alerts
from orbitwatch.signals.evaluate import cohen_kappa, evaluate
from orbitwatch.signals.readings import readings
from orbitwatch.timeline.load import load_timeline
from tests.conftest import run

TODAY = dt.date(2022, 5, 31)

SETTINGS = """
[signals]
pole = "RU"
half_life = "100d"
watch = ["KZ", "KG", "AM", "TJ"]
counterweights = ["CN", "US", "TR", "EU"]

[blocs.CSTO]
name = "Collective Security Treaty Organization"
led_by = "RU"
members = ["RU", "AM", "KZ", "KG", "TJ"]

[blocs.EU]
name = "European Union"

[tags]
summit = "Meetings of leaders"
aid = "Aid"

[[rules]]
id = "summits"
title = "Summits pull toward"
when = "tag:summit"
stance = "toward"
weight = 2

[[rules]]
id = "aid"
title = "Aid from elsewhere"
when = "tag:aid"
stance = "away"
weight = 3
"""


def event(body: str, date: str = "2022-05-10") -> str:
    return f'date = {date}\ntitle = "An event"\n' + body


def test_the_act_table_is_the_cameo_goldstein_table() -> None:
    # The Goldstein values of the CAMEO root codes 01..20 (ICEWS' CAMEO table, docs/signals.md).
    assert [(k.code, k.intensity) for k in ACT_KINDS] == [
        ("01", 0.0), ("02", 3.0), ("03", 4.0), ("04", 1.0), ("05", 3.5), ("06", 6.0),
        ("07", 7.0), ("08", 5.0), ("09", -2.0), ("10", -5.0), ("11", -2.0), ("12", -4.0),
        ("13", -6.0), ("14", -6.5), ("15", -7.2), ("16", -4.0), ("17", -7.0), ("18", -9.0),
        ("19", -10.0), ("20", -10.0),
    ]  # fmt: skip
    assert act_kind("163") == (ACT_KINDS[15], "163")
    assert act_kind("Reduce") == (ACT_KINDS[15], "")
    assert act_kind("1623") == (ACT_KINDS[15], "1623")
    assert act_kind("21") is None and act_kind("16x") is None and act_kind("1") is None
    assert [weight_of(k.intensity) for k in ACT_KINDS[1:8]] == [2, 2, 1, 2, 3, 4, 3]
    assert weight_of(-10) == 5 and weight_of(-2) == 1 and weight_of(-4) == 2


def test_check_reports_bad_acts_with_did_you_mean(write_events: Callable[..., Path]) -> None:
    root = write_events(
        {
            "events/a.toml": event(
                'countries = ["KG", "RU"]\n'
                '[[acts]]\nby = "KG"\nact = "reduse"\nto = "CSTO"\n'
                '[[acts]]\nby = "KG"\nact = "cooperate"\nto = "CTSO"\n'
                '[[acts]]\nby = "KG"\nact = "consult"\nto = "KG"\n'
                '[[acts]]\nby = "KG"\nact = "aid"\nto = "TJ"\n'
                '[[acts]]\nby = "Kyrgyzstan"\nact = "16"\nto = "RU"\ncolour = "red"\n'
            )
        },
        SETTINGS,
    )
    result = run("check", root=root)
    assert result.exit_code == 1
    path = root / "events" / "a.toml"
    shown = str(path)
    lines = result.stderr.splitlines()
    assert lines[:6] == [
        f"{shown}:6:1: error: unknown act 'reduse' (did you mean 'reduce'?); use a CAMEO root "
        "category or a CAMEO code such as '163'; the acts (orbit acts): statement 01, appeal 02, "
        "intend 03, consult 04, endorse 05, cooperate 06, aid 07, yield 08, investigate 09, "
        "demand 10, disapprove 11, reject 12, threaten 13, protest 14, posture 15, reduce 16, "
        "coerce 17, assault 18, fight 19, mass-violence 20",
        f"{shown}:11:1: error: [[acts]] 'to': 'CTSO' is neither a country code nor a declared "
        "bloc (did you mean 'CSTO'?)",
        f"{shown}:15:1: error: [[acts]] number 3: KG acts toward itself; an act needs two "
        "different parties",
        f"{shown}:19:1: error: [[acts]] 'to' names 'TJ', which is not in 'countries'; add it there",
        f"{shown}:21:1: error: [[acts]] 'by': write the country 'Kyrgyzstan' as its ISO 3166-1 "
        "alpha-2 code 'KG'",
        f"{shown}:24:1: error: unknown key 'colour' in [[acts]]",
    ]


def test_a_bloc_is_known_only_when_declared(write_events: Callable[..., Path]) -> None:
    root = write_events(
        {
            "events/a.toml": event(
                'countries = ["KG"]\n[[acts]]\nby = "KG"\nact = "16"\nto = "SCO"\n'
            )
        },
        SETTINGS,
    )
    result = run("check", root=root)
    assert result.exit_code == 1
    assert "'SCO' is neither a country code nor a declared bloc; declare blocs under [blocs]" in (
        result.stderr
    )


def read(root: Path) -> dict[str, dict[str, tuple[str, int, str, str]]]:
    timeline = load_timeline(root)
    assert timeline.problems == []
    found = readings(timeline.events, timeline.settings, TODAY)
    result: dict[str, dict[str, tuple[str, int, str, str]]] = {}
    for e in timeline.events:
        reading = found.get(e.id)
        result[e.id] = {}
        for country in e.countries:
            own = reading.for_country(country) if reading else None
            if own is not None:
                result[e.id][country] = (own.stance, own.weight, own.origin, own.rule)
    return result


def test_readings_follow_the_table_of_sides(write_events: Callable[..., Path]) -> None:
    root = write_events(
        {
            # X toward the pole side: cooperation toward, conflict away
            "events/a.toml": event(
                'countries = ["KG"]\n[[acts]]\nby = "KG"\nact = "reduce"\nto = "CSTO"\n'
            ),
            "events/b.toml": event(
                'countries = ["KZ", "RU"]\n[[acts]]\nby = "KZ"\nact = "consult"\nto = "RU"\n'
            ),
            # X toward a counterweight: cooperation away, its own quarrel a weak toward
            "events/c.toml": event(
                'countries = ["KZ", "CN"]\n[[acts]]\nby = "KZ"\nact = "cooperate"\nto = "CN"\n'
            ),
            "events/d.toml": event(
                'countries = ["KZ", "CN"]\n[[acts]]\nby = "KZ"\nact = "disapprove"\nto = "CN"\n'
            ),
            # the pole side acts on X: pull (toward) or strain (away)
            "events/e.toml": event(
                'countries = ["TJ", "RU"]\n[[acts]]\nby = "RU"\nact = "aid"\nto = "TJ"\n'
            ),
            "events/f.toml": event(
                'countries = ["TJ", "RU"]\n[[acts]]\nby = "RU"\nact = "coerce"\nto = "TJ"\n'
            ),
            # a counterweight acts on X: cooperation away, conflict nothing
            "events/g.toml": event(
                'countries = ["TJ", "US"]\n[[acts]]\nby = "US"\nact = "07"\nto = "TJ"\n'
            ),
            "events/h.toml": event(
                'countries = ["TJ", "US"]\n[[acts]]\nby = "US"\nact = "threaten"\nto = "TJ"\n'
            ),
            # two neighbours: nothing; a statement: nothing
            "events/i.toml": event(
                'countries = ["KG", "TJ"]\n[[acts]]\nby = "KG"\nact = "fight"\nto = "TJ"\n'
            ),
            "events/j.toml": event(
                'countries = ["KG", "RU"]\n[[acts]]\nby = "KG"\nact = "statement"\nto = "RU"\n'
            ),
        },
        SETTINGS,
    )
    assert read(root) == {
        "a": {"KG": ("away", 2, "act", "KG reduce CSTO")},
        "b": {"KZ": ("toward", 1, "act", "KZ consult RU")},
        "c": {"KZ": ("away", 3, "act", "KZ cooperate CN")},
        "d": {"KZ": ("toward", 1, "act", "KZ disapprove CN")},
        "e": {"TJ": ("toward", 4, "act", "RU aid TJ")},
        "f": {"TJ": ("away", 4, "act", "RU coerce TJ")},
        "g": {"TJ": ("away", 4, "act", "US aid TJ")},
        "h": {},
        "i": {},
        "j": {},
    }


def test_the_host_of_a_summit_gets_no_reading_for_a_guests_speech(
    write_events: Callable[..., Path],
) -> None:
    # Armenia hosts a CSTO summit where Kazakhstan rebukes Moscow; the event is tagged summit,
    # so the tag rule alone would read every listed country 'toward'.
    root = write_events(
        {
            "events/yerevan.toml": event(
                'countries = ["AM", "KZ", "KG", "RU"]\ntags = ["summit"]\n'
                '[[acts]]\nby = "KZ"\nact = "disapprove"\nto = "RU"\nnote = "speech"\n'
            ),
            "events/plain-summit.toml": event('countries = ["AM", "KG"]\ntags = ["summit"]\n'),
        },
        SETTINGS,
    )
    assert read(root) == {
        "plain-summit": {
            "AM": ("toward", 2, "rule", "summits"),
            "KG": ("toward", 2, "rule", "summits"),
        },
        "yerevan": {"KZ": ("away", 1, "act", "KZ disapprove RU")},
    }
    out = run("show", "yerevan", root=root, env={"COLUMNS": "100"}).stdout
    assert "KZ ▲ away weight 1, from act KZ disapprove RU" in out
    assert "AM " not in out.split("reading")[1]


def test_several_acts_combine_per_country(write_events: Callable[..., Path]) -> None:
    root = write_events(
        {
            # away 2 (reject) beats toward 1 (consult): sum -1 + 2 > 0, weight of the reject
            "events/a.toml": event(
                'countries = ["AM"]\n'
                '[[acts]]\nby = "AM"\nact = "consult"\nto = "CSTO"\n'
                '[[acts]]\nby = "AM"\nact = "reject"\nto = "CSTO"\n'
            ),
            # equal pulls both ways: no reading
            "events/b.toml": event(
                'countries = ["KZ", "RU", "CN"]\n[[acts]]\nby = "KZ"\nact = "cooperate"\nto = ["RU", "CN"]\n'
            ),
            # reciprocal acts do not add up: the strongest act gives the weight
            "events/c.toml": event(
                'countries = ["KZ", "TR"]\n'
                '[[acts]]\nby = "KZ"\nact = "cooperate"\nto = "TR"\n'
                '[[acts]]\nby = "TR"\nact = "cooperate"\nto = "KZ"\n'
            ),
        },
        SETTINGS,
    )
    assert read(root) == {
        "a": {"AM": ("away", 2, "act", "AM reject CSTO")},
        "b": {},
        "c": {"KZ": ("away", 3, "act", "KZ cooperate TR")},
    }


def test_precedence_analyst_then_acts_then_rules(write_events: Callable[..., Path]) -> None:
    root = write_events(
        {
            # the acts beat the tag rule
            "events/a.toml": event(
                'countries = ["KG", "US"]\ntags = ["summit"]\n'
                '[[acts]]\nby = "US"\nact = "aid"\nto = "KG"\n'
            ),
            # the analyst's [signal] beats the acts for every listed country ...
            "events/b.toml": event(
                'countries = ["KG", "US"]\n[[acts]]\nby = "US"\nact = "aid"\nto = "KG"\n'
                '[signal]\nstance = "neutral"\n'
            ),
            # ... and [signal.XX] beats both for its country only
            "events/c.toml": event(
                'countries = ["KG", "KZ", "RU"]\n'
                '[[acts]]\nby = "RU"\nact = "cooperate"\nto = ["KG", "KZ"]\n'
                '[signal.KZ]\nstance = "away"\nweight = 5\nnote = "reluctant"\n'
            ),
            # an old-style [signal] with a per-country exception
            "events/d.toml": event(
                'countries = ["KG", "KZ"]\ntags = ["aid"]\n'
                '[signal]\nstance = "toward"\nweight = 2\n[signal.KG]\nstance = "away"\n'
            ),
        },
        SETTINGS,
    )
    assert read(root) == {
        "a": {"KG": ("away", 4, "act", "US aid KG")},
        # the event's [signal] reads the countries inside the pole's sphere: not the US
        "b": {"KG": ("neutral", 1, "analyst", "analyst")},
        "c": {
            "KG": ("toward", 3, "act", "RU cooperate KG"),
            "KZ": ("away", 5, "analyst", "analyst"),
        },
        "d": {"KG": ("away", 1, "analyst", "analyst"), "KZ": ("toward", 2, "analyst", "analyst")},
    }
    listed = run("list", "stance:away", "--format", "ids", root=root).stdout.split()
    assert listed == ["a", "c", "d"]
    assert run("list", "origin:analyst", "--format", "ids", root=root).stdout.split() == [
        "b",
        "c",
        "d",
    ]


def test_a_per_country_signal_must_name_a_listed_country(
    write_events: Callable[..., Path],
) -> None:
    root = write_events(
        {
            "events/a.toml": event(
                'countries = ["KG"]\n[signal.KZ]\nstance = "away"\n[signal.XY]\nstance = "away"\n'
            )
        },
        SETTINGS,
    )
    result = run("check", root=root)
    shown = str(root / "events" / "a.toml")
    assert result.stderr.splitlines() == [
        f"{shown}:4:1: error: [signal.KZ]: 'KZ' is not in 'countries'; add it there",
        f"{shown}:6:1: error: [signal.XY]: unknown country code 'XY'",
    ]


def test_signal_alerts_are_per_country_with_act_origin(write_events: Callable[..., Path]) -> None:
    root = write_events(
        {
            "events/a.toml": event(
                'countries = ["AM", "KZ", "RU"]\n[[acts]]\nby = "KZ"\nact = "reduce"\nto = "CSTO"\n'
            )
        },
        SETTINGS,
    )
    timeline = load_timeline(root)
    found = alerts(
        timeline.events,
        readings(timeline.events, timeline.settings, TODAY),
        timeline.settings,
        TODAY,
    )
    assert [(a.kind, a.country, a.rule, a.why) for a in found] == [
        ("signal", "KZ", "KZ reduce CSTO", "act KZ reduce CSTO reads away (weight 2)")
    ]


def test_cohen_kappa_by_hand() -> None:
    # 20 items: observed agreement 0.7; chance agreement (0.5*0.6 + 0.5*0.4) = 0.5
    assert cohen_kappa([[10, 0], [6, 4]]) == pytest.approx((0.7 - 0.5) / 0.5)
    assert cohen_kappa([[5, 0, 0], [0, 3, 0], [0, 0, 2]]) == 1.0
    assert cohen_kappa([[0, 0], [0, 0]]) == 0.0


def test_evaluate_sets_the_analyst_aside(write_events: Callable[..., Path]) -> None:
    root = write_events(
        {
            # agree: acts read KG away, the analyst says away
            "events/a.toml": event(
                'countries = ["KG"]\n[[acts]]\nby = "KG"\nact = "reduce"\nto = "CSTO"\n'
                '[signal]\nstance = "away"\n'
            ),
            # disagree: the rule reads toward, the analyst says neutral (none)
            "events/b.toml": event(
                'countries = ["KZ"]\ntags = ["summit"]\n[signal]\nstance = "neutral"\n'
            ),
            # agree on none: no act or rule, the analyst says neutral
            "events/c.toml": event('countries = ["TJ"]\n[signal.TJ]\nstance = "neutral"\n'),
            # unlabelled: not counted
            "events/d.toml": event('countries = ["TJ"]\ntags = ["aid"]\n'),
            # not watched: not counted
            "events/e.toml": event('countries = ["UZ"]\n[signal]\nstance = "away"\n'),
        },
        SETTINGS,
    )
    timeline = load_timeline(root)
    result = evaluate(timeline.events, timeline.settings, TODAY)
    assert result.n == 3 and result.events == 3
    assert result.agreement == pytest.approx(2 / 3)
    assert result.count("away", "away") == 1
    assert result.count("none", "toward") == 1
    assert result.count("none", "none") == 1
    assert [(p.source, p.agreeing, p.total) for p in result.precision] == [
        ("act reduce", 1, 1),
        ("rule summits", 0, 1),
    ]
    assert [
        (d.event_id, d.country, d.analyst, d.derived, d.source) for d in result.disagreements
    ] == [("b", "KZ", "none", "toward", "rule summits")]


def test_an_event_read_differently_per_country_renders_everywhere(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events(
        {
            "events/split.toml": event(
                'countries = ["KZ", "KG", "RU"]\n'
                '[[acts]]\nby = "KZ"\nact = "disapprove"\nto = "RU"\n'
                '[[acts]]\nby = "KG"\nact = "endorse"\nto = "RU"\n'
            )
        },
        SETTINGS,
    )
    for fmt in ("md", "html", "json", "jsonl", "csv", "ics", "timelinejs"):
        result = run("render", "--format", fmt, "-o", str(tmp_path / f"out.{fmt}"), root=root)
        assert result.exit_code == 0, (fmt, result.stderr)
    listed = run("list", root=root).stdout
    assert "\tmixed\tKG endorse RU and 1 more\t" in listed
    timeline = run("timeline", "--width", "80", root=root).stdout
    assert "◆ 10 May" in timeline and "◆ mixed" in timeline
    # in lanes, each country's marker is its own reading
    lanes = run("timeline", "--by", "country", "--width", "80", root=root).stdout
    assert lanes.splitlines()[:2] == [
        "            KZ KG AM TJ",
        "10 May 2022 ▲  ▼  │  │   An event",  # KZ away, KG toward
    ]
