"""Signals: readings, hand-computed scores, levels, arrows, alerts and orbit.toml diagnostics."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from orbitwatch.config.settings import Settings
from orbitwatch.model.event import Event, PartialDate, Precision
from orbitwatch.signals.alerts import alerts
from orbitwatch.signals.readings import country_signals, drift_score, monthly_arrows, readings
from orbitwatch.timeline.load import load_timeline
from tests.conftest import REPO, rule_toml, run, settings_toml

SETTINGS = settings_toml(
    ["KZ", "KG"],
    [
        rule_toml("aid", "Aid from elsewhere", "tag:aid", "away", 2),
        rule_toml("exit-talk", "Talk of leaving", '"leave the union"', "away", 1),
        rule_toml("pull", "Summits", "tag:summit", "toward", 4),
    ],
    half_life="100d",
    levels={"watch": 1.5},
    convergence_rules=2,
    convergence_window="30d",
)

D0 = dt.date(2022, 1, 1)


def one(write_events: Callable[..., Path], body: str, name: str = "e") -> tuple:
    root = write_events({f"events/{name}.toml": body}, settings=SETTINGS)
    timeline = load_timeline(root)
    assert timeline.problems == [], [p.render() for p in timeline.problems]
    return timeline, readings(timeline.events, timeline.settings, D0)


def score(timeline, reading_of, on: dt.date, country: str = "KZ") -> float:
    return drift_score(timeline.events, reading_of, timeline.settings, country, on)


def test_decay_at_zero_one_and_two_half_lives(write_events: Callable[..., Path]) -> None:
    tl, r = one(
        write_events, 'date = 2022-01-01\ntitle = "a"\ncountries = ["KZ"]\ntags = ["aid"]\n'
    )
    assert score(tl, r, D0) == pytest.approx(2.0)
    assert score(tl, r, D0 + dt.timedelta(days=100)) == pytest.approx(1.0)
    assert score(tl, r, D0 + dt.timedelta(days=200)) == pytest.approx(0.5)
    assert score(tl, r, D0 - dt.timedelta(days=1)) == 0.0  # not yet happened


@pytest.mark.parametrize(
    ("status", "certainty"),
    [("occurred", 1.0), ("scheduled", 0.5), ("reported", 0.8), ("rumored", 0.4), ("denied", 0.2)],
)
def test_each_certainty(write_events: Callable[..., Path], status: str, certainty: float) -> None:
    tl, r = one(
        write_events,
        'date = 2022-01-01\ntitle = "a"\ncountries = ["KZ"]\n'
        f'tags = ["aid"]\nstatus = "{status}"\n',
    )
    assert score(tl, r, D0) == pytest.approx(2.0 * certainty)


def test_month_precision_counts_from_its_first_day_and_decays_from_its_middle(
    write_events: Callable[..., Path],
) -> None:
    tl, r = one(write_events, 'date = "2022-03"\ntitle = "a"\ncountries = ["KZ"]\ntags = ["aid"]\n')
    assert score(tl, r, dt.date(2022, 2, 28)) == 0.0
    assert score(tl, r, dt.date(2022, 3, 1)) == pytest.approx(2.0)
    assert score(tl, r, dt.date(2022, 3, 16)) == pytest.approx(2.0)
    assert score(tl, r, dt.date(2022, 3, 16) + dt.timedelta(days=100)) == pytest.approx(1.0)


def test_year_precision_is_taken_at_the_middle_of_the_year(
    write_events: Callable[..., Path],
) -> None:
    tl, r = one(write_events, 'date = "2021"\ntitle = "a"\ncountries = ["KZ"]\ntags = ["aid"]\n')
    middle = dt.date(2021, 7, 2)
    assert score(tl, r, middle + dt.timedelta(days=200)) == pytest.approx(0.5)


def test_an_events_own_signal_table_beats_the_rules(write_events: Callable[..., Path]) -> None:
    tl, r = one(
        write_events,
        'date = 2022-01-01\ntitle = "a"\ncountries = ["KZ"]\n'
        'tags = ["aid", "summit"]\n[signal]\nstance = "toward"\nweight = 1\n',
    )
    assert (r["e"].stance, r["e"].origin, r["e"].rule) == ("toward", "analyst", "analyst")
    assert score(tl, r, D0) == pytest.approx(-1.0)


def test_strongest_rule_wins_and_all_matches_are_kept(write_events: Callable[..., Path]) -> None:
    tl, r = one(
        write_events,
        'date = 2022-01-01\ntitle = "a"\ncountries = ["KZ"]\ntags = ["aid", "summit"]\n',
    )
    assert (r["e"].stance, r["e"].weight, r["e"].rules) == ("toward", 4, ("pull", "aid"))


def test_a_rule_matching_by_text(write_events: Callable[..., Path]) -> None:
    tl, r = one(
        write_events,
        'date = 2022-01-01\ntitle = "Deputies talk to leave the union"\ncountries = ["KZ"]\n',
    )
    assert r["e"].rules == ("exit-talk",)
    assert score(tl, r, D0) == pytest.approx(1.0)


def test_the_pole_is_never_scored(write_events: Callable[..., Path]) -> None:
    tl, r = one(
        write_events, 'date = 2022-01-01\ntitle = "a"\ncountries = ["RU", "KZ"]\ntags = ["aid"]\n'
    )
    rows = country_signals(tl.events, r, tl.settings, D0)
    assert [row.country for row in rows] == ["KZ", "KG"]
    assert run("signals", "--explain", "RU", root=tl.root).exit_code == 2


def test_level_up_then_level_down(write_events: Callable[..., Path]) -> None:
    tl, r = one(
        write_events, 'date = 2022-01-01\ntitle = "a"\ncountries = ["KZ"]\ntags = ["aid"]\n'
    )
    found = alerts(tl.events, r, tl.settings, dt.date(2022, 6, 1))
    levels = [(a.kind, a.date.isoformat(), a.rule) for a in found if a.kind.startswith("level")]
    # 2 x 0.5^(d/100) < 1.5 from d = 42: 12 Feb 2022
    assert levels == [("level-down", "2022-02-12", "watch"), ("level-up", "2022-01-01", "watch")]
    up, down = (a for a in found if a.kind in ("level-up", "level-down"))
    assert up.fingerprint != down.fingerprint


def test_fingerprints_are_stable_across_runs_rewording_and_moves(
    write_events: Callable[..., Path],
) -> None:
    body = 'date = 2022-01-01\ntitle = "{t}"\ncountries = ["KZ"]\ntags = ["aid"]\n'
    root = write_events(
        {"events/a/e.toml": body.format(t="one"), "events/f.toml": body.format(t="two")},
        settings=SETTINGS,
    )

    def prints() -> list[str]:
        tl = load_timeline(root)
        return sorted(
            a.fingerprint
            for a in alerts(
                tl.events, readings(tl.events, tl.settings, D0), tl.settings, dt.date(2022, 6, 1)
            )
        )

    first = prints()
    assert first == prints()
    (root / "events" / "a" / "e.toml").write_text(body.format(t="reworded"), encoding="utf-8")
    (root / "events" / "b").mkdir()
    shutil.move(root / "events" / "a" / "e.toml", root / "events" / "b" / "e.toml")
    assert prints() == first


def test_convergence_and_upcoming_alerts(write_events: Callable[..., Path]) -> None:
    root = write_events(
        {
            "events/a.toml": 'date = 2022-01-01\ntitle = "a"\ncountries = ["KG"]\ntags = ["aid"]\n',
            "events/b.toml": 'date = 2022-01-20\ntitle = "to leave the union"\ncountries = ["KG"]\n',
            "events/s.toml": 'date = 2022-06-10\ntitle = "s"\ncountries = ["KG"]\n'
            'tags = ["summit"]\nstatus = "scheduled"\n',
        },
        settings=SETTINGS,
    )
    tl = load_timeline(root)
    r = readings(tl.events, tl.settings, D0)
    found = alerts(tl.events, r, tl.settings, dt.date(2022, 5, 31))
    conv = [a for a in found if a.kind == "convergence"]
    assert [(a.subject, a.rule, a.date.isoformat()) for a in conv] == [
        ("b", "aid,exit-talk", "2022-01-20")
    ]
    upcoming = [(a.subject, a.rule) for a in found if a.kind == "upcoming"]
    assert upcoming == [("s", "14d")]
    later = alerts(tl.events, r, tl.settings, dt.date(2022, 6, 4))
    assert [(a.subject, a.rule) for a in later if a.kind == "upcoming"] == [("s", "7d")]
    past = alerts(tl.events, r, tl.settings, dt.date(2022, 6, 11))
    assert not [a for a in past if a.kind == "upcoming"]


def test_monthly_arrows_need_events_behind_them(write_events: Callable[..., Path]) -> None:
    tl, r = one(
        write_events, 'date = 2022-01-10\ntitle = "a"\ncountries = ["KZ"]\ntags = ["aid"]\n'
    )
    arrows = monthly_arrows(tl.events, r, tl.settings, dt.date(2022, 3, 31), ["KZ"])
    assert [(a.month.isoformat(), a.arrow) for a in arrows] == [
        ("2022-01-01", "away"),
        ("2022-02-01", "steady"),
        ("2022-03-01", "steady"),
    ]
    assert arrows[0].event_ids == ("e",) and "e (aid)" in arrows[0].rationale
    assert arrows[1].rationale.startswith("no new readings; decay only")


def test_explain_rows_sum_to_the_score(tmp_path: Path) -> None:
    doc = json.loads(
        run(
            "signals", "--explain", "TJ", "--as-of", "2022-05-31", "--format", "json", root=REPO
        ).stdout
    )
    assert doc["score"] == pytest.approx(
        sum(c["contribution"] for c in doc["contributions"]), abs=1e-5
    )
    assert len(doc["contributions"]) == 8


def test_the_example_timeline_shows_the_drift(tmp_path: Path) -> None:
    result = run("signals", "--as-of", "2022-05-31", "--format", "json", root=REPO)
    assert result.exit_code == 0, result.stderr
    rows = {row["country"]: row for row in json.loads(result.stdout)["countries"]}
    assert "RU" not in rows
    for code in ("KZ", "KG", "TJ"):
        assert rows[code]["score"] > 0
        assert len({r["rule"] for r in rows[code]["top_rules"] if r["contribution"] > 0}) >= 2
    tj = json.loads(
        run(
            "signals", "--explain", "TJ", "--as-of", "2022-05-31", "--format", "json", root=REPO
        ).stdout
    )["contributions"]
    pulls = {c["event"] for c in tj if c["contribution"] < 0}
    assert pulls == {
        "2022-05-12-matvienko-central-asia-forum",
        "2022-tajik-migrant-remittances-russia",
    }


def test_signals_plain_and_explain_text(tmp_path: Path) -> None:
    plain = run("signals", "--as-of", "2022-05-31", root=REPO).stdout.splitlines()
    assert [line.split("\t")[0] for line in plain] == ["KZ", "KG", "TJ", "UZ", "TM", "AM", "BY"]
    explain = run("signals", "--explain", "Tajikistan", "--as-of", "2022-05-31", root=REPO).stdout
    assert explain.startswith("# TJ Tajikistan: drift score +10.560 on 2022-05-31, level alarm\n")
    assert (
        "\t2022-05-10-us-security-aid-tajikistan\tact US aid TJ\taway\t4\toccurred\t1.0\t0.922\t+3.689\t22%"
        in explain
    )


def test_list_and_show_carry_the_reading(tmp_path: Path) -> None:
    away = run("list", "stance:away", "origin:act", "--format", "ids", root=REPO).stdout.split()
    assert "2022-05-10-us-security-aid-tajikistan" in away and len(away) == 9
    show = run("show", "2022-05-16-csto-summit-moscow", root=REPO, env={"COLUMNS": "120"}).stdout
    # A bloc summit is not cohesion by itself: no act, no rule, no reading.
    assert "reading    none (no rule or act reads it)" in show
    show = run("show", "2022-05-12-matvienko-central-asia-forum", root=REPO, env={"COLUMNS": "120"})
    assert "TJ ▼ toward weight 1, from act RU consult TJ" in show.stdout


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            '[signals]\nhalf_lfe = "1d"\n',
            "orbit.toml:2:1: error: unknown key 'half_lfe' in [signals] (did you mean 'half_life'?)",
        ),
        (
            '[signals]\nhalf_life = "soon"\n',
            "orbit.toml:2:1: error: [signals] half_life: 'soon' is not a duration; write a positive "
            "number and d, w, m or y: 180d",
        ),
        (
            '[[rules]]\nid = "r"\ntitle = "t"\nwhen = "contry:KZ"\nstance = "away"\n',
            "orbit.toml:4:1: error: rule 'r': unknown query field 'contry' in 'contry:KZ' (did you "
            "mean 'country'?)",
        ),
        (
            '[[rules]]\nid = "r"\ntitle = "t"\nwhen = "stance:away"\nstance = "away"\n',
            "orbit.toml:4:1: error: rule 'r': 'when' may not use stance: or origin: or rule: terms (those are "
            "what rules produce)",
        ),
        (
            '[[rules]]\nid = "r"\ntitle = "t"\nwhen = "tag:a"\nstance = "away"\n\n'
            '[[rules]]\nid = "r"\ntitle = "t"\nwhen = "tag:b"\nstance = "away"\n',
            "orbit.toml:8:1: error: duplicate rule id 'r'",
        ),
        (
            '[[levels]]\nname = "watch"\nscore = -1\n',
            "orbit.toml:3:1: error: level 'watch': score must be a number > 0",
        ),
        (
            '[signals]\nwatch = ["KZ", "ZZ"]\n',
            "orbit.toml:2:1: error: [signals] watch: unknown country code 'ZZ'",
        ),
    ],
)
def test_bad_settings_give_located_diagnostics(
    write_events: Callable[..., Path], settings: str, expected: str
) -> None:
    root = write_events({}, settings=settings)
    timeline = load_timeline(root, show=lambda p: p.relative_to(root).as_posix())
    assert [p.render() for p in timeline.problems] == [expected]
    assert run("check", root=root).exit_code == 1


stance_events = st.lists(
    st.tuples(
        st.integers(0, 400),
        st.sampled_from(["away", "toward", "neutral"]),
        st.integers(1, 5),
        st.sampled_from(["occurred", "reported", "denied", "scheduled"]),
        st.sampled_from([Precision.DAY, Precision.MONTH, Precision.YEAR]),
    ),
    max_size=8,
)


def make_event(
    index: int, offset: int, stance: str, weight: int, status: str, precision: Precision
) -> Event:
    from orbitwatch.model.event import SignalOverride

    day = dt.date(2021, 1, 1) + dt.timedelta(days=offset)
    start = {
        Precision.DAY: day,
        Precision.MONTH: day.replace(day=1),
        Precision.YEAR: day.replace(month=1, day=1),
    }[precision]
    return Event(
        id=f"e{index}",
        path=f"e{index}.toml",
        line=1,
        date=PartialDate(start, precision),
        title="t",
        countries=("KZ",),
        status=status,
        signal=SignalOverride(stance, weight),
    )


@hsettings(max_examples=60, deadline=None)
@given(
    stance_events,
    st.tuples(st.integers(0, 400), st.integers(1, 5), st.sampled_from(list(Precision))),
    st.integers(0, 500),
)
def test_adding_an_away_event_never_lowers_the_score(existing, extra, later) -> None:
    settings = Settings(half_life_days=90, watch=("KZ",))
    events = [make_event(i, *spec) for i, spec in enumerate(existing)]
    added = make_event(99, extra[0], "away", extra[1], "occurred", extra[2])
    on = added.first_day + dt.timedelta(days=later)
    before = drift_score(events, readings(events, settings, on), settings, "KZ", on)
    after_events = [*events, added]
    after = drift_score(after_events, readings(after_events, settings, on), settings, "KZ", on)
    assert after >= before - 1e-12


@hsettings(max_examples=30, deadline=None)
@given(stance_events)
def test_daily_series_agrees_with_direct_scores(existing) -> None:
    from orbitwatch.signals.scoring import ScoreSeries, marks_of

    settings = Settings(half_life_days=90, watch=("KZ",))
    events = [make_event(i, *spec) for i, spec in enumerate(existing)]
    reading_of = readings(events, settings, D0)
    first, last = dt.date(2021, 3, 1), dt.date(2022, 3, 1)
    marks = [m for m in marks_of(events, reading_of, settings) if m.country == "KZ"]
    series = ScoreSeries(marks, settings.half_life_days, first, last)
    for offset in range(0, (last - first).days + 1, 37):
        day = first + dt.timedelta(days=offset)
        expected = drift_score(events, reading_of, settings, "KZ", day)
        assert series.at(day) == pytest.approx(expected)


def test_convergence_counts_only_rules_of_its_own_stance(write_events: Callable[..., Path]) -> None:
    root = write_events(
        {
            # reads 'toward' (pull, weight 4) though the away rule 'aid' matched too
            "events/c.toml": 'date = 2022-01-05\ntitle = "c"\ncountries = ["KG"]\n'
            'tags = ["aid", "summit"]\n',
        },
        settings=SETTINGS,
    )
    tl = load_timeline(root)
    r = readings(tl.events, tl.settings, D0)
    assert r["c"].rules == ("pull", "aid")
    found = alerts(tl.events, r, tl.settings, dt.date(2022, 5, 31))
    assert [a for a in found if a.kind == "convergence"] == []


def test_alert_terms_pick_alerts_without_changing_levels(tmp_path: Path) -> None:
    everything = json.loads(
        run("alerts", "--as-of", "2022-05-31", "--format", "json", root=REPO).stdout
    )["alerts"]
    only_kg = json.loads(
        run("alerts", "country:KG", "--as-of", "2022-05-31", "--format", "json", root=REPO).stdout
    )["alerts"]
    assert only_kg and {a["country"] for a in only_kg} == {"KG"}
    assert only_kg == [a for a in everything if a["country"] == "KG"]
    drones = json.loads(
        run("alerts", "tag:drones", "--as-of", "2022-05-31", "--format", "json", root=REPO).stdout
    )["alerts"]
    tagged = set(run("list", "tag:drones", "--format", "ids", root=REPO).stdout.split())
    assert drones and {a["subject"] for a in drones} == tagged
    preview = json.loads(
        run("digest", "country:TJ", "--as-of", "2022-05-31", "--format", "json", root=REPO).stdout
    )["alerts"]
    assert {a["country"] for a in preview} == {"TJ"}


def test_a_hint_when_every_score_has_decayed(tmp_path: Path) -> None:
    stale = run("signals", "--format", "table", root=REPO, env={"ORBIT_TODAY": "2026-11-27"})
    assert "hint: the latest event is from 2022-05-16" in stale.stderr
    assert "orbit signals --as-of 2022-05-16" in stale.stderr
    fresh = run("signals", "--format", "table", root=REPO)
    assert "hint:" not in fresh.stderr
    piped = run("signals", root=REPO, env={"ORBIT_TODAY": "2026-11-27"})
    assert piped.stderr == ""  # scripts get no hints
