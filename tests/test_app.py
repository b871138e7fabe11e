"""The application layer called directly, without the CLI: real files, real git, no mocks."""

from __future__ import annotations

import datetime as dt
import io
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from orbitwatch.app.authoring import check_init_folder, import_format, init_timeline
from orbitwatch.app.context import Workspace
from orbitwatch.app.diff import compare, resolve_side, split_arguments
from orbitwatch.app.digest import DigestRequest, run_digest
from orbitwatch.app.events import show_event
from orbitwatch.app.signals import explain, stale_since
from orbitwatch.app.views import chart_day
from orbitwatch.cli.status import ExitStatus, status_of
from orbitwatch.digest.delivery import DeliveryFailed
from orbitwatch.digest.state import StateLock, load_state
from orbitwatch.model.dates import as_of_day, default_as_of
from orbitwatch.model.errors import OrbitError, Problem, UsageError
from orbitwatch.query.language import parse
from tests.conftest import write_files

ON = dt.date(2022, 5, 31)


def workspace(root: Path, reported: list[Problem] | None = None) -> Workspace:
    sink = reported if reported is not None else []
    return Workspace(str(root), {}, root, report=sink.extend)


def digest_request(state: Path, terms: Sequence[str] = (), **options: object) -> DigestRequest:
    return DigestRequest(parse(list(terms)), ON, state_path=state, **options)  # type: ignore[arg-type]


# -- digest: lock, plan, start, deliver, then commit or roll back ---------------------------


def test_a_delivered_digest_is_committed_and_never_sent_twice(
    example: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state" / "digest.json"
    out = io.BytesIO()
    outcome = run_digest(workspace(example), digest_request(state), out)
    assert outcome.delivered and outcome.digest is not None
    assert outcome.digest.alerts and not outcome.trouble
    assert out.getvalue().decode("utf-8").startswith("orbitwatch digest")
    saved = load_state(state)
    assert set(saved.sent) == set(outcome.digest.fingerprints)
    assert saved.pending is None
    again = io.BytesIO()
    second = run_digest(workspace(example), digest_request(state), again)
    assert (second.digest, second.delivered, again.getvalue()) == (None, False, b"")
    assert load_state(state).sent == saved.sent


def test_a_failed_deliver_command_rolls_back_and_leaves_the_state_untouched(
    example: Path, tmp_path: Path
) -> None:
    state = tmp_path / "digest.json"
    run_digest(workspace(example), digest_request(state, ["country:KZ"]), io.BytesIO())
    before = load_state(state)
    assert before.sent
    failing = shlex.join([sys.executable, "-c", "import sys; sys.stdin.read(); sys.exit(3)"])
    out = io.BytesIO()
    with pytest.raises(DeliveryFailed) as caught:
        run_digest(workspace(example), digest_request(state, deliver_cmd=failing), out)
    assert status_of(caught.value) == ExitStatus.OUTPUT_FAILED
    assert "exited 3; the alerts stay unsent and come again next run" in caught.value.message
    assert out.getvalue() == b""
    after = load_state(state)
    assert (after.sent, after.pending) == (before.sent, None)


def test_a_deliver_command_that_accepts_the_digest_commits_it(
    example: Path, tmp_path: Path
) -> None:
    state, received = tmp_path / "digest.json", tmp_path / "mail.txt"
    copy = f"import sys; open({str(received)!r}, 'wb').write(sys.stdin.buffer.read())"
    request = digest_request(state, fmt="md", deliver_cmd=shlex.join([sys.executable, "-c", copy]))
    out = io.BytesIO()
    outcome = run_digest(workspace(example), request, out)
    assert outcome.delivered and outcome.digest is not None
    assert out.getvalue() == b"" and received.read_text(encoding="utf-8").startswith("# ")
    assert set(load_state(state).sent) == set(outcome.digest.fingerprints)


def test_a_busy_lock_is_exit_75_and_nothing_is_written(example: Path, tmp_path: Path) -> None:
    state = tmp_path / "digest.json"
    with StateLock(state, 0):
        with pytest.raises(OrbitError) as caught:
            run_digest(workspace(example), digest_request(state), io.BytesIO())
    assert status_of(caught.value) == ExitStatus.BUSY
    assert not state.exists()


def test_baseline_records_everything_and_delivers_nothing(example: Path, tmp_path: Path) -> None:
    state = tmp_path / "digest.json"
    out = io.BytesIO()
    outcome = run_digest(workspace(example), digest_request(state, baseline=True), out)
    assert outcome.digest is not None and outcome.recorded == len(outcome.digest.alerts) > 0
    assert not outcome.delivered and out.getvalue() == b""
    assert set(load_state(state).sent) == set(outcome.digest.fingerprints)


def test_fail_on_a_level_that_was_sent(example: Path, tmp_path: Path) -> None:
    request = digest_request(tmp_path / "s.json", fail_on="watch")
    assert run_digest(workspace(example), request, io.BytesIO()).fail_on_hit
    with pytest.raises(UsageError, match="--fail-on 'nope' is not a level in orbit.toml"):
        run_digest(
            workspace(example), digest_request(tmp_path / "t.json", fail_on="nope"), io.BytesIO()
        )


# -- diff: sides are folders or git revisions ----------------------------------------------


def git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, write_events: Callable[..., Path]) -> Path:
    """HEAD holds event a; the working tree adds b."""
    root = write_events({"events/a.toml": 'date = 2022-05-01\ntitle = "A"\ncountries = ["KZ"]\n'})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    write_files(root, {"events/b.toml": 'date = 2022-05-09\ntitle = "B"\ncountries = ["KG"]\n'})
    return root


