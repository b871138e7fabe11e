"""The quality gates, run by the suite itself so `python -m pytest` (CI's command) enforces them.

ruff check and ruff format --check (configured in pyproject.toml) over src, tests and
benchmarks; mypy --strict over the whole package; vulture for dead code. A missing tool fails.
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


def python_files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_ruff_is_clean() -> None:
    result = run(*tool("ruff"), "check", *LINTED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = run(*tool("ruff"), "format", "--check", *LINTED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_the_whole_package(tmp_path: Path) -> None:
    result = run(*tool("mypy"), "--strict", "--cache-dir", str(tmp_path), "src/orbitwatch")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_dead_code() -> None:
    """vulture finds no unused function, class, variable or import; the names it cannot see
    used (click commands, overrides of library methods) are listed in tests/vulture_allow.py."""
    result = run(
        *tool("vulture"), "src/orbitwatch", "tests/vulture_allow.py", "--min-confidence", "60"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dead_code_check_finds_an_unused_function(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def used() -> int:\n    return 1\n\n\ndef unused() -> int:\n    return used()\n"
    )
    result = run(*tool("vulture"), str(sample), "--min-confidence", "60")
    assert result.returncode == 3 and "unused function 'unused'" in result.stdout
