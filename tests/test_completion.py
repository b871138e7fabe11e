"""Shell completion through click's protocol: commands, options, and values from the timeline."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import REPO, cron_env, orbit_executable


def complete(words: str, cword: int, *, tmp: Path, cwd: Path = REPO) -> tuple[list[str], str]:
    """Completion values and stderr; home, state and cache live under the test's tmp."""
    env = cron_env(
        tmp,
        _ORBIT_COMPLETE="bash_complete",
        COMP_WORDS=words,
        COMP_CWORD=str(cword),
    )
    result = subprocess.run(
        orbit_executable(), env=env, cwd=cwd, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0
    values = [line.split(",", 1)[1] for line in result.stdout.splitlines() if "," in line]
    return values, result.stderr


def test_event_ids_for_show(tmp_path: Path) -> None:
    values, err = complete("orbit show 2022-05-1", 2, tmp=tmp_path)
    assert values == [
        "2022-05-10-us-security-aid-tajikistan",
        "2022-05-12-matvienko-central-asia-forum",
        "2022-05-16-csto-summit-moscow",
    ]
    assert err == ""


def test_country_tag_actor_and_rule_values(tmp_path: Path) -> None:
    assert complete("orbit list country:K", 2, tmp=tmp_path)[0] == ["country:KG", "country:KZ"]
    assert complete("orbit list country:KZ,T", 2, tmp=tmp_path)[0] == [
        "country:KZ,TJ",
        "country:KZ,TM",
        "country:KZ,TR",
    ]
    tags, _ = complete("orbit list tag:", 2, tmp=tmp_path)
    assert "tag:drones" in tags and "tag:security-aid" in tags
    assert complete("orbit list not:actor:CS", 2, tmp=tmp_path)[0] == ["not:actor:CSTO"]
    assert "rule:bloc-cohesion" in complete("orbit signals rule:b", 2, tmp=tmp_path)[0]
    assert complete("orbit list cou", 2, tmp=tmp_path)[0] == ["country:"]


def test_format_names_and_commands(tmp_path: Path) -> None:
    assert complete("orbit list --format ", 3, tmp=tmp_path)[0] == [
        "table",
        "plain",
        "json",
        "jsonl",
        "csv",
        "ids",
    ]
    assert complete("orbit sig", 1, tmp=tmp_path)[0] == ["signals"]
    assert "timelinejs" in complete("orbit render --format ", 3, tmp=tmp_path)[0]


def test_revisions_for_diff(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "events").mkdir(parents=True)
    for args in (
        ["init", "-q", "-b", "main"],
        ["commit", "-q", "--allow-empty", "-m", "x"],
        ["tag", "v1"],
    ):
        subprocess.run(
            ["git", *args],
            cwd=repo,
            check=True,
            capture_output=True,
            env={
                **cron_env(tmp_path),
                "GIT_AUTHOR_NAME": "t",
                "GIT_COMMITTER_NAME": "t",
                "GIT_AUTHOR_EMAIL": "t@e",
                "GIT_COMMITTER_EMAIL": "t@e",
            },
        )
    assert complete("orbit diff ", 2, cwd=repo, tmp=tmp_path)[0] == ["HEAD", "main", "v1"]


def test_a_broken_timeline_completes_nothing_silently(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "orbit.toml").write_text("this is [not toml", encoding="utf-8")
    (tmp_path / "events" / "x.toml").write_text("\x00\x01", encoding="utf-8")
    values, err = complete("orbit show ", 2, cwd=tmp_path, tmp=tmp_path)
    assert (values, err) == ([], "")
    nowhere = tmp_path / "empty"
    nowhere.mkdir()
    assert complete("orbit list country:", 2, cwd=nowhere, tmp=tmp_path) == ([], "")


def test_silence_ids_and_fingerprints(tmp_path: Path) -> None:
    from tests.conftest import DIGEST_EVENTS, DIGEST_SETTINGS, run, write_files

    root = write_files(tmp_path / "t", {**DIGEST_EVENTS, "orbit.toml": DIGEST_SETTINGS})
    added = run(
        "silence", "add", "country:KG", "--until", "5d", "--reason", "r", "--by", "A", root=root
    )
    sid = added.stdout.strip()
    values, err = complete(f"orbit --root {root} silence expire s-", 5, tmp=tmp_path)
    assert (values, err) == ([sid], "")
    values, err = complete(f"orbit --root {root} ack v1-", 4, tmp=tmp_path)
    assert len(values) == 3 and all(v.startswith("v1-") for v in values), err
    # without v1-: the short fingerprints orbit alerts shows
    shown = run("alerts", "--format", "plain", root=root).stdout.splitlines()
    shorts = sorted(line.split("\t")[-1] for line in shown)
    values, err = complete(f"orbit --root {root} ack {shorts[0][:1]}", 4, tmp=tmp_path)
    assert values == [s for s in shorts if s.startswith(shorts[0][:1])], err


def test_option_values_complete_from_the_timeline(tmp_path: Path) -> None:
    assert complete("orbit list --tag dr", 3, tmp=tmp_path)[0] == ["drones"]
    assert complete("orbit list --actor CS", 3, tmp=tmp_path)[0] == ["CSTO"]
    assert complete("orbit add --country K", 3, tmp=tmp_path)[0] == ["KG", "KZ"]
    assert complete("orbit add --tag dr", 3, tmp=tmp_path)[0] == ["drones"]
    assert complete("orbit add --actor CS", 3, tmp=tmp_path)[0] == ["CSTO"]


def test_values_with_spaces_come_back_quoted_for_bash(tmp_path: Path) -> None:
    assert complete("orbit list actor:Fed", 2, tmp=tmp_path)[0] == ['actor:"Federation Council"']
    assert complete("orbit list --actor Fed", 3, tmp=tmp_path)[0] == ['"Federation Council"']
    assert complete("orbit add --actor Fed", 3, tmp=tmp_path)[0] == ['"Federation Council"']


def test_zsh_gets_values_unquoted_as_it_quotes_them_itself(tmp_path: Path) -> None:
    env = cron_env(
        tmp_path,
        _ORBIT_COMPLETE="zsh_complete",
        COMP_WORDS="orbit list --actor Fed",
        COMP_CWORD="3",
    )
    result = subprocess.run(
        orbit_executable(), env=env, cwd=REPO, capture_output=True, text=True, timeout=30
    )
    assert result.stdout.splitlines() == ["plain", "Federation Council", "_"]


def test_explain_does_not_offer_the_pole(tmp_path: Path) -> None:
    explain, _ = complete("orbit signals --explain ", 3, tmp=tmp_path)
    assert "RU" not in explain and {"KZ", "KG", "TJ"} <= set(explain)
    only, _ = complete("orbit signals --country R", 3, tmp=tmp_path)
    assert only == []
    assert "country:RU" in complete("orbit list country:R", 2, tmp=tmp_path)[0]
