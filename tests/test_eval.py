"""`orbit eval` end to end, the shipped evaluation timeline, and the data rules every shipped
timeline keeps (real, sourced, nothing from the held-back months)."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from orbitwatch.model.dates import parse_iso
from orbitwatch.timeline.load import load_timeline
from tests.conftest import REPO, run

EVAL = REPO / "src" / "orbitwatch" / "examples" / "eval"
HELD_BACK = (dt.date(2022, 6, 1), dt.date(2022, 12, 31))

SETTINGS = """
[signals]
pole = "RU"
watch = ["KZ", "KG"]
counterweights = ["CN"]

[blocs.CSTO]
name = "Collective Security Treaty Organization"
led_by = "RU"
"""


def test_the_shipped_evaluation_timeline_passes_its_bar(tmp_path: Path) -> None:
    target = tmp_path / "eval"
    created = run("init", str(target), "--example", "eval")
    assert created.exit_code == 0, created.stderr
    result = run("eval", "--format", "json", "--min-agreement", "0.85", root=target)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["n"] >= 60
    assert doc["agreement"] >= 0.85
    assert doc["kappa"] >= 0.7
    confusion = doc["confusion"]
    # the counts agree with the totals, and every disagreement is listed
    assert sum(sum(row.values()) for row in confusion.values()) == doc["n"]
    off_diagonal = sum(
        count for analyst, row in confusion.items() for derived, count in row.items()
        if analyst != derived
    )  # fmt: skip
    assert off_diagonal == len(doc["disagreements"])
    assert round(1 - off_diagonal / doc["n"], 6) == doc["agreement"]


def test_the_evaluation_timeline_is_balanced_real_and_sourced() -> None:
    timeline = load_timeline(EVAL, use_cache=False)
    assert timeline.problems == []
    events = timeline.events
    assert len(events) >= 60
    stances: Counter[str] = Counter()
    countries: set[str] = set()
    for event in events:
        assert 2014 <= event.date.first_day.year <= 2025, event.id
        assert event.sources, event.id
        for source in event.sources:
            assert source.title and source.publisher and source.url, event.id
            # only an encyclopedia article (a standing page) may go without a date
            assert source.date is not None or source.publisher == "Wikipedia", event.id
        for own in event.country_signals:
            stances[own.stance] += 1
            countries.add(own.country)
    assert stances["toward"] >= 15 and stances["away"] >= 15 and stances["neutral"] >= 10
    assert len(countries) >= 8


@pytest.mark.parametrize(
    "folder", [REPO / "events", REPO / "src" / "orbitwatch" / "examples", REPO / "tests"]
)
def test_no_shipped_event_falls_in_the_held_back_months(folder: Path) -> None:
    # Real events of June-December 2022 are held back to evaluate the signals. A made-up test
    # event may use any date, but no event file shipped here covers those months, except the
    # article's year-precision fact about 2022 remittances (docs/example-timeline.md).
    allowed = {"2022-tajik-migrant-remittances-russia"}
    for path in sorted(folder.rglob("*.toml")):
        if "events" not in path.parts:
            continue
        raw = tomllib.loads(path.read_text("utf-8"))
        if "date" not in raw or path.stem in allowed:
            continue
        date = raw["date"]
        if isinstance(date, dt.date):
            first = last = date
        else:
            partial = parse_iso(str(date))
            assert partial is not None, path
            first, last = partial.first_day, partial.last_day
        assert last < HELD_BACK[0] or first > HELD_BACK[1], path


def test_eval_text_and_min_agreement(write_events: Callable[..., Path]) -> None:
    root = write_events(
        {
            "events/a.toml": """
                date = 2021-03-01
                title = "Made-up: KG leaves the bloc"
                countries = ["KG"]
                [[acts]]
                by = "KG"
                act = "reduce"
                to = "CSTO"
                [signal]
                stance = "away"
            """,
            "events/b.toml": """
                date = 2021-03-02
                title = "Made-up: KZ buys from China"
                countries = ["KZ", "CN"]
                [[acts]]
                by = "KZ"
                act = "cooperate"
                to = "CN"
                [signal.KZ]
                stance = "toward"
                weight = 2
            """,
        },
        SETTINGS,
    )
    result = run("eval", root=root)
    assert result.exit_code == 0
    assert result.stdout == (
        "2 labelled readings from 2 events\n"
        "agreement 0.500 (1 of 2), Cohen's kappa 0.000 (slight, Landis and Koch) on 2 readings\n"
        "\n"
        "confusion (rows: the analyst; columns: acts and rules without the analyst)\n"
        "              away  toward    none\n"
        "      away       1       0       0\n"
        "    toward       1       0       0\n"
        "      none       0       0       0\n"
        "\n"
        "precision (how often the analyst agrees with what each source derived)\n"
        "  act cooperate    0/1    0.00\n"
        "  act reduce       1/1    1.00\n"
        "\n"
        "disagreements (1)\n"
        "  b  KZ  analyst toward, derived away (act KZ cooperate CN)\n"
    )
    strict = run("eval", "--min-agreement", "0.6", root=root)
    assert strict.exit_code == 1
    assert strict.stderr == "orbit: agreement 0.500 is below --min-agreement 0.6\n"
    only_kg = json.loads(run("eval", "country:KG", "--format", "json", root=root).stdout)
    assert (only_kg["n"], only_kg["agreement"], only_kg["disagreements"]) == (1, 1.0, [])


def test_list_json_carries_readings_per_country(write_events: Callable[..., Path]) -> None:
    root = write_events(
        {
            "events/a.toml": """
                date = 2021-03-01
                title = "Made-up forum"
                countries = ["RU", "KZ", "KG"]
                [[acts]]
                by = "KZ"
                act = "disapprove"
                to = "RU"
                [signal.KG]
                stance = "neutral"
            """
        },
        SETTINGS,
    )
    doc = json.loads(run("list", "--format", "json", root=root).stdout)
    (event,) = doc["events"]
    assert event["readings"] == [
        {"country": "KZ", "stance": "away", "weight": 1, "origin": "act", "source": "KZ disapprove RU"},
        {"country": "KG", "stance": "neutral", "weight": 1, "origin": "analyst", "source": "analyst"},
    ]  # fmt: skip
    assert event["acts"] == [{"by": ["KZ"], "act": "disapprove", "to": ["RU"], "note": ""}]
    assert event["signal"] == {"KG": {"stance": "neutral", "weight": 1, "note": ""}}
    assert event["reading"]["stance"] == "mixed"


def test_coverage_counts_the_events_nothing_reads(write_events: Callable[..., Path]) -> None:
    root = write_events(
        {
            "events/a.toml": 'date = 2022-05-01\ntitle = "Read"\ncountries = ["KG"]\n'
            '[[acts]]\nby = "KG"\nact = "reduce"\nto = "CSTO"\n',
            "events/b.toml": 'date = 2022-05-02\ntitle = "Domestic"\ncountries = ["KG"]\n',
            "events/c.toml": 'date = 2022-05-03\ntitle = "Neighbours"\ncountries = ["KZ", "KG"]\n'
            '[[acts]]\nby = "KZ"\nact = "fight"\nto = "KG"\n',
            "events/d.toml": 'date = 2022-05-04\ntitle = "Elsewhere"\ncountries = ["FR"]\n',
            "events/e.toml": 'date = 2022-07-04\ntitle = "Later"\ncountries = ["KG"]\n',
        },
        SETTINGS,
    )
    doc = json.loads(run("signals", "--as-of", "2022-05-31", "--format", "json", root=root).stdout)
    assert doc["coverage"] == {"events": 3, "unread": 2}
    unread = run("list", "stance:none", "until:2022-05-31", "--format", "ids", root=root)
    assert unread.stdout.split() == ["b", "c", "d"]
    digest = run("digest", "--dry-run", "--as-of", "2022-05-31", "--format", "json", root=root)
    assert json.loads(digest.stdout)["coverage"] == {"events": 3, "unread": 2}
    text = run("digest", "--dry-run", "--as-of", "2022-05-31", root=root).stdout
    assert text.endswith(
        "\n2 of 3 events up to 2022-05-31 gave no watched country a reading "
        "(orbit list stance:none)\n"
    )


def test_add_act_adds_its_countries(write_events: Callable[..., Path]) -> None:
    root = write_events({}, SETTINGS)
    added = run(
        "add", "--date", "2021-03-01", "--title", "Made-up visit", "--act", "KZ consult RU",
        "--act", "KZ+KG intend CN", "--dry-run", root=root,
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    text = added.stdout.split("\n", 1)[1]
    raw = tomllib.loads(text)
    assert raw["countries"] == ["KZ", "RU", "KG", "CN"]
    assert raw["acts"] == [
        {"by": "KZ", "act": "consult", "to": "RU"},
        {"by": ["KZ", "KG"], "act": "intend", "to": "CN"},
    ]
    bad = run("add", "--date", "2021-03-01", "--title", "x", "--act", "KZ consult SCO", root=root)
    assert bad.exit_code == 2
    assert bad.stderr == (
        "orbit: error: act 'KZ consult SCO': 'SCO' is neither a country nor a bloc declared in "
        "orbit.toml\n"
    )


def test_import_maps_by_act_to_columns(write_events: Callable[..., Path], tmp_path: Path) -> None:
    root = write_events({}, SETTINGS)
    source = tmp_path / "acts.csv"
    source.write_text(
        "date,title,countries,by,act,to,act_note\n"
        "2021-03-01,Made-up talks,KZ;RU,KZ,04,RU,talks in Moscow\n",
        encoding="utf-8",
    )
    result = run("import", str(source), root=root)
    assert result.exit_code == 0, result.stderr
    (event,) = load_timeline(root).events
    assert [(a.by, a.act, a.to, a.code, a.note) for a in event.acts] == [
        (("KZ",), "consult", ("RU",), "04", "talks in Moscow")
    ]


def test_check_reports_a_rule_that_names_an_undeclared_tag(
    write_events: Callable[..., Path],
) -> None:
    root = write_events(
        {},
        '[tags]\nsummit = "Meetings"\n\n[[rules]]\nid = "r"\ntitle = "t"\n'
        'when = "tag:sumit,summit"\nstance = "toward"\n',
    )
    result = run("check", root=root)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{root / 'orbit.toml'}:7:1: error: rule 'r': 'when' names tag 'sumit', which is not declared under "
        "[tags] (did you mean 'summit'?)"
    )
