"""Docs that cannot drift: README transcripts, the command reference, and completeness checks.

Refresh the README transcripts and docs/commands.md after an intended change with:
    ORBIT_UPDATE_GOLDEN=1 python -m pytest tests/test_docs.py
and review the diff.
"""

from __future__ import annotations

import os
import re
import shlex

import click
import pytest
from click.testing import CliRunner

from orbitwatch.cli import cli
from orbitwatch.model.schema import EVENT_SCHEMA
from orbitwatch.query.language import FIELDS
from orbitwatch.render.data import LIST_FORMATS
from tests.conftest import REPO

# The feed commands load lazily (cli/help.py's add_lazy): load every command once, so that
# cli.commands holds them all for the tests below.
_CONTEXT = click.Context(cli)
for _name in cli.list_commands(_CONTEXT):
    cli.get_command(_CONTEXT, _name)

README = REPO / "README.md"
DOCS = REPO / "docs"
TRANSCRIPT_ENV = {
    "ORBIT_TODAY": "2022-05-31",
    "NO_COLOR": "1",
    "COLUMNS": "100",
    "ORBIT_NO_CACHE": "1",
}
BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)


def run_transcript(command: str, monkeypatch: pytest.MonkeyPatch) -> str:
    argv = shlex.split(command)
    assert argv[0] == "orbit", command
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli, argv[1:], env=TRANSCRIPT_ENV, catch_exceptions=False)
    assert result.exit_code in (0, 1), (command, result.stderr)
    return "\n".join(line.rstrip() for line in result.stdout.splitlines())


def transcript_blocks(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    blocks = []
    for match in BLOCK.finditer(text):
        pairs: list[tuple[str, str]] = []
        for line in match.group(1).splitlines():
            if line.startswith("$ "):
                pairs.append((line[2:], ""))
            elif pairs:
                command, output = pairs[-1]
                pairs[-1] = (command, output + ("\n" if output else "") + line)
        blocks.append((match.group(0), pairs))
    return blocks


def test_readme_transcripts_are_the_real_output(monkeypatch: pytest.MonkeyPatch) -> None:
    text = README.read_text(encoding="utf-8")
    blocks = transcript_blocks(text)
    assert len(blocks) >= 8
    updated = text
    for original, pairs in blocks:
        fresh = []
        for command, expected in pairs:
            actual = run_transcript(command, monkeypatch)
            fresh.append(f"$ {command}\n{actual}".rstrip())
            if not os.environ.get("ORBIT_UPDATE_GOLDEN"):
                assert actual.rstrip() == expected.rstrip(), command
        updated = updated.replace(original, "```console\n" + "\n".join(fresh) + "\n```")
    if os.environ.get("ORBIT_UPDATE_GOLDEN"):
        README.write_text(updated, encoding="utf-8")


def command_reference() -> str:
    runner = CliRunner()
    parts = [
        "# Command reference",
        "",
        "Generated from `orbit --help` and `orbit COMMAND --help`; refresh with",
        "`ORBIT_UPDATE_GOLDEN=1 python -m pytest tests/test_docs.py`.",
        "",
    ]
    for name in ["", *cli.list_commands(click.Context(cli))]:
        args = [name, "--help"] if name else ["--help"]
        result = runner.invoke(cli, args, env={"COLUMNS": "100"}, prog_name="orbit")
        parts += [f"## orbit {name}".rstrip(), "", "```text", result.stdout.rstrip(), "```", ""]
        group = cli.commands.get(name)
        for sub in group.commands if isinstance(group, click.Group) else ():
            result = runner.invoke(
                cli, [name, sub, "--help"], env={"COLUMNS": "100"}, prog_name="orbit"
            )
            parts += [f"## orbit {name} {sub}", "", "```text", result.stdout.rstrip(), "```", ""]
    return "\n".join(parts)


def test_command_reference_is_current() -> None:
    path = DOCS / "commands.md"
    fresh = command_reference()
    if os.environ.get("ORBIT_UPDATE_GOLDEN"):
        path.write_text(fresh, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == fresh


def all_docs() -> str:
    return README.read_text("utf-8") + "".join(p.read_text("utf-8") for p in DOCS.glob("*.md"))


def test_every_command_and_option_is_documented() -> None:
    readme = README.read_text("utf-8")
    reference = (DOCS / "commands.md").read_text("utf-8")
    commands = list(cli.commands.items())
    for name, group in list(commands):
        if isinstance(group, click.Group):
            commands += [(f"{name} {sub}", c) for sub, c in group.commands.items()]
    for name, command in commands:
        assert f"orbit {name}" in readme, f"command {name} missing from the README"
        for param in command.params:
            for option in getattr(param, "opts", []):
                if option.startswith("-"):
                    assert option in reference, f"{name} {option} missing from docs/commands.md"
    for param in cli.params:
        for option in getattr(param, "opts", []):
            assert option in readme or option in reference, option


def test_every_query_term_is_documented() -> None:
    page = (DOCS / "query.md").read_text("utf-8")
    for field in (*FIELDS, "not"):
        assert f"`{field}:" in page, f"query term {field}: missing from docs/query.md"


def documented_keys() -> list[tuple[str, str, str, str]]:
    """The rows of the key table in docs/event-format.md: (key, type, default, meaning)."""
    page = (DOCS / "event-format.md").read_text("utf-8")
    table = page.split("## Keys", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in table.splitlines():
        if line.startswith("| `"):
            key, toml_type, default, meaning = (c.strip() for c in line.strip("|").split(" | "))
            rows.append((key, toml_type, default, meaning))
    return rows


def test_every_event_key_is_documented() -> None:
    """docs/event-format.md shows the schema's table row for row: name, type, default, meaning."""
    schema = [(f"`{k.shown}`", k.toml_type, k.default, k.meaning) for k in EVENT_SCHEMA]
    assert documented_keys() == schema


def test_every_output_format_is_documented() -> None:
    from orbitwatch.render.registry import builtin

    docs = all_docs()
    for fmt in [*LIST_FORMATS, "table", *builtin(), "text", "md", "json", "email"]:
        assert f"`{fmt}`" in docs or f"|{fmt}" in docs or f"{fmt}|" in docs, fmt


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_help_has_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert re.search(r"Examples?:\n\s+orbit ", result.stdout), name


def test_orbit_alone_prints_the_overview_in_a_new_users_order() -> None:
    result = CliRunner().invoke(cli, [])
    assert result.exit_code == 0
    listed = re.findall(r"^  (\w+) ", result.stdout.split("Commands:")[1], re.MULTILINE)
    assert listed == [
        "list",
        "show",
        "timeline",
        "signals",
        "alerts",
        "diff",
        "history",
        "digest",
        "silence",
        "ack",
        "render",
        "add",
        "import",
        "init",
        "check",
        "eval",
        "acts",
        "feed",
    ]


def test_python_m_orbitwatch_works_like_orbit() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "orbitwatch", "--version"], capture_output=True, text=True
    )
    assert (result.returncode, result.stdout) == (0, "orbit 0.1.0\n")
