"""Freshness from git (issue 31): in a git work tree the index trusts git's word for the files
it tracks unchanged, and every case that bites gives the answer `--no-cache` gives.

Each test changes a real git timeline the way a user would, runs the real `orbit` with its
cache (warm: a first run made the index) and compares stdout, stderr and exit status with a run
that reads every file (`--no-cache`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from orbitwatch.timeline.freshness import survey
from orbitwatch.timeline.load import load_timeline
from tests.conftest import REPO, cron_env, run_process

OLD = time.time() - 3600  # older than the index's racy window: stat entries are kept


def event(title: str, country: str = "KZ", day: str = "2021-03-04") -> str:
    return f'date = {day}\ntitle = "{title}"\ncountries = ["{country}"]\nstatus = "occurred"\n'


def git(repo: Path, *args: str) -> str:
    identity = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org"}
    identity |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    done = subprocess.run(
        ["git", "-c", "protocol.file.allow=always", *args],
        cwd=repo,
        env={**os.environ, **identity},
        check=True,
        capture_output=True,
    )
    return done.stdout.decode()


def write(path: Path, text: str, when: float | None = OLD) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if when is not None:
        os.utime(path, (when, when))


def timeline(folder: Path, files: dict[str, str]) -> Path:
    """A committed git timeline holding these event files (old modification times)."""
    (folder / "events").mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        write(folder / rel, text)
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "events")
    return folder


THREE = {
    "events/2021/a.toml": event("alpha"),
    "events/2021/b.toml": event("bravo", "TJ"),
    "events/c.toml": event("charlie", day="2021-05-06"),
}


def answers(root: Path, env: dict[str, str], *args: str) -> tuple[object, object]:
    """(the cached answer, warm, after one run that may make or refresh the index; the answer
    of `--no-cache`, read from every file)."""

    def one(*options: str) -> tuple[int, bytes, bytes]:
        done = run_process("--root", str(root), *options, *args, env=env)
        return done.returncode, done.stdout, done.stderr

    one()
    return one(), one("--no-cache")


def same(root: Path, env: dict[str, str], *commands: tuple[str, ...]) -> None:
    for args in commands or (("list", "--format", "json"), ("check",)):
        cached, reference = answers(root, env, *args)
        assert cached == reference


def titles(root: Path, env: dict[str, str]) -> list[str]:
    done = run_process("--root", str(root), "list", "--format", "ids", env=env)
    assert done.returncode in (0, 1), done.stderr
    return sorted(done.stdout.decode().split())


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cron_env(tmp_path)


def test_git_vouches_for_tracked_files_so_a_touched_file_is_not_parsed_again(
    tmp_path: Path,
) -> None:
    root = timeline(tmp_path / "tl", THREE)
    assert survey(root).by_git
    assert load_timeline(root).parsed == 3  # cold
    assert load_timeline(root).parsed == 0  # warm
    (root / "events/2021/a.toml").unlink()
    git(root, "checkout", "--", "events/2021/a.toml")  # a new file, the same bytes
    assert load_timeline(root).parsed == 0  # git says it is the blob the index parsed
    outside = tmp_path / "copy"
    shutil.copytree(root, outside, ignore=shutil.ignore_patterns(".git"))
    assert not survey(outside).by_git
    assert load_timeline(outside).parsed == 3
    (outside / "events/2021/a.toml").write_bytes((root / "events/2021/a.toml").read_bytes())
    os.utime(outside / "events/2021/a.toml", (OLD, OLD))
    assert load_timeline(outside).parsed == 1  # outside git the stat decides


def test_a_file_edited_twice_within_one_second(tmp_path: Path, env: dict[str, str]) -> None:
    root = timeline(tmp_path / "tl", THREE)
    same(root, env)
    path = root / "events/2021/a.toml"
    moment = time.time() - 1800
    write(path, event("alphb"), moment)  # same size, one modification time for both edits
    same(root, env)
    write(path, event("alphc"), moment)
    same(root, env)
    git(root, "add", "events/2021/a.toml")  # git's index now records the second edit
    write(path, event("alphd"), moment)
    same(root, env)
    assert "alphd" in run_process("--root", str(root), "list", env=env).stdout.decode()


def test_a_file_changed_and_reverted(tmp_path: Path, env: dict[str, str]) -> None:
    root = timeline(tmp_path / "tl", THREE)
    same(root, env)
    write(root / "events/c.toml", event("changed", day="2021-05-06"))
    same(root, env)
    git(root, "checkout", "--", "events/c.toml")  # back to the committed bytes
    same(root, env)
    listed = run_process("--root", str(root), "list", env=env).stdout.decode()
    assert "charlie" in listed and "changed" not in listed


def test_renames_staged_and_not(tmp_path: Path, env: dict[str, str]) -> None:
    root = timeline(tmp_path / "tl", THREE)
    same(root, env)
    git(root, "mv", "events/2021/a.toml", "events/2021/a2.toml")
    same(root, env)
    os.rename(root / "events/2021/b.toml", root / "events/b-moved.toml")  # git not told
    same(root, env)
    assert titles(root, env) == ["a2", "b-moved", "c"]


def test_a_file_git_ignores_is_read_as_the_walk_reads_it(
    tmp_path: Path, env: dict[str, str]
) -> None:
    root = timeline(tmp_path / "tl", {**THREE, ".gitignore": "events/private/\n*.tmp\n"})
    same(root, env)
    write(root / "events/private/secret.toml", event("ignored by git"))
    write(root / "events/2021/.a.toml.123.tmp", event("leftover"))  # our own temporary
    same(root, env)
    assert "secret" in titles(root, env)
    checked = run_process("--root", str(root), "check", env=env)
    assert b"leftover temporary file" in checked.stderr


def test_a_sparse_checkout(tmp_path: Path, env: dict[str, str]) -> None:
    source = timeline(tmp_path / "source", {**THREE, "events/2022/d.toml": event("delta")})
    root = tmp_path / "sparse"
    git(tmp_path, "clone", "-q", "--sparse", str(source), str(root))
    git(root, "sparse-checkout", "set", "events/2021")
    assert not (root / "events/2022").exists()
    same(root, env)
    assert titles(root, env) == ["a", "b", "c"]  # cone mode keeps the files of parents
    git(root, "sparse-checkout", "set", "events")  # widen
    same(root, env)
    git(root, "sparse-checkout", "set", "events/2021")  # and narrow again
    same(root, env)
    write(root / "events/2022/d.toml", event("written where the checkout is sparse"))
    same(root, env)
    assert titles(root, env) == ["a", "b", "c", "d"]


def test_a_shallow_clone(tmp_path: Path, env: dict[str, str]) -> None:
    source = timeline(tmp_path / "source", THREE)
    write(source / "events/d.toml", event("delta"))
    git(source, "add", "-A")
    git(source, "commit", "-qm", "more")
    root = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{source}", str(root))
    assert git(root, "rev-parse", "--is-shallow-repository").strip() == "true"
    same(root, env)
    write(root / "events/d.toml", event("delta edited"))
    same(root, env)
    assert titles(root, env) == ["a", "b", "c", "d"]


def test_a_dirty_submodule_inside_events(tmp_path: Path, env: dict[str, str]) -> None:
    external = timeline(tmp_path / "external", {"events/x.toml": event("external")})
    root = timeline(tmp_path / "tl", THREE)
    git(root, "submodule", "add", "-q", str(external), "events/ext")
    git(root, "commit", "-qm", "submodule")
    same(root, env)
    write(root / "events/ext/events/x.toml", event("external, edited"))  # dirty submodule
    write(root / "events/ext/y.toml", event("new in the submodule"))
    same(root, env)
    assert not survey(root).by_git  # git lists a submodule as one entry: the walk reads it
    assert "y" in titles(root, env)


def test_assume_unchanged_and_untracked_and_deleted_files(
    tmp_path: Path, env: dict[str, str]
) -> None:
    root = timeline(tmp_path / "tl", THREE)
    same(root, env)
    git(root, "update-index", "--assume-unchanged", "events/2021/b.toml")
    write(root / "events/2021/b.toml", event("bravo, edited where git does not look", "TJ"))
    write(root / "events/new.toml", event("untracked"))
    (root / "events/c.toml").unlink()
    same(root, env)
    listed = run_process("--root", str(root), "list", env=env).stdout.decode()
    assert "git does not look" in listed and "untracked" in listed and "charlie" not in listed


def test_a_timeline_below_the_top_of_its_repository(tmp_path: Path, env: dict[str, str]) -> None:
    repository = timeline(tmp_path / "repo", {f"desk/{rel}": text for rel, text in THREE.items()})
    root = repository / "desk"
    assert survey(root).by_git
    same(root, env)
    write(root / "events/c.toml", event("edited below the top", day="2021-05-06"))
    same(root, env)


def test_symbolic_links_and_odd_folders_fall_back_to_the_walk(
    tmp_path: Path, env: dict[str, str]
) -> None:
    root = timeline(tmp_path / "tl", THREE)
    (root / "events/link.toml").symlink_to("c.toml")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "a link")
    assert not survey(root).by_git
    same(root, env)
    (root / "events/link.toml").unlink()
    git(root, "commit", "-qam", "no link")
    write(root / "events/folder.toml/inner.toml", event("in a folder named like an event"))
    assert not survey(root).by_git
    same(root, env)


def test_without_git_the_walk_answers(tmp_path: Path, env: dict[str, str]) -> None:
    root = timeline(tmp_path / "tl", THREE)
    bare = {**env, "PATH": str(tmp_path / "no-such-folder")}  # orbit runs by its full path
    same(root, bare)
    write(root / "events/c.toml", event("edited", day="2021-05-06"))
    same(root, bare)
    assert "edited" in run_process("--root", str(root), "list", env=bare).stdout.decode()


def test_marks_of_a_file_changed_too_recently_for_its_stat_to_count(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """git vouches for a file modified within the racy window: its entry is kept under its
    content key with no stat, and the marks' snapshot must tell two such versions apart."""
    root = tmp_path / "tl"
    shutil.copytree(REPO / "events", root / "events")
    shutil.copy(REPO / "orbit.toml", root / "orbit.toml")
    path = root / "events/2022/2022-05-turkey-kazakhstan-anka-drones.toml"
    future = time.time() + 3600  # always too recent for a stat to be trusted
    os.utime(path, (future, future))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "events")
    signals = ("signals", "--format", "json")
    same(root, env, signals)
    text = path.read_text("utf-8")
    assert 'act = "cooperate"' in text
    write(path, text.replace('act = "cooperate"', 'act = "threaten"', 1), future)
    git(root, "add", "-A")
    same(root, env, signals, ("list", "stance:away", "--format", "ids"))
    assert load_timeline(root).parsed == 0  # kept by its content key, stat or no stat


