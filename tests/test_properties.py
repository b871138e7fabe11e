"""Hypothesis properties over hostile text and bytes, and a stateful model of digest runs."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from orbitwatch.config.settings import Settings
from orbitwatch.model.event import Event, PartialDate, Source
from orbitwatch.render.data import events_plain
from orbitwatch.render.exports import RenderInput
from orbitwatch.render.ics import escape_text, fold
from orbitwatch.render.registry import builtin
from orbitwatch.render.timeline import plain, timeline_lines
from orbitwatch.signals.charts import ChartEvent, ScoreChart
from orbitwatch.text.chars import INVISIBLE, SELECTORS
from tests.conftest import TEMPLATE_TAGS

RAW_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


def hostile_event(title: str, summary: str, actor: str) -> Event:
    return Event(
        id="e",
        path="events/e.toml",
        line=1,
        date=PartialDate.day(2022, 5, 16),
        title=title or "t",
        summary=summary,
        countries=("KZ",),
        actors=(actor or "a",),
        tags=("x",),
        status="occurred",
        sources=(Source(title=title, publisher=actor, url="https://example.org/" + summary[:10]),),
    )


def outputs(event: Event) -> dict[str, str]:
    day = dt.date(2022, 5, 31)
    data = RenderInput(
        [event],
        {},
        Settings(watch=("KZ",)),
        dt.date(2022, 5, 31),
        [ScoreChart("KZ", ((day, 1.0),), (ChartEvent(day, event.id, 1.0, 1.0),))],
        chart_window=(day, day),
    )
    found = {name: "".join(renderer(data)) for name, renderer in builtin().items()}
    found["plain"] = "".join(events_plain([event], {}))
    found["timeline"] = "".join(plain(timeline_lines([event], {}, 60)))
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, any_text, any_text)
def test_no_renderer_lets_a_raw_control_character_through(
    title: str, summary: str, actor: str
) -> None:
    for name, text in outputs(hostile_event(title, summary, actor)).items():
        assert not RAW_CONTROL.search(text), name


@settings(max_examples=150, deadline=None)
@given(any_text, any_text)
def test_no_csv_cell_starts_a_formula(title: str, summary: str) -> None:
    import csv
    import io

    text = outputs(hostile_event(title, summary, "a"))["csv"]
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r"


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)


@settings(max_examples=150, deadline=None)
@given(any_text, any_text, any_text)
def test_html_parses_to_the_templates_tags_only(title: str, summary: str, actor: str) -> None:
    parser = TagCollector()
    parser.feed(outputs(hostile_event(title, summary, actor))["html"])
    assert parser.tags <= TEMPLATE_TAGS


def unescape_text(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


# the invisible characters are escaped like Cf (chars.py): not round-tripped by design
DRAWN = st.characters(blacklist_categories=("Cs", "Cc", "Cf")).filter(
    lambda ch: not re.match(f"[{INVISIBLE}{SELECTORS}]", ch)
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=DRAWN, max_size=300))
def test_icalendar_escaping_and_folding_round_trip(value: str) -> None:
    line = "DESCRIPTION:" + escape_text(value)
    folded = fold(line)
    assert folded.endswith("\r\n")
    physical = folded[:-2].split("\r\n")
    assert all(len(part.encode("utf-8")) <= 75 for part in physical)
    unfolded = folded[:-2].replace("\r\n ", "")
    assert unfolded == line
    assert unescape_text(unfolded[len("DESCRIPTION:") :]) == value


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_slugs_stay_inside_events(title: str) -> None:
    from orbitwatch.authoring.write import MAX_SLUG, event_path, slugify

    root = Path("/srv/timeline")
    slug = slugify(title)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) and len(slug) <= MAX_SLUG
    path = event_path(root, PartialDate.day(2022, 5, 16), slug)
    assert path.resolve().is_relative_to(root / "events")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "replace")))
def test_the_loader_is_total_over_arbitrary_bytes(data: bytes) -> None:
    from orbitwatch.timeline.load import parse_event_file

    event, problems = parse_event_file(Path("events/x.toml"), "events/x.toml", Settings(), data)
    assert (event is None) != (problems == []) or (event is not None and problems == [])
    for problem in problems:
        assert problem.line >= 1 and problem.col >= 1 and problem.message
    if event is not None:
        assert event.id == "x" and event.title.strip()


# -- a stateful model of digest runs with crashes and corrupted states ----------------------


class DigestRuns(RuleBasedStateMachine):
    """Runs deliver-then-commit through the real state file, with crashes between delivery and
    commit and corrupted state files; an alert is never lost, and never sent twice without a
    crash in between."""

    base: Path  # the running test's tmp_path (set by the fixture below)

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="orbit-digest-model-", dir=self.base))
        self.path = self.folder / "state.json"
        self.alerts: list[object] = []
        self.delivered: dict[str, int] = {}
        self.crashes_since: dict[str, int] = {}
        self.crashes = 0
        self.corrupted = False

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, crash: bool) -> None:
        from orbitwatch.digest.compose import commit_delivery, plan, start_delivery
        from orbitwatch.digest.state import load_state, save_state
        from orbitwatch.model.errors import OrbitError

        try:
            previous = load_state(self.path)
        except OrbitError:
            assert self.corrupted  # refused, nothing sent, file untouched
            return
        digest = plan(self.alerts, previous, Settings(), {}, {}, dt.date(2022, 5, 31))  # type: ignore[arg-type]
        if digest is None:
            return
        now = dt.datetime(2022, 5, 31, tzinfo=dt.timezone.utc)
        save_state(self.path, start_delivery(previous, digest, now))
        for fingerprint in digest.fingerprints:  # delivered
            if (
                self.delivered.get(fingerprint, 0)
                and self.crashes_since.get(fingerprint) == self.crashes
            ):
                raise AssertionError(f"{fingerprint} sent twice without a crash in between")
            self.delivered[fingerprint] = self.delivered.get(fingerprint, 0) + 1
            self.crashes_since[fingerprint] = self.crashes
        if crash:
            self.crashes += 1
            return
        save_state(self.path, commit_delivery(previous, digest, now))

    @rule(number=st.integers(0, 30))
    def new_alert(self, number: int) -> None:
        from orbitwatch.model.alert import Alert

        alert = Alert(
            "signal",
            "KZ",
            "rule",
            f"event-{number}",
            dt.date(2022, 5, 1),
            "",
            "why",
            (f"event-{number}",),
        )
        if all(a.fingerprint != alert.fingerprint for a in self.alerts):  # type: ignore[attr-defined]
            self.alerts.append(alert)

    @rule()
    def run(self) -> None:
        self._run(crash=False)

    @rule()
    def run_and_crash_before_commit(self) -> None:
        self._run(crash=True)

    @rule(garbage=st.binary(min_size=1, max_size=20))
    def corrupt_the_state(self, garbage: bytes) -> None:
        self.path.write_bytes(garbage)
        self.corrupted = True
        self.before = garbage

    @rule()
    def recover_from_previous_generation(self) -> None:
        prev = Path(f"{self.path}.prev")
        if self.corrupted and prev.exists():
            shutil.copy(prev, self.path)
            self.corrupted = False
            self.crashes += 1  # restoring an older generation may repeat the last digest

    @invariant()
    def corrupted_file_is_left_as_it_was(self) -> None:
        if self.corrupted:
            assert self.path.read_bytes() == self.before

    @invariant()
    def a_clean_run_leaves_nothing_unsent(self) -> None:
        if self.corrupted:
            return
        from orbitwatch.digest.state import load_state

        self._run(crash=False)
        sent = load_state(self.path).sent if self.path.exists() else {}
        for alert in self.alerts:
            assert alert.fingerprint in sent  # type: ignore[attr-defined]
            assert self.delivered.get(alert.fingerprint, 0) >= 1  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _digest_model_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each state machine run keeps its files under the test's own tmp_path."""
    monkeypatch.setattr(DigestRuns, "base", tmp_path, raising=False)


TestDigestRuns = DigestRuns.TestCase
TestDigestRuns.settings = settings(max_examples=40, stateful_step_count=15, deadline=None)
