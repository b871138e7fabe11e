"""Time travel: --known-at, alerts --lead-time and --replay, orbit history, over a real git
repository built commit by commit with fixed dates (GIT_COMMITTER_DATE, GIT_AUTHOR_DATE).

The repository (watched: KZ, KG; rule 'aid' reads tag:aid as away, weight 3; level watch 2.5):

  2022-05-02  Ann  kz-aid (2022-05-01, aid)
  2022-05-04  Bob  kg-trade (2022-05-03, no rule)
  2022-05-09  Ann  kz-early (2022-03-15, aid): added late, dated early
  2022-05-09  Bob  kg-summit (2022-05-20, scheduled, aid): the second commit of the day
  2022-05-12  Ann  kz-aid renamed to kz-aid-package.toml (id pinned), title reworded
  2022-05-16  Bob  kg-aid (2022-05-15, aid)
  working tree: uz-draft (uncommitted) and an uncommitted title change to kg-trade
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from orbitwatch.app.backtest import replay
from orbitwatch.app.context import Workspace
from orbitwatch.query.language import parse
from tests.conftest import AID_RULE, run, settings_toml, write_files

SETTINGS = settings_toml(["KZ", "KG"], [AID_RULE.replace("= 2", "= 3")], "180d", {"watch": 2.5})


def commit(root: Path, day: str, author: str, message: str, at: str = "12:00:00+00:00") -> None:
    stamp = f"{day}T{at}"
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": f"{author.lower()}@example.org",
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": f"{author.lower()}@example.org",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    for args in (["add", "-A"], ["commit", "-q", "-m", message]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def event(day: str, title: str, country: str, tags: str, extra: str = "") -> str:
    return f'date = {day}\ntitle = "{title}"\ncountries = ["{country}"]\ntags = [{tags}]\n' + extra


def head(root: Path, rev: str = "HEAD") -> str:
    out = subprocess.run(["git", "rev-parse", rev], cwd=root, capture_output=True, check=True)
    return out.stdout.decode().strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "timeline"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    write_files(root, {"orbit.toml": SETTINGS})
    write_files(root, {"events/kz-aid.toml": event("2022-05-01", "KZ aid", "KZ", '"aid"')})
    commit(root, "2022-05-02", "Ann", "KZ aid")
    write_files(root, {"events/kg-trade.toml": event("2022-05-03", "KG trade", "KG", '"trade"')})
    commit(root, "2022-05-04", "Bob", "KG trade")
    write_files(root, {"events/kz-early.toml": event("2022-03-15", "KZ early", "KZ", '"aid"')})
    commit(root, "2022-05-09", "Ann", "KZ early, found late", at="09:00:00+00:00")
    summit = event("2022-05-20", "KG summit", "KG", '"aid"', 'status = "scheduled"\n')
    write_files(root, {"events/kg-summit.toml": summit})
    commit(root, "2022-05-09", "Bob", "KG summit ahead", at="18:00:00+00:00")
    (root / "events/kz-aid.toml").unlink()
    pinned = 'id = "kz-aid"\n' + event("2022-05-01", "KZ aid package", "KZ", '"aid"')
    write_files(root, {"events/kz-aid-package.toml": pinned})
    commit(root, "2022-05-12", "Ann", "Rename the KZ aid file")
    write_files(root, {"events/kg-aid.toml": event("2022-05-15", "KG aid", "KG", '"aid"')})
    commit(root, "2022-05-16", "Bob", "KG aid")
    write_files(
        root,
        {
            "events/uz-draft.toml": event("2022-05-01", "UZ draft", "UZ", '"aid"'),
            "events/kg-trade.toml": event("2022-05-03", "KG trade (edited)", "KG", '"trade"'),
        },
    )
    return root


def ids(root: Path, *args: str) -> list[str]:
    result = run("list", "--format", "ids", *args, root=root)
    assert result.exit_code == 0, result.stderr
    return result.stdout.split()


# -- --known-at --------------------------------------------------------------------------


def test_known_at_a_date_is_the_last_commit_on_or_before_it(repo: Path) -> None:
    assert ids(repo, "--known-at", "2022-05-03") == ["kz-aid"]
    assert ids(repo, "--known-at", "2022-05-08") == ["kz-aid", "kg-trade"]
    # both commits of 9 May: the late-added, early-dated event is there, before kz-aid
    assert ids(repo, "--known-at", "2022-05-09") == ["kz-early", "kz-aid", "kg-trade", "kg-summit"]
    assert ids(repo, "--known-at", "2022-05") == [
        "kz-early",
        "kz-aid",
        "kg-trade",
        "kg-aid",
        "kg-summit",
    ]
    # the working tree (uz-draft, the edited kg-trade) is never mixed in
    assert "uz-draft" in ids(repo)
    shown = run("show", "kg-trade", "--known-at", "HEAD", "--format", "json", root=repo)
    assert json.loads(shown.stdout)["title"] == "KG trade"


def test_a_late_added_early_dated_event_is_absent_before_its_commit(repo: Path) -> None:
    assert "kz-early" not in ids(repo, "--known-at", "2022-05-08")
    assert "kz-early" in ids(repo, "--known-at", "2022-05-09")
    assert "kz-early" not in ids(repo, "since:2022-03", "--known-at", "HEAD~4")
    assert "kz-early" in ids(repo, "since:2022-03", "--known-at", "HEAD~3")


def test_known_at_a_revision(repo: Path) -> None:
    assert ids(repo, "--known-at", "HEAD~2") == ["kz-early", "kz-aid", "kg-trade", "kg-summit"]
    assert ids(repo, "--known-at", head(repo, "HEAD~5")[:12]) == ["kz-aid"]


def scores(root: Path, *args: str) -> dict[str, float]:
    result = run("signals", "--format", "json", *args, root=root)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    return {"as_of": document["as_of"]} | {c["country"]: c["score"] for c in document["countries"]}


def decayed(weight: float, days: int) -> float:
    return round(weight * 0.5 ** (days / 180), 6)


def test_known_at_sets_the_scoring_day_unless_as_of_is_given(repo: Path) -> None:
    # on 8 May only kz-aid (1 May) was known: 3 x 0.5^(7/180)
    assert scores(repo, "--known-at", "2022-05-08") == {
        "as_of": "2022-05-08",
        "KZ": decayed(3, 7),
        "KG": 0.0,
    }
    # on 9 May kz-early (15 March, 55 days before) joins it
    found = scores(repo, "--known-at", "2022-05-09")
    assert found["KZ"] == pytest.approx(decayed(3, 8) + decayed(3, 55), abs=1e-6)
    # a revision scores on its commit's day; --as-of moves only the scoring day
    assert scores(repo, "--known-at", "HEAD~2")["as_of"] == "2022-05-09"
    later = scores(repo, "--known-at", "2022-05-08", "--as-of", "2022-05-31")
    assert later == {"as_of": "2022-05-31", "KZ": decayed(3, 30), "KG": 0.0}


def test_known_at_before_the_first_commit_names_its_date(repo: Path) -> None:
    result = run("list", "--known-at", "2022-05-01", root=repo)
    assert result.exit_code == 2
    assert result.stdout == ""
    first = head(repo, "HEAD~5")[:10]
    assert result.stderr == (
        "orbit: error: --known-at 2022-05-01: no commit of this branch is dated on or before "
        f"2022-05-01: the first commit ({first}) is from 2022-05-02\n\n"
        "Give a date on or after 2022-05-02.\n"
    )
    bad = run("list", "--known-at", "no-such-branch", root=repo)
    assert bad.exit_code == 2
    assert "'no-such-branch' does not name a commit" in bad.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["timeline"],
        ["render", "--format", "json"],
        ["alerts", "--format", "json"],
        ["eval", "--format", "json"],
        ["digest", "--dry-run", "--format", "json"],
    ],
)
def test_every_view_reads_the_past(repo: Path, command: list[str]) -> None:
    result = run(*command, "--known-at", "2022-05-08", root=repo)
    if command[0] == "eval":  # no analyst's reading: nothing to compare, among the 2 events then
        assert result.exit_code == 2
        assert "nothing to compare: none of the 2 events selected" in result.stderr
        return
    assert result.exit_code == 0, result.stderr
    if command[0] != "eval":
        assert "kz-aid" in result.stdout or "KZ aid" in result.stdout
    for absent in ("kz-early", "KZ early", "uz-draft", "UZ draft"):
        assert absent not in result.stdout


def test_digest_known_at_refuses_to_record(repo: Path, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    result = run("digest", "--state", str(state), "--known-at", "2022-05-08", root=repo)
    assert result.exit_code == 2
    assert "--known-at with a state file needs --dry-run" in result.stderr
    assert not state.exists()
    dry = run("digest", "--state", str(state), "--dry-run", "--known-at", "2022-05-08", root=repo)
    assert dry.exit_code == 0 and "KZ aid" in dry.stdout and not state.exists()


def test_a_revision_is_read_with_one_cat_file(repo: Path, tmp_path: Path) -> None:
    trace = tmp_path / "trace.txt"
    result = run("list", "--known-at", "2022-05-09", root=repo, env={"GIT_TRACE": str(trace)})
    assert result.exit_code == 0
    commands = trace.read_text(encoding="utf-8")
    assert commands.count("git cat-file") == 1


# -- alerts --lead-time ----------------------------------------------------------------------


def test_lead_time_measures_each_alert_against_its_entry_commit(repo: Path) -> None:
    result = run("alerts", "--lead-time", "--format", "json", root=repo)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    signals = {
        (a["subject"], a["country"]): (a["event_date"], a["entered"]["day"], a["lead_days"])
        for a in document["alerts"]
        if a["kind"] == "signal"
    }
    assert signals == {
        ("kz-early", "KZ"): ("2022-03-15", "2022-05-09", -55),
        ("kz-aid", "KZ"): ("2022-05-01", "2022-05-02", -1),  # renamed on 12 May: followed
        ("kg-aid", "KG"): ("2022-05-15", "2022-05-16", -1),
        ("kg-summit", "KG"): ("2022-05-20", "2022-05-09", 11),  # scheduled: known ahead
    }
    summary = {
        (s["by"], s["name"]): (s["alerts"], s["median_lead_days"]) for s in document["summary"]
    }
    # KZ: level-up and signal of kz-early (-55), signal of kz-aid (-1); KG: signal and
    # level-up of kg-aid (-1), signal of kg-summit (+11)
    assert summary[("country", "KZ")] == (3, -55.0)
    assert summary[("country", "KG")] == (3, -1.0)
    assert summary[("rule", "aid")] == (4, -1.0)
    plain = run("alerts", "--lead-time", "country:KG", "tag:aid", root=repo)
    short = head(repo, "HEAD~2")[:10]
    assert (
        f"2022-05-20\tsignal\tKG\taid\tkg-summit\t2022-05-20\t2022-05-09\t{short}\tlead 11d\n"
        in (plain.stdout)
    )
    assert plain.stdout.split("\n\n")[1] == (
        "country\tKG\t3\tlag 1d\nrule\taid\t2\tlead 5d\nrule\tlevel-up watch\t1\tlag 1d\n"
    )


def test_lead_time_of_an_uncommitted_event(repo: Path) -> None:
    write_files(repo, {"orbit.toml": SETTINGS.replace('"KG"]', '"KG", "UZ"]')})
    result = run("alerts", "--lead-time", "country:UZ", root=repo)
    assert result.exit_code == 0, result.stderr
    assert "\tuz-draft\t2022-05-01\tuncommitted\t-\t-\n" in result.stdout


# -- orbit history ---------------------------------------------------------------------------


def test_history_follows_the_rename_and_names_who_committed(repo: Path) -> None:
    result = run("history", "kz-aid", root=repo)
    assert result.exit_code == 0, result.stderr
    first, second = head(repo, "HEAD~5")[:10], head(repo, "HEAD~1")[:10]
    assert result.stdout == (
        "history of kz-aid (events/kz-aid-package.toml), oldest first\n"
        f"\n2022-05-02  {first}  Ann  added\n    KZ aid\n"
        f"\n2022-05-12  {second}  Ann  renamed from events/kz-aid.toml to "
        "events/kz-aid-package.toml\n    Rename the KZ aid file\n"
        "      title: KZ aid -> KZ aid package\n"
    )
    document = json.loads(run("history", "kg-trade", "--format", "json", root=repo).stdout)
    assert document["uncommitted"] is True
    assert [(r["author"], r["status"]) for r in document["revisions"]] == [("Bob", "added")]


def test_history_of_an_unknown_id_suggests_one(repo: Path) -> None:
    result = run("history", "kz-aid-pakage", root=repo)
    assert result.exit_code == 2
    assert "no event with id 'kz-aid-pakage' (did you mean" in result.stderr


# -- alerts --replay against a real daily cron digest ----------------------------------------


def known_commit(root: Path, day: dt.date) -> str:
    out = subprocess.run(
        ["git", "log", "--first-parent", "--format=%H %cs", "HEAD"],
        cwd=root,
        capture_output=True,
        check=True,
    )
    for line in out.stdout.decode().splitlines():
        commit_hash, committed = line.split()
        if dt.date.fromisoformat(committed) <= day:
            return commit_hash
    raise AssertionError(day)


def cron_deliveries(repo: Path, tmp_path: Path, last: dt.date) -> dict[str, list[str]]:
    """A real daily `orbit digest --state FILE` from 2 May to `last`, each day reading the
    branch as it stood that day (a clone checked out at the day's last commit)."""
    cron = tmp_path / "cron"
    subprocess.run(["git", "clone", "-q", str(repo), str(cron)], check=True)
    state = tmp_path / "state.json"
    delivered: dict[str, list[str]] = {}
    day = dt.date(2022, 5, 2)
    while day <= last:
        commit_hash = known_commit(repo, day)
        subprocess.run(["git", "checkout", "-q", commit_hash], cwd=cron, check=True)
        result = run(
            "--no-cache",
            "digest",
            "--state",
            str(state),
            "--format",
            "json",
            root=cron,
            env={"ORBIT_TODAY": day.isoformat()},
        )
        assert result.exit_code == 0, (day, result.stderr)
        if result.stdout:
            delivered[day.isoformat()] = [
                a["fingerprint"] for a in json.loads(result.stdout)["alerts"]
            ]
        day += dt.timedelta(days=1)
    return delivered


def replayed_deliveries(repo: Path, period: str) -> dict[str, list[str]]:
    replayed = run("alerts", "--replay", period, "--format", "json", root=repo)
    assert replayed.exit_code == 0, replayed.stderr
    deliveries = json.loads(replayed.stdout)["deliveries"]
    return {d["day"]: [a["fingerprint"] for a in d["alerts"]] for d in deliveries}


def test_replay_is_what_a_daily_cron_digest_delivered(repo: Path, tmp_path: Path) -> None:
    delivered = cron_deliveries(repo, tmp_path, dt.date(2022, 5, 22))
    assert replayed_deliveries(repo, "2022-05-02..2022-05-22") == delivered
    # commits and the calendar both raise alerts: 13 and 19 May had no commit (upcoming 7d, 1d)
    assert {"2022-05-09", "2022-05-13", "2022-05-19", "2022-05-20"} <= set(delivered)
    assert "2022-05-12" not in delivered  # the rename kept its pinned id: nothing new


def test_replay_honours_the_silences_committed_then(repo: Path, tmp_path: Path) -> None:
    # A silence of every KG alert, committed on 23 May and expiring on 27 May: the KG alerts
    # of 23-26 May are held back for good, those raised later are delivered again.
    write_files(
        repo,
        {
            "silences.toml": '[[silence]]\nid = "kg-desk"\nmatcher = "country:KG"\n'
            'until = 2022-05-27\nreason = "the KG desk has it"\nby = "Ann"\n',
        },
    )
    subprocess.run(["git", "rm", "-q", "--cached", "events/uz-draft.toml"], cwd=repo)
    (repo / "events/uz-draft.toml").unlink()
    subprocess.run(["git", "checkout", "-q", "--", "events/kg-trade.toml"], cwd=repo, check=True)
    commit(repo, "2022-05-23", "Ann", "Silence KG")
    write_files(repo, {"events/kg-more.toml": event("2022-05-24", "KG more aid", "KG", '"aid"')})
    commit(repo, "2022-05-24", "Bob", "KG more aid, silenced")
    write_files(repo, {"events/kg-late.toml": event("2022-05-28", "KG late aid", "KG", '"aid"')})
    commit(repo, "2022-05-28", "Bob", "KG late aid, after the silence")
    delivered = cron_deliveries(repo, tmp_path, dt.date(2022, 5, 30))
    replayed = replayed_deliveries(repo, "2022-05-02..2022-05-30")
    assert replayed == delivered
    assert "2022-05-24" not in delivered  # KG more aid: silenced
    assert "2022-05-28" in delivered  # KG late aid: the silence has expired


def test_known_at_reads_the_silences_committed_then(repo: Path) -> None:
    """A silence of KG committed on 23 May (until 27 May), and one of KZ in the working tree
    only: `--known-at` honours the first on the days it was committed and active, never the
    second (the working tree is never mixed in)."""
    silence = (
        '[[silence]]\nid = "kg-desk"\nmatcher = "country:KG"\nuntil = 2022-05-27\n'
        'reason = "the KG desk has it"\nby = "Ann"\n'
    )
    write_files(repo, {"silences.toml": silence})
    subprocess.run(["git", "rm", "-q", "--cached", "events/uz-draft.toml"], cwd=repo)
    (repo / "events/uz-draft.toml").unlink()
    subprocess.run(["git", "checkout", "-q", "--", "events/kg-trade.toml"], cwd=repo, check=True)
    commit(repo, "2022-05-23", "Ann", "Silence KG")
    kz = '[[silence]]\nid = "kz-desk"\nmatcher = "country:KZ"\nuntil = 2022-12-31\nreason = "local"\nby = "Bob"\n'
    write_files(repo, {"silences.toml": silence + "\n" + kz})

    def held_back(day: str) -> set[str]:
        result = run("digest", "--known-at", day, "--dry-run", "--format", "json", root=repo)
        assert result.exit_code == 0, result.stderr
        return {a["silence"] for a in json.loads(result.stdout)["suppressed"]["alerts"]}

    def marked(day: str) -> set[str]:
        result = run("alerts", "--known-at", day, "--format", "json", root=repo)
        assert result.exit_code == 0, result.stderr
        return {a["country"] for a in json.loads(result.stdout)["alerts"] if a["silence"]}

    assert held_back("2022-05-20") == set() and marked("2022-05-20") == set()  # not yet committed
    assert held_back("2022-05-24") == {"kg-desk"} and marked("2022-05-24") == {"KG"}
    assert held_back("2022-05-28") == set() and marked("2022-05-28") == set()  # expired then
    now = run("alerts", "--format", "json", root=repo)  # the working tree's: kz-desk applies
    assert "KZ" in {a["country"] for a in json.loads(now.stdout)["alerts"] if a["silence"]}


def test_replay_lists_only_the_days_asked_for(repo: Path) -> None:
    result = run("alerts", "--replay", "2022-05-13..2022-05-19", root=repo)
    assert result.exit_code == 0, result.stderr
    days = sorted({line.split("\t")[0] for line in result.stdout.splitlines()})
    assert days == ["2022-05-13", "2022-05-16", "2022-05-19"]
    assert "\tupcoming\tKG\t" in result.stdout
    refused = run("alerts", "--replay", "2022-05..", "--as-of", "2022-05-31", root=repo)
    assert refused.exit_code == 2
    assert "leave out --as-of" in refused.stderr


def test_replay_parses_only_what_each_commit_changed(repo: Path) -> None:
    workspace = Workspace(str(repo), {"ORBIT_TODAY": "2022-05-31"}, repo)
    found = replay(workspace, parse([]), "2022-05-02..2022-05-16", dt.date(2022, 5, 31))
    # six commits, five seen by the daily cron (two landed on 9 May); six file versions in
    # all (kz-aid, kg-trade, kz-early and kg-summit, the renamed kz-aid, kg-aid), each parsed
    # once: the files a commit left alone are reused
    assert (found.commits, found.parsed) == (5, 6)


# -- docs/backtesting.md: the worked example is the real output --------------------------------


def test_the_backtesting_worked_example_is_the_real_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re
    import shlex

    from click.testing import CliRunner

    from orbitwatch.cli import cli
    from tests.conftest import REPO
    from tests.test_docs import TRANSCRIPT_ENV, transcript_blocks

    page = REPO / "docs" / "backtesting.md"
    text = page.read_text(encoding="utf-8")
    script = re.search(r"```sh\n(.*?)```", text, re.DOTALL)
    assert script is not None
    shipped = (REPO / "docs" / "desk.sh").read_text(encoding="utf-8")
    assert shipped.endswith("\nset -euo pipefail\n" + script.group(1))  # the page shows the file
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    subprocess.run(["bash", str(REPO / "docs" / "desk.sh")], cwd=tmp_path, env=env, check=True)
    monkeypatch.chdir(tmp_path / "desk")
    updated = text
    for original, pairs in transcript_blocks(text):
        fresh = []
        for command, expected in pairs:
            argv = shlex.split(command)
            result = CliRunner().invoke(cli, argv[1:], env=TRANSCRIPT_ENV, catch_exceptions=False)
            assert result.exit_code == 0, (command, result.stderr)
            actual = "\n".join(line.rstrip() for line in result.stdout.splitlines())
            fresh.append(f"$ {command}\n{actual}".rstrip())
            if not os.environ.get("ORBIT_UPDATE_GOLDEN"):
                assert actual.rstrip() == expected.rstrip(), command
        updated = updated.replace(original, "```console\n" + "\n".join(fresh) + "\n```")
    if os.environ.get("ORBIT_UPDATE_GOLDEN"):
        page.write_text(updated, encoding="utf-8")
