"""Keeps the architecture true: who may import click and rich, and that the core never prints."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "orbitwatch"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_only_cli_imports_click() -> None:
    assert [p.name for p in modules() if "click" in imports_of(p)] == ["cli.py"]


def test_only_cli_and_terminal_import_rich() -> None:
    users = sorted(p.relative_to(SRC).as_posix() for p in modules() if "rich" in imports_of(p))
    assert set(users) <= {"cli.py", "render/terminal.py"}
    assert "render/terminal.py" in users


def test_the_core_never_prints_or_exits() -> None:
    for path in modules():
        if path.name in ("cli.py", "__main__.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("print", "exit", "input"), path
            if isinstance(node, ast.Attribute) and node.attr == "exit":
                assert not (isinstance(node.value, ast.Name) and node.value.id == "sys"), path


def test_query_never_imports_signals() -> None:
    tree = ast.parse((SRC / "query.py").read_text(encoding="utf-8"))
    names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "orbitwatch.signals" not in names


def test_every_module_has_a_docstring() -> None:
    for path in modules():
        assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), path
