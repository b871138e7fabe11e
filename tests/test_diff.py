"""orbit diff between git revisions and folders, in a real git repository made by the test."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import AID_RULE, cron_env, run, run_process, settings_toml, write_files

SETTINGS = settings_toml(["KZ", "KG"], [AID_RULE], half_life="100d", levels={"watch": 3.0})


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """v1: a, b, c; v2: a changed, b removed, c renamed to c2, d added, rule weight 2 -> 3."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_files(
        root,
        {
            "orbit.toml": SETTINGS,
            "events/a.toml": 'date = 2022-05-01\ntitle = "Aid A"\ncountries = ["KZ"]\ntags = ["aid"]\n',
            "events/b.toml": 'date = 2022-05-02\ntitle = "Gone"\ncountries = ["KG"]\n',
            "events/c.toml": 'date = 2022-05-03\ntitle = "Renamed later"\nsummary = "Same text."\n'
            'countries = ["KG"]\n',
        },
    )
    git(root, "add", "-A")
    git(root, "commit", "-qm", "v1")
    git(root, "tag", "v1")
    write_files(
        root,
        {
            "orbit.toml": SETTINGS.replace("weight = 2", "weight = 3"),
            "events/a.toml": 'date = 2022-05-01\ntitle = "Aid A, reworded"\ncountries = ["KZ", "KG"]\n'
            'tags = ["aid"]\n',
            "events/sub/c2.toml": 'date = 2022-05-03\ntitle = "Renamed later"\nsummary = "Same text."\n'
            'countries = ["KG"]\n',
            "events/d.toml": 'date = 2022-05-04\ntitle = "New aid"\ncountries = ["KZ"]\ntags = ["aid"]\n',
        },
    )
    (root / "events" / "b.toml").unlink()
    (root / "events" / "c.toml").unlink()
    git(root, "add", "-A")
    git(root, "commit", "-qm", "v2")
    return root


def test_diff_between_revisions(repo: Path) -> None:
    result = run("diff", "v1", "HEAD", "--as-of", "2022-05-04", root=repo)
    assert result.exit_code == 1, result.stderr
    assert result.stdout == (
        "v1 -> HEAD: 1 added, 1 removed, 1 changed, 1 renamed, 1 settings/rules changed\n"
        "+ added    d  2022-05-04  New aid\n"
        "- removed  b  2022-05-02  Gone\n"
        "> renamed  c -> c2  2022-05-03  Renamed later\n"
        "~ changed  a  2022-05-01  Aid A, reworded\n"
        "      title: Aid A -> Aid A, reworded\n"
        "      countries: +KG\n"
        "~ rule     aid\n"
        "      weight: 2 -> 3\n"
        "\n"
        "signal impact on 2022-05-04:\n"
        # KZ: old 2 x 0.5^(3/100); new 3 x 0.5^(3/100) + 3 = 5.94 (watch)
        "  KZ  +1.96 (none) -> +5.94 (watch)  because: d, a, orbit.toml\n"
        # KG: a now involves KG: 3 x 0.5^(3/100); b (removed) and c2 (renamed) had no reading
        "  KG  +0.00 (none) -> +2.94 (none)  because: a, orbit.toml\n"
    )


def test_revision_against_the_working_tree_and_identical_sides(repo: Path) -> None:
    assert run("diff", "HEAD", root=repo).exit_code == 0
    assert run("diff", "HEAD", root=repo).stdout == "no differences between HEAD and working tree\n"
    (repo / "events" / "d.toml").write_text(
        'date = 2022-05-04\ntitle = "New aid"\ncountries = ["KZ"]\ntags = ["aid"]\nstatus = '
        '"rumored"\n',
        encoding="utf-8",
    )
    result = run("diff", "HEAD", "--format", "json", root=repo)
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 2 and doc["new"] == "working tree"
    assert doc["events"] == [
        {
            "kind": "changed",
            "id": "d",
            "old_id": "d",
            "date": "2022-05-04",
            "title": "New aid",
            "fields": [{"field": "status", "old": "occurred", "new": "rumored"}],
        }
    ]
    assert [i["country"] for i in doc["impact"]] == ["KZ"]


