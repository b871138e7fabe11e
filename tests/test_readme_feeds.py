"""The README's walk through machine-coded feeds runs as written, from a fresh checkout.

Every `$ orbit ...` line of the sections "Machine-coded feeds" and "The feed loop" runs in a
real process (its /tmp folders moved under the test's tmp_path); where the README shows output,
the output is compared line for line ('...' stands for lines the README leaves out). Left out:
the Spark line (tests/test_feed_spark.py runs that engine), the lines that need BigQuery (`bq`,
`--from result.csv`) and the editor.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

from tests.conftest import REPO, orbit_executable

SKIPPED = ("--engine spark", "--from result.csv", "$EDITOR", "bq query")


def feed_steps(readme: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for every `$ ` line of the feed sections."""
    start = readme.index("## Machine-coded feeds")
    end = readme.index("\n## ", start + 1)
    steps: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```(?:sh|text|console)\n(.*?)```", readme[start:end], re.DOTALL):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps and not line.startswith("*/"):
                steps[-1][1].append(line)
    return steps


def matches(expected: list[str], actual: list[str]) -> bool:
    """Each run of expected lines between '...' lines appears in order; the first run starts
    the output unless '...' comes first, and the last ends it unless '...' comes last."""
    runs: list[list[str]] = [[]]
    for line in expected:
        if line.strip() == "...":
            runs.append([])
        else:
            runs[-1].append(line.rstrip())
    if len(runs) == 1:
        return [line.rstrip() for line in actual] == runs[0]
    position = 0
    for index, run in enumerate(runs):
        if not run:
            continue
        found = next(
            (
                at
                for at in range(position, len(actual) - len(run) + 1)
                if [line.rstrip() for line in actual[at : at + len(run)]] == run
            ),
            None,
        )
        if found is None or (index == 0 and found != 0):
            return False
        position = found + len(run)
    return not runs[-1] or position == len(actual)


def test_the_matcher_reads_elisions() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert not matches(["a", "...", "d"], ["x", "a", "d"])
    assert matches(["...", "c"], ["a", "b", "c"])
    assert not matches(["a", "b"], ["a", "b", "c"])
    assert matches(["a", "..."], ["a", "b"])


def untracked() -> str:
    result = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout


def test_the_readme_feed_walkthrough_runs_as_written(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    steps = feed_steps(readme)
    assert len(steps) >= 10
    eval_dir = tmp_path / "eval"
    places = {  # the README's paths, rewritten to this test's own folder
        "/tmp/gdelt": str(tmp_path / "gdelt"),
        "/tmp/eval": str(tmp_path / "eval"),
        "> q.sql": f"> {tmp_path / 'q.sql'}",  # run from the checkout: written under tmp_path
    }
    before = untracked()
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "ORBIT_NO_CACHE": "1"}
    env["PATH"] = f"{Path(orbit_executable()[0]).parent}{os.pathsep}{env.get('PATH', '')}"
    cwd = REPO
    ran = 0
    for command, expected in steps:
        if any(part in command for part in SKIPPED):
            continue
        for old, new in places.items():
            command = command.replace(old, new)
        if command.startswith("orbit check drafts/") and "&& mv" in command:
            draft = cwd / shlex.split(command)[2]  # what the analyst's editor does
            text = draft.read_text(encoding="utf-8")
            text = re.sub(r'^title = ""', 'title = "A drafted event"', text, flags=re.M)
            text = re.sub(r'^summary = ""', 'summary = "Written by the analyst."', text, flags=re.M)
            draft.write_text(text, encoding="utf-8")
        shell, _, piped = command.partition(" | jq -c ")
        result = subprocess.run(
            ["bash", "-c", shell], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode in (0, 1), (command, result.stderr)
        output = result.stdout + result.stderr  # what a terminal shows
        for old, new in places.items():
            output = output.replace(new, old)  # the README's paths, for the comparison
        if piped:
            output = json.dumps(json.loads(result.stdout)[piped.lstrip(".")], separators=(",", ":"))
        if expected:
            assert matches(expected, output.splitlines()), (command, output)
        if command.endswith(f"&& cd {eval_dir}"):
            cwd = eval_dir
        ran += 1
    assert ran >= 9
    assert (tmp_path / "q.sql").read_text(encoding="utf-8").startswith("WITH")
    assert untracked() == before  # nothing written into the checkout
    assert (eval_dir / "events" / "2022").is_dir()
