"""Keeps the layers true: cli -> app -> core -> model; who may import click and rich; nothing
below cli/ prints or exits; the app never reaches up into the CLI."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "orbitwatch"


def imported_modules(source: str) -> set[str]:
    """Every module a source imports, in full (`orbitwatch.cli.common`), at any depth."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def imports_of(path: Path) -> set[str]:
    """The top-level packages a module imports (click, rich, orbitwatch, ...)."""
    return {name.split(".")[0] for name in imported_modules(path.read_text(encoding="utf-8"))}


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def where(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def in_cli(path: Path) -> bool:
    return where(path).startswith("cli/")


def violations(sources: dict[str, str]) -> list[str]:
    """The layer rules broken by these modules ({'app/x.py': source}); [] when all hold."""
    broken = []
    for name, source in sources.items():
        found = imported_modules(source)
        tops = {m.split(".")[0] for m in found}
        if "click" in tops and not name.startswith("cli/"):
            broken.append(f"{name} imports click below cli/")
        if "rich" in tops and not (name.startswith("cli/") or name == "render/terminal.py"):
            broken.append(f"{name} imports rich outside cli/ and render/terminal.py")
        if not name.startswith("cli/") and name != "__main__.py":
            if any(m == "orbitwatch.cli" or m.startswith("orbitwatch.cli.") for m in found):
                broken.append(f"{name} imports the CLI")
    return broken


def test_the_layers_hold() -> None:
    assert violations({where(p): p.read_text(encoding="utf-8") for p in modules()}) == []


def test_the_layer_check_catches_click_below_cli_and_the_app_importing_the_cli() -> None:
    assert violations({"load.py": "import click\n"}) == ["load.py imports click below cli/"]
    assert violations({"app/digest.py": "from click import echo\n"}) == [
        "app/digest.py imports click below cli/"
    ]
    assert violations({"app/diff.py": "def f():\n    from orbitwatch.cli.common import write\n"})
    assert violations({"app/events.py": "from orbitwatch import cli\n"})
    assert violations({"signals.py": "import rich.table\n"})
    assert violations({"cli/events.py": "import click\nimport rich\n"}) == []


def test_click_lives_in_the_cli_package() -> None:
    users = {where(p) for p in modules() if "click" in imports_of(p)}
    assert users and all(name.startswith("cli/") for name in users)
    assert "cli/__init__.py" in users


def test_only_cli_and_terminal_import_rich() -> None:
    users = sorted(where(p) for p in modules() if "rich" in imports_of(p))
    assert all(name.startswith("cli/") or name == "render/terminal.py" for name in users)
    assert "render/terminal.py" in users


def test_the_app_never_imports_click_or_the_cli() -> None:
    for path in (SRC / "app").rglob("*.py"):
        found = imported_modules(path.read_text(encoding="utf-8"))
        assert "click" not in imports_of(path), path
        assert not any(m.startswith("orbitwatch.cli") for m in found), path
        assert not any(m.startswith("orbitwatch.") and m.endswith(".cli") for m in found), path


def test_nothing_below_cli_prints_or_exits() -> None:
    for path in modules():
        if in_cli(path) or path.name == "__main__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("print", "exit", "input"), path
            if isinstance(node, ast.Attribute) and node.attr == "exit":
                assert not (isinstance(node.value, ast.Name) and node.value.id == "sys"), path


def test_query_never_imports_signals() -> None:
    tree = ast.parse((SRC / "query" / "language.py").read_text(encoding="utf-8"))
    names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "orbitwatch.signals.readings" not in names


def oversized(sources: dict[str, str], max_lines: int, max_function: int) -> list[str]:
    """Modules over `max_lines` lines and functions (methods, nested ones) over
    `max_function` lines, as 'name: N lines' / 'name:function: N lines'; [] when all fit."""
    found = []
    for name, source in sources.items():
        lines = source.count("\n")
        if lines > max_lines:
            found.append(f"{name}: {lines} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                length = node.end_lineno - node.lineno + 1
                if length > max_function:
                    found.append(f"{name}:{node.name}: {length} lines")
    return found


def test_no_module_over_500_lines_and_no_function_over_80() -> None:
    sources = {where(p): p.read_text(encoding="utf-8") for p in modules()}
    assert oversized(sources, 500, 80) == []


def test_cli_modules_and_functions_stay_small() -> None:
    sources = {where(p): p.read_text(encoding="utf-8") for p in modules() if in_cli(p)}
    assert sources and oversized(sources, 400, 60) == []


def test_the_size_check_catches_a_long_module_and_a_long_function() -> None:
    long_function = "def f():\n" + "    x = 1\n" * 80
    assert oversized({"a.py": long_function}, 500, 80) == ["a.py:f: 81 lines"]
    assert oversized({"a.py": "x = 1\n" * 501}, 500, 80) == ["a.py: 501 lines"]
    method = "class C:\n    def g(self):\n" + "        y = 2\n" * 60
    assert oversized({"cli/x.py": method}, 400, 60) == ["cli/x.py:g: 61 lines"]
    assert oversized({"a.py": "x = 1\n" * 500 + "def f():\n" + "    x = 1\n" * 79}, 580, 80) == []


def test_every_module_has_a_docstring() -> None:
    for path in modules():
        assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), path


# What looks like an option but is not one of orbit's, and so may stay in the core: each entry
# is a module and the exact words it may hold.
NOT_ORBIT_OPTIONS = {
    # git's own options, in the argument lists git/ hands to git
    "git/revisions.py": {
        "--batch", "--end-of-options", "--full-tree", "--is-inside-work-tree", "--quiet",
        "--show-prefix", "--verify",
    },
    "git/commits.py": {
        "--first-parent", "--follow", "--format", "--literal-pathspecs", "--name-status",
        "--reverse",
    },
    # CSS custom properties (the stance colours) of the self-contained HTML page
    "render/html.py": {"--away", "--toward", "--neutral", "--ink"},
}  # fmt: skip
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def is_core(name: str) -> bool:
    return not name.startswith(("cli/", "app/")) and name != "__main__.py"


def options_named(name: str, source: str) -> list[str]:
    """Option-like words (`--limit`) in the module's string literals, f-strings included;
    docstrings are documentation, not messages, and are left out."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    allowed = NOT_ORBIT_OPTIONS.get(name, set())
    return [
        f"{name}:{node.lineno}: {word}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
        for word in OPTION.findall(node.value)
        if word not in allowed
    ]


def test_the_core_never_names_a_command_line_option() -> None:
    """Options are the CLI's words: the core takes the wording as a parameter or raises what
    the app and the CLI need to word the message (see app/context.py, app/digest.py)."""
    found = [
        hit
        for path in modules()
        if is_core(where(path))
        for hit in options_named(where(path), path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_option_check_finds_options_in_messages_but_not_in_docstrings() -> None:
    source = (
        '"""Module: --root in a docstring is fine."""\n'
        'def f(n):\n    """--limit here too."""\n'
        '    raise ValueError(f"use --limit {n} or -- alone")\n'
    )
    assert options_named("load.py", source) == ["load.py:4: --limit"]
    assert options_named("git/revisions.py", 'ARGS = ["--batch"]\n') == []
    assert options_named("render/text.py", 'ARGS = ["--batch"]\n') == ["render/text.py:1: --batch"]


def test_every_module_is_in_the_architecture_page() -> None:
    page = (SRC.parent.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [
        where(path)
        for path in modules()
        if path.name not in ("__init__.py", "__main__.py")
        and f"`{where(path)}`" not in page
        and f"`{path.name}`" not in page
    ]
    assert missing == []
