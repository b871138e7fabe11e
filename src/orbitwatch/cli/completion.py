"""Shell completion for `orbit`: query terms, ids, countries and revisions read from the timeline.

A broken timeline or a missing git completes nothing, silently; never an error in the shell.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from orbitwatch.cli.common import cwd

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from orbitwatch.timeline.load import Timeline


def _completion_timeline(ctx: click.Context) -> Timeline:
    from orbitwatch.timeline.load import find_root, load_timeline

    root_option = ctx.find_root().params.get("root")
    root = find_root(root_option, os.environ, cwd())
    return load_timeline(root)


def _values_for(field: str, timeline: Timeline) -> list[str]:
    from orbitwatch.model.schema import choices_of

    events = timeline.events
    if field == "country":
        return sorted({c for e in events for c in e.countries})
    if field == "tag":
        vocabulary = timeline.settings.tags or {}
        return sorted(set(vocabulary) | {t for e in events for t in e.tags})
    if field == "actor":
        return sorted({a for e in events for a in e.actors})
    if field == "rule":
        return [rule.id for rule in timeline.settings.rules]
    if field == "status":
        return list(choices_of("status"))
    if field == "stance":
        return [*choices_of("signal.stance"), "none"]
    if field == "id":
        return [e.id for e in events]
    return []


def _bash() -> bool:
    """Bash inserts a completion as it is given; zsh and fish quote what they insert."""
    return os.environ.get("_ORBIT_COMPLETE", "").startswith("bash")


def _quoted(value: str) -> str:
    """A value with spaces or shell characters in double quotes, for bash."""
    if not _bash() or all(ch.isalnum() or ch in "-_.,+@/" for ch in value):
        return value
    escaped = "".join("\\" + ch if ch in '"\\$`' else ch for ch in value)
    return f'"{escaped}"'


def complete_terms(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """`country:K` -> codes in the timeline; `tag:` -> tags; a bare prefix -> field names."""
    from click.shell_completion import CompletionItem

    from orbitwatch.query.language import FIELDS

    try:
        negation = ""
        rest = incomplete
        while rest.startswith("not:"):
            negation += "not:"
            rest = rest[4:]
        if ":" not in rest:
            return [
                CompletionItem(f"{negation}{name}:")
                for name in (*FIELDS, "not")
                if f"{name}".startswith(rest) and not (name == "not" and negation)
            ]
        field, _, value = rest.partition(":")
        head, _, last = value.rpartition(",")
        prefix = f"{negation}{field}:{head + ',' if head else ''}"
        values = _values_for(field, _completion_timeline(ctx))
        return [
            CompletionItem(prefix + _quoted(v))
            for v in values
            if v.lower().startswith(last.lower())
        ]
    except Exception:  # noqa: BLE001 - a broken timeline completes nothing, silently
        return []


def complete_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    try:
        return [i for i in _completion_ids(ctx) if i.startswith(incomplete)]
    except Exception:  # noqa: BLE001
        return []


def _completion_ids(ctx: click.Context) -> list[str]:
    """Every id in the timeline's order, from the index's columns when it can be had."""
    from orbitwatch.model.event import Prefilter
    from orbitwatch.timeline.idload import load_ids
    from orbitwatch.timeline.load import find_root

    root = find_root(ctx.find_root().params.get("root"), os.environ, cwd())
    found = load_ids(root, Prefilter())
    if found is None:
        return [e.id for e in _completion_timeline(ctx).events]
    return found.ordered()


def complete_values(field: str, *, skip_pole: bool = False) -> Callable[..., list[str]]:
    """Completion of an option's value from the timeline's `field` (country, tag, actor);
    the pole left out where it is never scored (--explain)."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
        try:
            timeline = _completion_timeline(ctx)
            values = _values_for(field, timeline)
            pole = timeline.settings.pole if skip_pole else None
            return [
                _quoted(v) for v in values if v.lower().startswith(incomplete.lower()) and v != pole
            ]
        except Exception:  # noqa: BLE001
            return []

    return complete


complete_countries = complete_values("country")


def complete_revisions(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Branches, tags and HEAD of the timeline's repository, and folders."""
    import subprocess

    from click.shell_completion import CompletionItem

    found: list[CompletionItem] = []
    try:
        from orbitwatch.timeline.load import find_root

        root = find_root(ctx.find_root().params.get("root"), os.environ, cwd())
        result = subprocess.run(
            ["git", "for-each-ref", "--format=%(refname:short)", "refs/heads", "refs/tags"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=2,
            stdin=subprocess.DEVNULL,
        )
        refs = ["HEAD", *result.stdout.split()] if result.returncode == 0 else []
        found = [CompletionItem(r) for r in refs if r.startswith(incomplete)]
    except Exception:  # noqa: BLE001
        pass
    return [*found, CompletionItem(incomplete, type="dir")] if "/" in incomplete else found
