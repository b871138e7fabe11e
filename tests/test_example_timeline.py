"""The shipped example timeline: valid, sourced, and saying what the article says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orbitwatch.model.event import Event, Precision
from orbitwatch.timeline.load import load_timeline
from tests.conftest import REPO, run

NAME = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?-[a-z0-9]+(-[a-z0-9]+)*\.toml$")


@pytest.fixture(scope="module")
def events() -> dict[str, Event]:
    timeline = load_timeline(REPO)
    assert timeline.problems == []
    return {e.id: e for e in timeline.events}


def test_check_is_clean_on_the_shipped_timeline() -> None:
    result = run("check", root=REPO)
    assert (result.exit_code, result.stderr) == (0, "18 events, no problems\n")


def test_every_file_is_named_by_its_date_and_sits_in_its_year(events: dict[str, Event]) -> None:
    assert len(events) == 18
    for event in events.values():
        path = Path(event.path)
        assert NAME.match(path.name), path
        assert path.parent.name == str(event.date.start.year)
        assert path.name.startswith(event.date.iso() + "-")


def test_every_event_is_sourced_to_the_article(events: dict[str, Event]) -> None:
    for event in events.values():
        assert event.summary and event.tags and event.countries, event.id
        assert any(
            s.publisher == "Asia Times"
            and s.author == "Nikola Mikovic"
            and s.date is not None
            and s.date.iso() == "2022-05"
            for s in event.sources
        ), event.id
        assert event.signal is None  # readings come from the rules


def test_the_facts_that_matter(events: dict[str, Event]) -> None:
    summit = events["2022-05-16-csto-summit-moscow"]
    assert summit.date.iso() == "2022-05-16"
    assert set(summit.countries) == {"RU", "AM", "BY", "KZ", "KG", "TJ"}
    aid = events["2022-05-10-us-security-aid-tajikistan"]
    assert aid.date.iso() == "2022-05-10"
    assert "US$60 million" in aid.title + aid.summary and "Puma" in aid.title + aid.summary
    vote = events["2022-03-02-un-vote-central-asia-abstains"]
    assert vote.date.iso() == "2022-03-02" and set(vote.countries) == {"KZ", "KG", "TJ"}
    assert events["2022-05-kazakhstan-eaeu-exit-rumours-denied"].status == "denied"
    patrols = events["2021-08-kazakhstan-language-patrols"]
    assert (patrols.date.iso(), patrols.date.precision) == ("2021-08", Precision.MONTH)
    assert events["2019-turkey-buys-russian-s400"].date.precision is Precision.YEAR
    assert events["2022-tajik-migrant-remittances-russia"].date.iso() == "2022"
    assert "remittances" in events["2022-tajik-migrant-remittances-russia"].tags
    assert events["2022-05-us-border-post-tajik-afghan-border"].status == "reported"
    mazhilis = events["2022-05-mazhilis-russian-language-status"]
    assert "36" in mazhilis.title and "107" in mazhilis.title


def test_list_shows_all_18_in_date_order_with_partial_dates_placed() -> None:
    lines = run("list", root=REPO).stdout.splitlines()
    assert len(lines) == 18
    dates = [line.split("\t")[0] for line in lines]
    assert dates[:4] == ["2019", "2020-02", "2021-08", "2022"]
    # a month sorts at its first day, after an exact day on that first day and before later days
    assert dates.index("2022-05") < dates.index("2022-05-09")
    assert dates[-1] == "2022-05-16"


def test_summaries_paraphrase_rather_than_copy_the_article(events: dict[str, Event]) -> None:
    article = REPO.parent / "shared" / "source-article.txt"
    if not article.exists():
        pytest.skip("the article is not beside this checkout")
    text = article.read_text(encoding="utf-8").lower()
    for event in events.values():
        words = (event.title + " " + event.summary).lower().split()
        for start in range(len(words) - 7):
            assert " ".join(words[start : start + 8]) not in text, event.id


def test_every_shipped_rule_has_a_title_and_rationale_and_matches_something() -> None:
    timeline = load_timeline(REPO)
    assert len(timeline.settings.rules) >= 7
    for rule in timeline.settings.rules:
        assert rule.title and rule.rationale, rule.id
        listed = run("list", *rule.when and [rule.when] or [], "--format", "ids", root=REPO)
        assert listed.exit_code == 0
    for rule_id in (
        "security-diversification",
        "language-derussification",
        "symbolic-distancing",
        "un-neutrality",
        "bloc-exit-talk",
        "bloc-cohesion",
        "economic-dependence",
    ):
        assert timeline.settings.rule(rule_id) is not None


def test_every_tag_in_use_is_declared_with_a_meaning() -> None:
    timeline = load_timeline(REPO)
    vocabulary = timeline.settings.tags or {}
    used = {tag for event in timeline.events for tag in event.tags}
    assert used <= set(vocabulary)
    assert all(meaning.strip() for meaning in vocabulary.values())


def test_the_packaged_example_is_the_root_example_byte_for_byte() -> None:
    """The root copy is the source; scripts/sync-example.sh copies it into the package."""
    packaged = REPO / "src" / "orbitwatch" / "examples" / "central-asia"

    def files(base: Path) -> dict[str, bytes]:
        found = {p.relative_to(base).as_posix(): p for p in (base / "events").rglob("*")}
        found["orbit.toml"] = base / "orbit.toml"
        return {name: path.read_bytes() for name, path in sorted(found.items()) if path.is_file()}

    root, copy = files(REPO), files(packaged)
    hint = "run scripts/sync-example.sh"
    assert sorted(copy) == sorted(root), hint
    for name, data in root.items():
        assert copy[name] == data, f"{name} differs; {hint}"