def test_a_side_is_a_folder_or_a_revision(repo: Path, tmp_path: Path) -> None:
    other = write_files(
        tmp_path / "other",
        {"events/c.toml": 'date = 2021-03-01\ntitle = "C"\ncountries = ["UZ"]\n'},
    )
    ws = workspace(repo)
    head = resolve_side(ws, repo, "HEAD")
    assert (head.kind, head.label, [e.id for e in head.timeline.events]) == (
        "revision",
        "HEAD",
        ["a"],
    )
    folder = resolve_side(ws, repo, str(other))
    assert (folder.kind, [e.id for e in folder.timeline.events]) == ("folder", ["c"])
    tree = resolve_side(ws, repo, None)
    assert (tree.kind, tree.label, [e.id for e in tree.timeline.events]) == (
        "working-tree",
        "working tree",
        ["a", "b"],
    )
    with pytest.raises(OrbitError):
        resolve_side(ws, repo, "no-such-revision")


def test_the_first_argument_is_a_side_only_when_it_names_one(repo: Path) -> None:
    assert split_arguments(repo, ["HEAD", "country:KZ"]) == ("HEAD", ["country:KZ"])
    assert split_arguments(repo, [str(repo), "B"]) == (str(repo), ["B"])
    assert split_arguments(repo, ["country:KZ"]) == (None, ["country:KZ"])
    assert split_arguments(repo, ["tag:x", "HEAD"]) == (None, ["tag:x", "HEAD"])
    assert split_arguments(repo, []) == (None, [])


def test_compare_a_revision_with_the_working_tree(repo: Path) -> None:
    outcome = compare(workspace(repo), "HEAD", None, parse([]), ON)
    assert [(c.kind, c.new.id if c.new else None) for c in outcome.diff.events] == [("added", "b")]
    assert outcome.on == dt.date(2022, 5, 9)  # the timeline ends before today
    dated = compare(workspace(repo), "HEAD", None, parse([]), ON, as_of="2022-05")
    assert dated.on == ON
    only_kz = compare(workspace(repo), "HEAD", None, parse(["country:KZ"]), ON)
    assert only_kz.diff.empty


# -- show, signals, render, import, init ---------------------------------------------------


def test_show_names_the_closest_id(example: Path) -> None:
    shown = show_event(workspace(example), "2022-05-16-csto-summit-moscow", ON)
    assert shown.event.title.startswith("CSTO summit")
    with pytest.raises(UsageError) as caught:
        show_event(workspace(example), "2022-05-16-csto-sumit-moscow", ON)
    assert caught.value.message == (
        "no event with id '2022-05-16-csto-sumit-moscow' "
        "(did you mean '2022-05-16-csto-summit-moscow'?)"
    )
    assert caught.value.hint == "List ids with: orbit list --format ids"
    with pytest.raises(UsageError) as far:
        show_event(workspace(example), "zzz", ON)
    assert far.value.message == "no event with id 'zzz'"


def test_explain_totals_and_level(example: Path) -> None:
    found = explain(workspace(example), parse([]), ON, "Tajikistan")
    assert found.country == "TJ" and found.parts
    assert found.score == pytest.approx(sum(p.value for p in found.parts))
    assert found.level == found.settings.level_of(found.score)
    with pytest.raises(UsageError, match="RU is the pole"):
        explain(workspace(example), parse([]), ON, "RU")


def test_the_stale_hint_and_the_chart_day(example: Path) -> None:
    ws = workspace(example)
    events = ws.load().events
    settings = ws.load().settings
    assert stale_since(events, settings, ON) is None
    latest = max(e.first_day for e in events)
    assert stale_since(events, settings, dt.date(2030, 1, 1)) == latest
    assert chart_day(events, dt.date(2030, 1, 1)) == max(e.last_day for e in events)
    assert chart_day(events, dt.date(2022, 1, 1)) == dt.date(2022, 1, 1)


