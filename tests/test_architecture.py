"""Keeps the layers true: cli -> app -> core -> model; who may import click and rich; nothing
below cli/ prints or exits; the app never reaches up into the CLI."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "orbitwatch"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_nodes(
    source: str, name: str = "orbitwatch.x", runtime_only: bool = False
) -> list[tuple[str, bool, ast.AST]]:
    """(module imported, in a function?, node) for every import of a module, relative ones
    resolved against `name` (the importing module's dotted name), at any depth; with
    `runtime_only`, not those under `if TYPE_CHECKING:` (they never run)."""
    tree = ast.parse(source)
    is_package = name.endswith(".__init__")
    here = name.removesuffix(".__init__").split(".")
    found: list[tuple[str, bool, ast.AST]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if runtime_only and isinstance(child, ast.If):
                if "TYPE_CHECKING" in ast.unparse(child.test):
                    continue
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((alias.name, inside, child) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = here if is_package else here[:-1]
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join([*anchor, *([child.module] if child.module else [])])
                found.append((base, inside, child))
                found.extend((f"{base}.{alias.name}", inside, child) for alias in child.names)
            visit(child, inside)

    visit(tree, False)
    return found


def imported_modules(source: str, name: str = "orbitwatch.x") -> set[str]:
    """Every module a source imports, in full (`orbitwatch.cli.common`), at any depth."""
    return {module for module, _, _ in import_nodes(source, name)}


def imports_of(path: Path) -> set[str]:
    """The top-level packages a module imports (click, rich, orbitwatch, ...)."""
    source = path.read_text(encoding="utf-8")
    return {name.split(".")[0] for name in imported_modules(source, dotted(path))}


def dotted(path: Path) -> str:
    """The module's dotted name, `.__init__` kept so relative imports resolve from it."""
    return ".".join(path.relative_to(SRC.parent).with_suffix("").parts)


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def where(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def in_cli(path: Path) -> bool:
    return where(path).startswith("cli/")


LAYERS = ("cli", "app", "render")
PAGE = SRC.parent.parent / "docs" / "architecture.md"


def allowed_imports(page: str | None = None) -> dict[str, set[str]]:
    """package -> the packages it may import, read from the table in docs/architecture.md."""
    text = page if page is not None else PAGE.read_text(encoding="utf-8")
    block = text.split("```text\n", 1)[1].split("```", 1)[0]
    table: dict[str, set[str]] = {}
    for line in block.strip().splitlines():
        package, _, allowed = line.partition("->")
        table[package.strip()] = set(allowed.split())
    return table


def package_of(module: str) -> str:
    """'signals' for orbitwatch.signals.readings; '' for the package's own top modules."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (SRC / parts[1]).is_dir()) else ""


def violations(sources: dict[str, str], table: dict[str, set[str]] | None = None) -> list[str]:
    """The layer rules broken by these modules ({'app/x.py': source}); [] when all hold."""
    table = allowed_imports() if table is None else table
    broken = []
    for name, source in sources.items():
        dotted_name = "orbitwatch." + name.removesuffix(".py").replace("/", ".")
        found = import_nodes(source, dotted_name)
        tops = {m.split(".")[0] for m, _, _ in found}
        if "click" in tops and not name.startswith("cli/"):
            broken.append(f"{name} imports click below cli/")
        if "rich" in tops and not (name.startswith("cli/") or name == "render/terminal.py"):
            broken.append(f"{name} imports rich outside cli/ and render/terminal.py")
        if not name.startswith("cli/") and name != "__main__.py":
            if any(m == "orbitwatch.cli" or m.startswith("orbitwatch.cli.") for m, _, _ in found):
                broken.append(f"{name} imports the CLI")
        own = package_of(dotted_name.removesuffix(".__init__"))
        for module, in_function, node in found:
            if not module.startswith("orbitwatch."):
                continue
            target = package_of(module)
            if own and target and target != own and target not in table.get(own, set()):
                broken.append(f"{name} imports {module}: {own}/ may not import {target}/")
            if in_function and own != "cli":
                broken.append(f"{name} imports {module} inside a function")
            if isinstance(node, ast.ImportFrom) and any(a.asname == a.name for a in node.names):
                broken.append(f"{name} re-exports names of {node.module}")
    return sorted(set(broken))


def module_graph() -> dict[str, set[str]]:
    """module -> the orbitwatch modules it imports when it runs (imports inside functions
    counted, those under TYPE_CHECKING not: they never run)."""
    modules_by_name = {module_name(p): p for p in modules()}
    graph: dict[str, set[str]] = {m: set() for m in modules_by_name}
    for name, path in modules_by_name.items():
        source = path.read_text(encoding="utf-8")
        for module, _, _ in import_nodes(source, dotted(path), runtime_only=True):
            while module and module not in modules_by_name:
                module = module.rpartition(".")[0]
            if module and module != name:
                graph[name].add(module)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None and child in graph:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def deepest_chain(graph: dict[str, set[str]], members: set[str]) -> int:
    """The number of modules in the longest import chain that stays inside `members`."""
    depth: dict[str, int] = {}

    def walk(node: str) -> int:
        if node not in depth:
            depth[node] = 1  # a cycle (caught by its own test) must not recurse for ever
            depth[node] = 1 + max((walk(n) for n in graph[node] if n in members), default=0)
        return depth[node]

    return max((walk(m) for m in members), default=0)


def core_modules(graph: dict[str, set[str]]) -> set[str]:
    return {m for m in graph if package_of(m) not in ("", *LAYERS)}


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


def test_the_layer_check_catches_imports_the_package_table_forbids() -> None:
    table = {"model": set(), "signals": {"model"}, "render": {"model", "signals"}, "cli": {"app"}}
    assert violations({"model/event.py": "from orbitwatch.signals import readings\n"}, table) == [
        "model/event.py imports orbitwatch.signals.readings: model/ may not import signals/",
        "model/event.py imports orbitwatch.signals: model/ may not import signals/",
    ]
    relative = "from ..app.digest import run\n"
    assert violations({"render/digest.py": relative}, table) == [
        "render/digest.py imports orbitwatch.app.digest.run: render/ may not import app/",
        "render/digest.py imports orbitwatch.app.digest: render/ may not import app/",
    ]
    hidden = "def f():\n    from orbitwatch.signals.readings import readings\n"
    assert violations({"signals/alerts.py": hidden}, table) == [
        "signals/alerts.py imports orbitwatch.signals.readings inside a function",
        "signals/alerts.py imports orbitwatch.signals.readings.readings inside a function",
    ]
    assert violations(
        {"signals/alerts.py": "from orbitwatch.model.event import Event as Event\n"}, table
    ) == ["signals/alerts.py re-exports names of orbitwatch.model.event"]
    assert violations({"cli/x.py": "def f():\n    from orbitwatch.app import views\n"}, table) == []


def test_no_import_cycles_counting_imports_inside_functions() -> None:
    assert cycles(module_graph()) == []


def test_the_cycle_check_finds_a_cycle_through_three_modules() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_core_is_at_most_eight_modules_deep() -> None:
    graph = module_graph()
    assert 4 <= deepest_chain(graph, core_modules(graph)) <= 8


def test_at_most_eight_modules_at_the_top_of_the_package() -> None:
    assert len(list(SRC.glob("*.py"))) <= 8


def test_the_package_table_has_no_cycle_and_every_package_says_its_row() -> None:
    table = allowed_imports()
    graph = {package: allowed & set(table) for package, allowed in table.items()}
    assert cycles(graph) == []
    packages = {p.parent.name for p in SRC.glob("*/__init__.py")}
    assert packages == set(table)
    for package in packages - set(LAYERS):
        doc = ast.get_docstring(ast.parse((SRC / package / "__init__.py").read_text("utf-8")))
        assert doc is not None, package
        said = doc.split("May import:", 1)[1].split(".", 1)[0] if "May import:" in doc else None
        expected = ", ".join(p for p in table if p in table[package]) or "nothing of orbitwatch"
        assert said is not None and said.strip() == expected, package


def test_the_index_hashes_files_that_exist() -> None:
    from orbitwatch.timeline import index

    assert all((SRC / name).is_file() for name in index.PARSING_MODULES)


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
    path = SRC / "query" / "language.py"
    found = imported_modules(path.read_text(encoding="utf-8"), dotted(path))
    assert found and not any(m.startswith("orbitwatch.signals") for m in found)


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
        "--always", "--batch", "--end-of-options", "--full-tree", "--is-inside-work-tree",
        "--no-renames", "--quiet", "--show-prefix", "--stdin", "--verify",
    },
    "git/worktree.py": {"--no-pager", "--name-only", "--relative"},
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
