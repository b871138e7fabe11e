"""Every shell block of the README runs as written (issue 30), from the checkout, in order:
a block starts in the folder where the one before it ended (a `cd` carries on), so a
block may run in a timeline that an earlier README step made. Each line must exit 0 or 1 (1 is
the documented "yes" of `diff` and `check`), never with trouble.

What runs elsewhere, each for its stated reason:
- the two set-up lines at the top: `.ci/run` runs them (checked below to say the same);
- the "Machine-coded feeds" section: tests/test_readme_feeds.py runs it line by line;
- `ORBIT_UPDATE_GOLDEN=1 python -m pytest ...`: the suite itself;
- a completion line for a shell that is not installed.
The crontab blocks name placeholder paths ("replace the paths with yours"): their commands run
with those paths replaced by the test's own, so every option they show is real.
The README's scratch paths move under the test's tmp_path; nothing is written into the checkout.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

from tests.conftest import REPO, orbit_executable
from tests.test_readme_feeds import untracked

README = REPO / "README.md"
GOLDEN_REFRESH = "ORBIT_UPDATE_GOLDEN=1 python -m pytest"


def blocks(text: str, language: str) -> list[tuple[int, str]]:
    """(line number, body) of every fenced block in the language, feed sections left out."""
    start = text.index("## Machine-coded feeds")
    end = text.index("\n## ", start + 1)
    found = []
    for match in re.finditer(rf"^```{language}\n(.*?)^```$", text, re.DOTALL | re.MULTILINE):
        if not start <= match.start() < end:
            found.append((text.count("\n", 0, match.start()) + 2, match.group(1)))
    return found


def environment(tmp_path: Path) -> dict[str, str]:
    """The caller's environment as a user has it: orbit on the PATH, no fixed 'today', no
    GIT_ variables of the test runner; state and cache under tmp_path (the hermetic fixture)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.pop("ORBIT_TODAY", None)
    env["PATH"] = f"{Path(orbit_executable()[0]).parent}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(tmp_path / "home")
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / ".gitconfig").write_text(  # the analyst's own git identity
        "[user]\n\tname = Ann Analyst\n\temail = ann@example.org\n", encoding="utf-8"
    )
    return env


def script_of(body: str, places: dict[str, str]) -> tuple[str, int]:
    """A bash script running the block's lines in one shell (variables carry from line to
    line), stopping at the first line that exits above 1; and the number of lines run."""
    lines = []
    for raw in body.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        shell = re.search(r"~/\.(\w+?)rc\b|completions/orbit\.(\w+)", line)
        wanted = next((name for name in shell.groups() if name), "bash") if shell else "bash"
        if wanted != "bash":
            if shutil.which(wanted) is None:
                continue  # a completion line for a shell this machine lacks
            line = f"{wanted} -c {shlex.quote(line)}"
        for old, new in places.items():
            line = line.replace(old, new)
        lines.append(
            f"{line}\nstatus=$?\nif [ $status -gt 1 ]; then\n"
            f"  echo {shlex.quote('README line failed: ' + raw.strip())} $status >&2\n"
            "  exit $status\nfi"
        )
    return "\n".join(lines), len(lines)


def test_every_readme_shell_block_runs_as_written(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    places = {  # the README's /tmp paths, rewritten to this test's own folder
        "/tmp/desk-state.json": str(tmp_path / "desk-state.json"),
        "/tmp/desk": str(tmp_path / "desk"),
    }
    env = environment(tmp_path)
    before = untracked()
    where = tmp_path / "cwd"
    cwd, ran = REPO, 0
    sh_blocks = blocks(text, "sh")
    setup_line, setup = sh_blocks[0]
    assert setup_line == 4 and "pip install -e '.[test]' && python -m pytest" in setup
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -q -e '.[test]'" in ci and "python -m pytest" in ci
    for line, body in sh_blocks[1:]:
        if GOLDEN_REFRESH in body:
            continue
        script, count = script_of(body, places)
        result = subprocess.run(
            ["bash", "-c", f"{script}\npwd > {shlex.quote(str(where))}"],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, (f"README.md:{line}", result.stderr[-2000:])
        cwd = Path(where.read_text(encoding="utf-8").strip())
        ran += count
    assert ran >= 14  # diff 3, time travel 4, silences 6, bash completion 1
    assert (tmp_path / "desk" / "silences.toml").is_file()  # the silence block ran in the desk
    assert untracked() == before  # nothing written into the checkout


def test_the_crontab_lines_run_with_their_paths_replaced(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    env = environment(tmp_path)
    subprocess.run(["bash", str(REPO / "docs" / "desk.sh"), str(tmp_path / "desk")], env=env,
                   check=True, capture_output=True)  # fmt: skip
    mail = tmp_path / "mail.txt"
    places = {
        "/home/analyst/orbitwatch/.venv/bin/orbit": orbit_executable()[0],
        "/home/analyst/timeline": str(tmp_path / "desk"),
        "/home/analyst/.local/state/orbitwatch/timeline.json": str(tmp_path / "state.json"),
        '"sendmail -t -oi"': shlex.quote(f"tee {mail}"),
    }
    commands = [
        line.split(None, 5)[5]
        for _, body in blocks(text, "cron")
        for line in body.splitlines()
        if re.match(r"^[*\d]", line)
    ]
    assert len(commands) == 2
    for number, command in enumerate(commands):
        for old, new in places.items():
            command = command.replace(old, new)
        command = command.replace("state.json", f"state-{number}.json")  # each its own state
        assert "/home/analyst" not in command
        result = subprocess.run(
            ["bash", "-c", command], env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
    assert mail.read_text(encoding="utf-8").startswith("From: ")  # sendmail's stand-in got it
