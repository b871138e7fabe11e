"""Hardening III (issue 29), the edges: time travel reads the past whole, committed content
never stops a cron job, bad arguments are usage errors, nothing is unbounded or hangs.

Every test drives the real `orbit` command in a subprocess over real files and git history."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_process, settings_toml, write_files

XK_SETTINGS = settings_toml(["KZ", "XK"], []) + '\n[countries]\nXK = "Kosovo"\n'
PLAIN_SETTINGS = settings_toml(["KZ"], [])
AID = '[[rules]]\nid = "aid"\ntitle = "Aid"\nwhen = "tag:aid"\nstance = "away"\nweight = 3\n'


def git_commit(root: Path, message: str, stamp: str = "2022-05-02T12:00:00+00:00") -> str:
    """Commit everything under root with a fixed date (any GIT_COMMITTER_DATE git takes)."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Ann",
        "GIT_AUTHOR_EMAIL": "ann@example.org",
        "GIT_COMMITTER_NAME": "Ann",
        "GIT_COMMITTER_EMAIL": "ann@example.org",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    if not (root / ".git").exists():
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    for args in (["add", "-A"], ["commit", "-q", "-m", message]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, check=True)
    return out.stdout.decode().strip()


# -- 1. time travel reads the past whole ------------------------------------------------------


@pytest.fixture
def kosovo(write_events: Callable[..., Path]) -> Path:
    """A commit whose orbit.toml declares XK (Kosovo) and an event there; the working tree has
    since dropped the declaration and the aid rule."""
    root = write_events(
        {
            "events/xk.toml": 'date = 2022-05-01\ntitle = "XK aid"\ncountries = ["XK"]\n'
            'tags = ["aid"]\n'
        },
        XK_SETTINGS + "\n" + AID,
    )
    git_commit(root, "Kosovo declared")
    write_files(root, {"orbit.toml": PLAIN_SETTINGS})
    return root


def test_known_at_takes_countries_and_names_from_the_commit_it_reads(kosovo: Path) -> None:
    listed = run_process("list", "--known-at", "HEAD", "country:XK", "--format", "ids", cwd=kosovo)
    assert (listed.returncode, listed.stderr) == (0, b"")
    assert listed.stdout == b"xk\n"
    shown = run_process("show", "xk", "--known-at", "HEAD", cwd=kosovo)
    assert (shown.returncode, shown.stderr) == (0, b"")
    assert b"countries  XK Kosovo" in shown.stdout
    scored = run_process("signals", "--known-at", "HEAD", cwd=kosovo)
    assert (scored.returncode, scored.stderr) == (0, b"")
    assert b"XK\tKosovo\t" in scored.stdout
    # The working tree, which no longer declares XK, still refuses the term.
    now = run_process("list", "country:XK", cwd=kosovo)
    assert now.returncode == 2
    assert b"orbit.toml does not declare" in now.stderr


def test_digest_known_at_takes_its_rules_from_the_commit_it_reads(kosovo: Path) -> None:
    result = run_process(
        "digest", "--dry-run", "--known-at", "HEAD", "--format", "json", cwd=kosovo
    )
    assert (result.returncode, result.stderr) == (0, b"")
    kinds = [(a["kind"], a["rule"], a["country"]) for a in json.loads(result.stdout)["alerts"]]
    assert ("signal", "aid", "XK") in kinds


def test_replay_reports_each_commits_silences_problems_naming_the_commit(
    write_events: Callable[..., Path],
) -> None:
    aid = 'date = 2022-05-01\ntitle = "KZ aid"\ncountries = ["KZ"]\ntags = ["aid"]\n'
    root = write_events({"events/kz.toml": aid}, PLAIN_SETTINGS + "\n" + AID)
    bad = (
        '[[silence]]\nid = "s1"\nmatcher = "country:KZ"\nuntil = 2022-06-30\n'
        'reason = "r"\nby = "Ann"\ncolour = "red"\n'
    )
    write_files(root, {"silences.toml": bad})
    first = git_commit(root, "a silence with a stray key", "2022-05-02T12:00:00+00:00")
    write_files(root, {"silences.toml": bad.replace('colour = "red"\n', "")})
    git_commit(root, "the silence fixed", "2022-05-04T12:00:00+00:00")
    checked = run_process("check", cwd=root)
    assert checked.returncode == 0, checked.stderr
    write_files(root, {"silences.toml": bad})
    says = run_process("check", cwd=root).stderr.decode()
    assert says.startswith("silences.toml:7:1: error: ")
    (root / "silences.toml").unlink()
    result = run_process("alerts", "--replay", "2022-05-02..2022-05-05", cwd=root)
    assert result.returncode == 2
    assert result.stderr.decode() == f"{first[:10]}:{says}"