def test_as_of_policy() -> None:
    assert as_of_day(None, ON) == ON
    assert as_of_day("2022-04", ON) == dt.date(2022, 4, 30)
    assert as_of_day("30d", ON) == dt.date(2022, 5, 1)
    assert default_as_of([dt.date(2022, 5, 9)], ON) == dt.date(2022, 5, 9)
    assert default_as_of([dt.date(2023, 1, 1)], ON) == ON
    assert default_as_of([], ON) == ON


@pytest.mark.parametrize(
    ("name", "given", "kind"),
    [
        ("rows.csv", None, "csv"),
        ("ROWS.JSON", None, "json"),
        ("rows.jsonl", None, "jsonl"),
        ("rows.ndjson", None, "jsonl"),
        ("rows.txt", "csv", "csv"),
        ("rows.csv", "json", "json"),
    ],
)
def test_import_format_detection(name: str, given: str | None, kind: str) -> None:
    assert import_format(Path(name), given) == kind


def test_import_format_unknown_extension() -> None:
    with pytest.raises(UsageError) as caught:
        import_format(Path("rows.xlsx"))
    assert (
        caught.value.message == "cannot tell the format of rows.xlsx; give --format csv|json|jsonl"
    )


def test_init_folder_checks(tmp_path: Path) -> None:
    check_init_folder(tmp_path / "new")  # missing: fine
    (tmp_path / "empty").mkdir()
    check_init_folder(tmp_path / "empty")
    full = write_files(tmp_path / "full", {"notes.txt": "x"})
    with pytest.raises(UsageError, match="is not an empty folder"):
        check_init_folder(full)
    with pytest.raises(UsageError, match="is not an empty folder"):
        check_init_folder(full / "notes.txt")
    with pytest.raises(UsageError, match="--example and --empty exclude each other"):
        init_timeline(tmp_path / "both", "central-asia", empty=True)
    assert not (tmp_path / "both").exists()


def test_init_writes_the_templates(tmp_path: Path) -> None:
    empty = init_timeline(tmp_path / "empty", empty=True)
    assert empty.example is None
    settings = (tmp_path / "empty" / "orbit.toml").read_text(encoding="utf-8")
    assert settings.startswith("# orbitwatch settings") and "[[levels]]" in settings
    assert (
        (tmp_path / "empty" / ".gitignore").read_text(encoding="utf-8").startswith("# orbitwatch")
    )
    assert list((tmp_path / "empty" / "events").iterdir()) == []
    copied = init_timeline(tmp_path / "example")
    assert copied.example == "central-asia"
    assert workspace(tmp_path / "example").load().events


def test_problems_go_to_the_report_callback(write_events: Callable[..., Path]) -> None:
    root = write_events({"events/a.toml": 'date = 2022-05-01\ntitle = "A"\ntitel = "x"\n'})
    reported: list[Problem] = []
    ws = workspace(root, reported)
    ws.load()
    assert ws.trouble
    assert [p.message for p in reported] == ["unknown key 'titel' (did you mean 'title'?)"]


# -- the core words no option; the app (serving the CLI) names them -------------------------


def test_the_core_words_its_errors_without_options_and_the_app_names_them(
    example: Path, tmp_path: Path
) -> None:
    from orbitwatch.digest.delivery import deliver
    from orbitwatch.digest.state import StateUnusable
    from orbitwatch.timeline.load import find_root

    with pytest.raises(OrbitError) as core:
        find_root(str(tmp_path / "nope"), {}, tmp_path)
    assert core.value.message == f"the root folder {tmp_path / 'nope'}: no such folder"
    with pytest.raises(OrbitError) as app:
        Workspace(str(tmp_path / "nope"), {}, tmp_path).root()
    assert app.value.message == f"--root {tmp_path / 'nope'}: no such folder"
    with pytest.raises(OrbitError) as nowhere:
        Workspace(None, {}, tmp_path).root()
    assert nowhere.value.hint.startswith("Use --root DIR")

    with pytest.raises(DeliveryFailed) as failed:
        deliver(b"x", "false", io.BytesIO())
    assert failed.value.message.startswith("the delivery command 'false' exited 1;")

    state = tmp_path / "digest.json"
    state.write_text("{", encoding="utf-8")
    with pytest.raises(StateUnusable) as unusable:
        load_state(state)
    assert "--" not in unusable.value.hint
    with pytest.raises(StateUnusable) as worded:
        run_digest(workspace(example), digest_request(state), io.BytesIO())
    assert worded.value.hint.endswith(f"orbit digest --state {state} --baseline")
    assert status_of(worded.value) == ExitStatus.STATE_UNUSABLE
