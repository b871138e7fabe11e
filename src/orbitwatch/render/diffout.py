"""A timeline diff as text, Markdown, JSON, or a --stat summary; text folded to a width.

Generators of text; event text is escaped for each format.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from orbitwatch.render.data import SCHEMA_VERSION
from orbitwatch.render.text import json_safe, md, one_line
from orbitwatch.text.words import signed_number

if TYPE_CHECKING:
    from orbitwatch.diff.compare import EventChange, FieldChange, TimelineDiff

MARK = {"added": "+", "removed": "-", "changed": "~", "renamed": ">"}


def _summary(
    diff: TimelineDiff, old: str, new: str, escape: Callable[[str], str] = one_line
) -> str:
    """One line; `escape` applies to the revisions' names only, never to our own `->`."""
    old, new = escape(old), escape(new)
    if diff.empty:
        return f"no differences between {old} and {new}"
    parts = [
        f"{diff.count(kind)} {kind}"
        for kind in ("added", "removed", "changed", "renamed")
        if diff.count(kind)
    ]
    if diff.rules or diff.settings:
        parts.append(f"{len(diff.rules) + len(diff.settings)} settings/rules changed")
    return f"{old} -> {new}: " + ", ".join(parts)


def _field_line(change: FieldChange, escape: Callable[[str], str] = one_line) -> str:
    if change.added or change.removed:
        items = [f"+{escape(x)}" for x in change.added] + [f"-{escape(x)}" for x in change.removed]
        return f"{change.field}: {' '.join(items)}"
    return f"{change.field}: {escape(change.old) or '(none)'} -> {escape(change.new) or '(none)'}"


def _headline(change: EventChange, escape: Callable[[str], str] = one_line) -> str:
    """Id, date and title; `escape` applies to the event's text, never to our own `->`."""
    event = change.new or change.old
    assert event is not None
    line = f"{escape(event.id)}  {event.date.iso()}  {escape(event.title)}"
    if change.kind == "renamed":
        assert change.old is not None
        return f"{escape(change.old.id)} -> {line}"
    return line


def diff_text(diff: TimelineDiff, old: str, new: str) -> Iterator[str]:
    yield one_line(_summary(diff, old, new)) + "\n"
    for change in diff.events:
        yield f"{MARK[change.kind]} {change.kind:8} {one_line(_headline(change), 200)}\n"
        for field_change in change.fields:
            yield f"      {_field_line(field_change)}\n"
    for rule in diff.rules:
        yield f"{MARK[rule.kind]} rule     {one_line(rule.id)}\n"
        for field_change in rule.fields:
            yield f"      {_field_line(field_change)}\n"
    for setting in diff.settings:
        yield f"~ setting  {_field_line(setting)}\n"
    if diff.impact and diff.as_of:
        yield f"\nsignal impact on {diff.as_of.isoformat()}:\n"
        for impact in diff.impact:
            yield (
                f"  {impact.country}  {signed_number(impact.old_score)} "
                f"({impact.old_level or 'none'}) -> "
                f"{signed_number(impact.new_score)} ({impact.new_level or 'none'})  because: "
                f"{one_line(', '.join(impact.causes) or 'decay')}\n"
            )


def fit(chunks: Iterable[str], width: int) -> Iterator[str]:
    """Text lines folded to a terminal's width with a hanging indent (under the headline's
    text, or deeper than a field line); a word longer than the width (an id, a URL) is never
    broken, so it stays whole for copy and paste."""
    import textwrap

    width = max(width, 40)
    for chunk in chunks:
        for line in chunk.splitlines(keepends=True):
            text = line.rstrip("\n")
            if len(text) <= width:
                yield line
                continue
            lead = len(text) - len(text.lstrip(" "))
            hang = 11 if text[:2] in {f"{mark} " for mark in MARK.values()} else lead + 4
            wrapped = textwrap.wrap(
                text,
                width,
                subsequent_indent=" " * hang,
                break_long_words=False,
                break_on_hyphens=False,
                drop_whitespace=True,
            )
            yield "\n".join(wrapped) + "\n"


def diff_stat(diff: TimelineDiff, old: str, new: str) -> Iterator[str]:
    yield one_line(_summary(diff, old, new)) + "\n"
    for kind in ("added", "removed", "changed", "renamed"):
        yield f"{kind}\t{diff.count(kind)}\n"
    yield f"rules\t{len(diff.rules)}\nsettings\t{len(diff.settings)}\n"
    yield f"countries with a different score\t{len(diff.impact)}\n"


def diff_md(diff: TimelineDiff, old: str, new: str) -> Iterator[str]:
    yield f"## {_summary(diff, old, new, md)}\n\n"
    for change in diff.events:
        yield f"- **{change.kind}** {_headline(change, md)}\n"
        for field_change in change.fields:
            yield f"  - {_field_line(field_change, md)}\n"
    for rule in diff.rules:
        yield f"- **rule {rule.kind}** `{one_line(rule.id)}`\n"
        for field_change in rule.fields:
            yield f"  - {_field_line(field_change, md)}\n"
    for setting in diff.settings:
        yield f"- **setting** {_field_line(setting, md)}\n"
    if diff.impact and diff.as_of:
        yield f"\n### Signal impact on {diff.as_of.isoformat()}\n\n"
        yield "| country | old | new | because |\n|---|---|---|---|\n"
        for impact in diff.impact:
            yield (
                f"| {impact.country} | {signed_number(impact.old_score)} "
                f"({impact.old_level or 'none'}) | "
                f"{signed_number(impact.new_score)} ({impact.new_level or 'none'}) | "
                f"{md(', '.join(impact.causes) or 'decay')} |\n"
            )


def _field_json(change: FieldChange) -> dict[str, object]:
    if change.added or change.removed:
        return {"field": change.field, "added": list(change.added), "removed": list(change.removed)}
    return {"field": change.field, "old": change.old or None, "new": change.new or None}


def diff_json(diff: TimelineDiff, old: str, new: str) -> Iterator[str]:
    document = {
        "schema_version": SCHEMA_VERSION,
        "old": old,
        "new": new,
        "as_of": diff.as_of.isoformat() if diff.as_of else None,
        "events": [
            {
                "kind": change.kind,
                "id": change.id,
                "old_id": change.old.id if change.old else None,
                "date": (change.new or change.old).date.iso(),  # type: ignore[union-attr]
                "title": (change.new or change.old).title,  # type: ignore[union-attr]
                "fields": [_field_json(f) for f in change.fields],
            }
            for change in diff.events
        ],
        "rules": [
            {"kind": r.kind, "id": r.id, "fields": [_field_json(f) for f in r.fields]}
            for r in diff.rules
        ],
        "settings": [_field_json(f) for f in diff.settings],
        "impact": [
            {
                "country": i.country,
                "old_score": round(i.old_score, 6),
                "new_score": round(i.new_score, 6),
                "old_level": i.old_level or None,
                "new_level": i.new_level or None,
                "causes": list(i.causes),
            }
            for i in diff.impact
        ],
    }
    yield json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"
