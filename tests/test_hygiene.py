"""Meta-tests on the test files themselves: no test asserts on speed, none sets a hypothesis
deadline, and none writes outside its own tmp_path (conventions, Tests 17; issue 25).

Speed is measured in benchmarks/ (a loaded machine must not fail a test); hypothesis runs
without deadlines through the profile in conftest.py.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

TESTS = Path(__file__).parent
TIMERS = {
    "perf_counter",
    "perf_counter_ns",
    "monotonic",
    "monotonic_ns",
    "time",
    "time_ns",
    "process_time",
    "process_time_ns",
}
TEMPFILE_MAKERS = {
    "mkdtemp",
    "mkstemp",
    "TemporaryDirectory",
    "NamedTemporaryFile",
    "TemporaryFile",
    "SpooledTemporaryFile",
}
SHARED_TMP = "/" + "tmp"  # spelled in two parts so this file passes its own check


def _is_timer_call(node: ast.AST) -> bool:
    """time.monotonic(), time.time(), perf_counter() and the like."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr in TIMERS and isinstance(func.value, ast.Name) and func.value.id == "time"
    return isinstance(func, ast.Name) and func.id in TIMERS - {"time"}


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _timed(node: ast.AST, clocks: set[str]) -> bool:
    return any(_is_timer_call(n) for n in ast.walk(node)) or bool(_names(node) & clocks)


def _shared_tmp(text: str) -> bool:
    return text == SHARED_TMP or SHARED_TMP + "/" in text


def _rewritten_to_tmp_path(tree: ast.AST) -> set[int]:
    """The string keys of dict literals whose value is built from tmp_path: a documented path
    (a path the README shows) that the test rewrites to its own folder, never writes to."""
    keys: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and "tmp_path" in _names(value):
                    keys.add(id(key))
    return keys


def problems(source: str, name: str = "<test>") -> list[str]:
    """Every timing assertion, hypothesis deadline, shared /tmp path and tempfile call without
    dir= in one test file, as 'name:line: what'."""
    tree = ast.parse(source)
    found: list[tuple[int, str]] = []
    rewritten = _rewritten_to_tmp_path(tree)
    clocks: set[str] = set()  # names that hold a clock reading, or a time computed from one
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value:
            if _timed(node.value, clocks):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    clocks |= _names(target)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and _timed(node.test, clocks):
            found.append((node.lineno, "asserts on a time measurement (move it to benchmarks/)"))
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                value = keyword.value
                if keyword.arg == "deadline" and not (
                    isinstance(value, ast.Constant) and value.value is None
                ):
                    found.append((node.lineno, "sets a hypothesis deadline (use deadline=None)"))
            func = node.func
            maker = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if maker in TEMPFILE_MAKERS and not any(k.arg == "dir" for k in node.keywords):
                found.append((node.lineno, f"{maker}() without dir= (use tmp_path)"))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _shared_tmp(node.value)
            and id(node) not in rewritten
        ):
            found.append((node.lineno, f"names the shared {SHARED_TMP} (use tmp_path)"))
    return [f"{name}:{line}: {what}" for line, what in sorted(found)]


def test_no_test_times_itself_sets_a_deadline_or_writes_to_the_shared_tmp() -> None:
    files = sorted(TESTS.rglob("*.py"))
    assert len(files) > 30
    found = [
        problem
        for path in files
        for problem in problems(
            path.read_text(encoding="utf-8"), path.relative_to(TESTS).as_posix()
        )
    ]
    assert found == []


def test_the_checker_finds_each_pattern() -> None:
    source = textwrap.dedent(
        """
        import tempfile
        import time
        from pathlib import Path
        from time import perf_counter

        from hypothesis import settings


        @settings(max_examples=10, deadline=2000)
        def test_a():
            started = time.monotonic()
            run()
            assert time.monotonic() - started < 25
            elapsed = perf_counter() - started
            assert result.ok and elapsed < 1.5
            Path("SHARED/x").write_text("")
            folder = tempfile.mkdtemp(prefix="t-")
            places = {"SHARED/a": "SHARED/b"}
        """
    ).replace("SHARED", SHARED_TMP)
    assert problems(source, "tests/test_x.py") == [
        "tests/test_x.py:10: sets a hypothesis deadline (use deadline=None)",
        "tests/test_x.py:14: asserts on a time measurement (move it to benchmarks/)",
        "tests/test_x.py:16: asserts on a time measurement (move it to benchmarks/)",
        f"tests/test_x.py:17: names the shared {SHARED_TMP} (use tmp_path)",
        "tests/test_x.py:18: mkdtemp() without dir= (use tmp_path)",
        f"tests/test_x.py:19: names the shared {SHARED_TMP} (use tmp_path)",
        f"tests/test_x.py:19: names the shared {SHARED_TMP} (use tmp_path)",
    ]


def test_the_checker_allows_what_is_not_a_speed_test() -> None:
    """Clocks that only set a file's age or bound a wait, deadline=None, a subprocess timeout,
    tempfile under tmp_path: none of these is flagged."""
    source = textwrap.dedent(
        """
        import os
        import subprocess
        import tempfile
        import time

        from hypothesis import settings


        @settings(max_examples=10, deadline=None)
        def test_b(tmp_path):
            old = time.time() - 3600
            os.utime(tmp_path / "a", (old, old))
            give_up = time.monotonic() + 20
            while time.monotonic() < give_up:
                break
            result = subprocess.run(["true"], timeout=60)
            assert result.returncode == 0
            folder = tempfile.mkdtemp(prefix="t-", dir=tmp_path)
            assert "tmp" in str(folder)
            places = {"SHARED/gdelt": str(tmp_path / "gdelt")}  # a README path, rewritten
        """
    ).replace("SHARED", SHARED_TMP)
    assert problems(source) == []
