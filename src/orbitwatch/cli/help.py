"""Help for the `orbit` commands: commands listed in the order a new user needs them, and each
command's options in named sections (filters, output, ...). Only click is imported here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

COMMAND_ORDER = (
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
)


class OrderedGroup(click.Group):
    """Commands in the order a new user needs them; the rest alphabetically after them.

    A command registered with `add_lazy` is imported only when it runs or help lists it
    (the feed commands: `orbit --version` and `orbit list` need not define them)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, tuple[str, str]] = {}

    def add_lazy(self, name: str, module: str, attribute: str) -> None:
        self.lazy[name] = (module, attribute)

    def names(self) -> set[str]:
        return set(self.commands) | set(self.lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = self.names()
        known = [name for name in COMMAND_ORDER if name in names]
        return known + sorted(names - set(known))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            import importlib

            module, attribute = self.lazy[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args, self.names()))


# The group's options, accepted after the command too (`orbit list --color`), as git does not
# but a newcomer types; no command has an option of the same name.
GLOBAL_FLAGS = frozenset({"--color", "--no-color", "--no-cache", "--no-pager"})
GLOBAL_WITH_VALUE = frozenset({"--root"})


def hoist_global_options(args: list[str], commands: set[str]) -> list[str]:
    """Move the group's options written after the command name to before it (up to `--`)."""
    position = next((i for i, arg in enumerate(args) if arg in commands), None)
    if position is None:
        return args
    before, after = list(args[: position + 1]), args[position + 1 :]
    rest: list[str] = []
    index = 0
    while index < len(after):
        arg = after[index]
        if arg == "--":
            rest.extend(after[index:])
            break
        if arg in GLOBAL_FLAGS or arg.split("=", 1)[0] in GLOBAL_WITH_VALUE and "=" in arg:
            before.insert(position, arg)
            position += 1
        elif arg in GLOBAL_WITH_VALUE and index + 1 < len(after):
            before[position:position] = [arg, after[index + 1]]
            position += 2
            index += 1
        else:
            rest.append(arg)
        index += 1
    return before + rest


class SectionedCommand(click.Command):
    """A command whose --help lists its options in named sections (filters, output, ...)."""

    def __init__(self, *args: Any, sections: dict[str, list[str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.sections = sections or {}

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help_text(ctx, formatter)
        if self.name == "render":  # the formats come from the registry, each its first doc line
            from orbitwatch.render.registry import builtin, describe

            with formatter.section("Formats"):
                formatter.write_dl([(name, describe(name)) for name in builtin()])

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = {}
        for param in self.get_params(ctx):
            if not isinstance(param, click.Option):
                continue
            record = param.get_help_record(ctx)
            if record is not None:
                records[param.name] = record
        used: set[str | None] = set()
        for title, names in self.sections.items():
            rows = [records[name] for name in names if name in records]
            used.update(names)
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)
        rest = [record for name, record in records.items() if name not in used]
        if rest:
            with formatter.section("Other options"):
                formatter.write_dl(rest)


SECTIONS: dict[str, dict[str, list[str]]] = {
    "list": {
        "Filters (sugar for query terms)": ["since", "until", "country", "tag", "actor"],
        "Output": ["order", "limit", "fmt"],
        "Time travel": ["known_at"],
    },
    "show": {"Output": ["fmt"], "Time travel": ["known_at"]},
    "timeline": {"Layout": ["by", "width"], "Time travel": ["known_at"]},
    "history": {"Output": ["fmt"]},
    "signals": {
        "Views": ["explain", "monthly", "only_country"],
        "Output": ["as_of", "known_at", "fmt"],
    },
    "alerts": {
        "Selection": ["as_of", "since", "known_at"],
        "Backtesting": ["lead", "replay"],
        "Output": ["fmt"],
        "Suppressed": ["suppressed", "state_file"],
    },
    "eval": {"Output": ["min_agreement", "fmt"], "Time travel": ["known_at"]},
    "diff": {"Comparison": ["as_of"], "Output": ["fmt", "stat"]},
    "digest": {
        "State": ["state_file", "baseline", "dry_run", "wait", "resend_suppressed"],
        "Selection": ["as_of", "known_at", "min_level", "max_items"],
        "Delivery": ["fmt", "mail_to", "deliver_cmd", "fail_on"],
    },
    "render": {"Output": ["fmt", "output", "title", "exact_only"], "Time travel": ["known_at"]},
    "add": {
        "The event": [
            "date_text",
            "title",
            "end_text",
            "summary",
            "countries_",
            "actors",
            "tags",
            "status",
        ],
        "Its source": ["source_url", "source_title", "publisher"],
        "Who did what to whom": ["acts"],
        "Your own reading": ["stance", "weight"],
        "Workflow": ["edit", "dry_run"],
    },
    "import": {"Reading the file": ["fmt", "maps"], "Workflow": ["dry_run"]},
    "init": {"Contents": ["example", "empty"]},
    "check": {"Output": ["fmt"]},
}


def command(name: str) -> Callable[[Callable[..., Any]], SectionedCommand]:
    """click.command with its options in sections."""
    return click.command(name, cls=SectionedCommand, sections=SECTIONS.get(name, {}))
