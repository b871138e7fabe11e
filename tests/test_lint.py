"""The quality gates, run by the suite itself so `python -m pytest` (CI's command) enforces them.

ruff check and ruff format --check (configured in pyproject.toml) over src, tests and
benchmarks; mypy --strict over the core and plain mypy over the CLI. A missing tool fails.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src" / "orbitwatch"
LINTED = ["src", "tests", "benchmarks"]


def tool(module: str) -> list[str]:
    """The tool as `python -m module` from this interpreter; a failure when it is missing."""
    if importlib.util.find_spec(module) is None:
        pytest.fail(f"{module} is not installed: pip install -e '.[test]' brings it")
    return [sys.executable, "-m", module]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, check=False)


def is_cli(path: Path) -> bool:
    """cli.py today, the cli/ package tomorrow: both get plain mypy, everything else --strict."""
    rel = path.relative_to(SRC).as_posix()
    return rel == "cli.py" or rel.startswith("cli/")


def python_files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_ruff_is_clean() -> None:
    result = run(*tool("ruff"), "check", *LINTED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = run(*tool("ruff"), "format", "--check", *LINTED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_split_covers_every_module() -> None:
    core = [p for p in python_files() if not is_cli(p)]
    cli = [p for p in python_files() if is_cli(p)]
    assert cli and len(core) > 20 and (SRC / "timeline" / "load.py") in core


def test_mypy_strict_on_the_core(tmp_path: Path) -> None:
    core = [str(p.relative_to(REPO)) for p in python_files() if not is_cli(p)]
    result = run(*tool("mypy"), "--strict", "--cache-dir", str(tmp_path), *core)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_on_the_cli(tmp_path: Path) -> None:
    cli = [str(p.relative_to(REPO)) for p in python_files() if is_cli(p)]
    result = run(*tool("mypy"), "--cache-dir", str(tmp_path), *cli)
    assert result.returncode == 0, result.stdout + result.stderr