def test_terms_restrict_the_diff(repo: Path) -> None:
    result = run("diff", "v1", "HEAD", "country:KG", "--stat", root=repo)
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == (
        "v1 -> HEAD: 1 removed, 1 changed, 1 renamed, 1 settings/rules changed\n"
        "added\t0\nremoved\t1\nchanged\t1\nrenamed\t1\nrules\t1\nsettings\t0\n"
        "countries with a different score\t2\n"
    )
    only_terms = run("diff", "v1", "tag:aid", "--format", "json", root=repo)
    assert {e["id"] for e in json.loads(only_terms.stdout)["events"]} == {"a", "d"}


def test_between_folders(repo: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(repo, old, ignore=shutil.ignore_patterns(".git"))
    (old / "events" / "d.toml").unlink()
    result = run("diff", str(old), str(repo), "--stat", root=repo)
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == (
        f"{old} -> {repo}: 1 added\n"
        "added\t1\nremoved\t0\nchanged\t0\nrenamed\t0\nrules\t0\nsettings\t0\n"
        "countries with a different score\t1\n"
    )


def test_markdown_output(repo: Path) -> None:
    result = run("diff", "v1", "HEAD", "--format", "md", "--as-of", "2022-05-04", root=repo)
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == (
        "## v1 -> HEAD: 1 added, 1 removed, 1 changed, 1 renamed, 1 settings/rules changed\n"
        "\n"
        "- **added** d  2022-05-04  New aid\n"
        "- **removed** b  2022-05-02  Gone\n"
        "- **renamed** c -> c2  2022-05-03  Renamed later\n"  # our arrow, as in field lines
        "- **changed** a  2022-05-01  Aid A, reworded\n"
        "  - title: Aid A -> Aid A, reworded\n"
        "  - countries: +KG\n"
        "- **rule changed** `aid`\n"
        "  - weight: 2 -> 3\n"
        "\n"
        "### Signal impact on 2022-05-04\n"
        "\n"
        "| country | old | new | because |\n"
        "|---|---|---|---|\n"
        "| KZ | +1.96 (none) | +5.94 (watch) | d, a, orbit.toml |\n"
        "| KG | +0.00 (none) | +2.94 (none) | a, orbit.toml |\n"
    )


def test_markdown_escapes_event_text_and_keeps_its_own_arrows(repo: Path) -> None:
    write_files(repo, {"events/d.toml": 'date = 2022-05-04\ntitle = "<b>*New*</b> -> aid"\n'})
    result = run("diff", "HEAD", "--format", "md", root=repo)
    assert result.stdout.splitlines()[:4] == [
        "## HEAD -> working tree: 1 changed",
        "",
        r"- **changed** d  2022-05-04  &lt;b&gt;\*New\*&lt;/b&gt; -&gt; aid",
        r"  - title: New aid -> &lt;b&gt;\*New\*&lt;/b&gt; -&gt; aid",
    ]


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file under folder (git's own and the XDG state and cache aside), with its bytes."""
    skip = {".git", "xdg-state", "xdg-cache"}
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not skip & set(path.relative_to(folder).parts)
    }


@pytest.mark.parametrize("revision", ["-rf", "--output={tmp}/x", "-"])
def test_option_like_revisions_are_refused(repo: Path, tmp_path: Path, revision: str) -> None:
    """Refused before git sees them: one line on stderr, no output, no file written (git diff
    --output=FILE would write FILE)."""
    revision = revision.replace("{tmp}", str(tmp_path))
    before = files_under(tmp_path)
    result = run("diff", "--", revision, root=repo)
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        f"orbit: error: '{revision}' is not a revision: revisions may not start with '-'\n",
    )
    assert files_under(tmp_path) == before
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""