def test_no_command_named_by_the_repository_runs(tmp_path: Path, env: dict[str, str]) -> None:
    """A cloned repository may name a fsmonitor hook in its config: freshness never runs it."""
    root = timeline(tmp_path / "tl", THREE)
    marker = tmp_path / "hook-ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    git(root, "config", "core.fsmonitor", str(hook))
    subprocess.run(["git", "status"], cwd=root, capture_output=True, check=False)
    assert marker.exists()  # git itself runs it
    marker.unlink()
    same(root, env)
    assert survey(root).by_git
    assert not marker.exists()


def test_a_file_in_a_merge_conflict(tmp_path: Path, env: dict[str, str]) -> None:
    """An unmerged file has one git entry per stage: it is one file, judged by its stat."""
    root = timeline(tmp_path / "tl", THREE)
    git(root, "checkout", "-q", "-b", "other")
    write(root / "events/c.toml", event("charlie on the other branch", day="2021-05-06"))
    git(root, "commit", "-qam", "other")
    git(root, "checkout", "-q", "main")
    write(root / "events/c.toml", event("charlie on main", day="2021-05-06"))
    git(root, "commit", "-qam", "main")
    merged = subprocess.run(["git", "merge", "other"], cwd=root, capture_output=True, check=False)
    assert merged.returncode != 0  # a conflict: events/c.toml holds conflict markers
    assert "<<<<<<<" in (root / "events/c.toml").read_text("utf-8")
    assert survey(root).by_git
    same(root, env)
    write(root / "events/c.toml", event("charlie, resolved", day="2021-05-06"))
    same(root, env)
    assert titles(root, env) == ["a", "b", "c"]