def test_unknown_revision_and_no_repository(repo: Path, tmp_path: Path) -> None:
    result = run("diff", "nosuchbranch", root=repo)
    assert (result.exit_code, result.stderr) == (
        2,
        f"orbit: error: 'nosuchbranch' does not name a commit in {repo}\n",
    )
    plain = tmp_path / "plain"
    write_files(plain, {"events/a.toml": 'date = 2022-05-01\ntitle = "x"\n'})
    outside = run_process(
        "--root",
        str(plain),
        "diff",
        "HEAD",
        env=cron_env(tmp_path, GIT_CEILING_DIRECTORIES=str(tmp_path)),
    )
    assert (outside.returncode, outside.stdout, outside.stderr.decode()) == (
        2,
        b"",
        f"orbit: error: {plain} is not in a git repository, so 'HEAD' cannot be read\n"
        "\n"
        "Give two timeline folders instead, or run git init.\n",
    )


def test_invalid_files_on_either_side_name_the_side(repo: Path) -> None:
    (repo / "events" / "bad.toml").write_text("date = \n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "broken")
    (repo / "events" / "bad.toml").unlink()
    result = run("diff", "HEAD", root=repo)
    assert result.exit_code == 2
    assert result.stderr.startswith("HEAD:events/bad.toml:1:8: error: invalid TOML")
    assert "- removed" not in result.stdout  # the broken file never loaded on the old side


def test_a_constant_number_of_git_processes(repo: Path, tmp_path: Path) -> None:
    for index in range(40):
        (repo / "events" / f"n{index}.toml").write_text(
            f'date = 2022-05-10\ntitle = "n{index}"\n', encoding="utf-8"
        )
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "many")
    real_git = shutil.which("git")
    assert real_git
    shim = tmp_path / "shim"
    shim.mkdir()
    log = tmp_path / "git.log"
    (shim / "git").write_text(f'#!/bin/sh\necho "$1 $2 $3" >> {log}\nexec {real_git} "$@"\n')
    (shim / "git").chmod(0o755)
    env = cron_env(tmp_path, PATH=f"{shim}:{os.environ['PATH']}")
    result = run_process("--root", str(repo), "diff", "v1", "HEAD", "--stat", env=env)
    assert result.returncode == 1, result.stderr
    calls = log.read_text().splitlines()
    assert len(calls) <= 12, calls  # per side: work-tree check, rev-parse x2, ls-tree, cat-file
    assert sum(1 for c in calls if "cat-file" in c) == 2


def test_a_hanging_or_failing_git_is_a_clean_error(repo: Path, tmp_path: Path) -> None:
    shim = tmp_path / "fake"
    shim.mkdir()
    (shim / "git").write_text("#!/bin/sh\necho boom >&2\nexit 3\n")
    (shim / "git").chmod(0o755)
    result = run_process(
        "--root", str(repo), "diff", "HEAD", env=cron_env(tmp_path, PATH=f"{shim}:/usr/bin:/bin")
    )
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert b"is not in a git repository" in result.stderr


def test_a_mass_rename_pairs_every_event_by_date() -> None:
    import datetime as dt

    from orbitwatch.diff.compare import compare_events
    from orbitwatch.model.event import Event, PartialDate

    def event(event_id: str, day: int, title: str) -> Event:
        date = PartialDate.day(2022, 1, 1)
        date = PartialDate(date.start + dt.timedelta(days=day), date.precision)
        return Event(id=event_id, path=f"events/{event_id}.toml", line=1, date=date, title=title)

    old = [event(f"old-{i}", i % 60, f"Event number {i}") for i in range(600)]
    new = [event(f"new-{i}", i % 60, f"Event number {i}") for i in range(600)]
    moved = event("new-moved", 400, "Event number 0")  # same content, another date: not a rename
    changes = compare_events([*old, event("old-moved", 0, "Event number 0")], [*new, moved])
    renames = {(c.old.id, c.new.id) for c in changes if c.kind == "renamed"}  # type: ignore[union-attr]
    assert {(f"old-{i}", f"new-{i}") for i in range(600)} <= renames
    assert ("old-moved", "new-moved") not in renames
