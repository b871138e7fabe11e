"""The act codebook as text: the table of the 20 acts, one act in full, and docs/acts.md.

Generators of lines from the codebook's values; the wording itself lives in model/codebook.py.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from orbitwatch.model.acts import weight_of
from orbitwatch.model.codebook import GENERAL

if TYPE_CHECKING:
    from orbitwatch.model.acts import ActKind
    from orbitwatch.model.codebook import Entry


def _intensity(kind: ActKind) -> str:
    return f"{kind.intensity:+g}" if kind.intensity else "0"


def _weight(kind: ActKind) -> str:
    return str(weight_of(kind.intensity)) if kind.intensity else "none"


def table_lines(acts: Sequence[tuple[ActKind, Entry]]) -> Iterator[str]:
    """One line per act: name, CAMEO code, intensity, weight and meaning (the act table's)."""
    yield "act            code  intensity  weight  meaning\n"
    for kind, _ in acts:
        yield (
            f"{kind.name:<14} {kind.code:<5} {_intensity(kind):>9}  {_weight(kind):<6}  "
            f"{kind.meaning}\n"
        )
    yield "one act in full, with examples: orbit acts NAME\n"


def _wrapped(text: str, indent: str = "  ") -> str:
    wrapped = textwrap.fill(
        text, 92, initial_indent=indent, subsequent_indent=indent + "  ", break_on_hyphens=False
    )
    return wrapped + "\n"


def entry_lines(kind: ActKind, entry: Entry) -> Iterator[str]:
    """One act in full: definition, what it is not, sub-codes, examples."""
    yield f"{kind.name} (CAMEO {kind.code}, intensity {_intensity(kind)}, weight {_weight(kind)})\n"
    yield _wrapped(entry.definition)
    yield _wrapped(f"not this: {entry.not_this}")
    if entry.subcodes:
        yield _wrapped(f"sub-codes: {entry.subcodes}")
    if entry.examples:
        for event_id, coded in entry.examples:
            yield f"  example: {event_id}: {coded}\n"
    else:
        yield "  example: none in the repository's timelines yet\n"


def general_lines() -> Iterator[str]:
    for title, text in GENERAL:
        yield _wrapped(f"{title}: {text}", "")


def markdown(acts: Sequence[tuple[ActKind, Entry]]) -> Iterator[str]:
    """docs/acts.md: the codebook whole (generated; see tests/test_docs.py)."""
    yield "# The act codebook\n\n"
    yield (
        "Generated from `src/orbitwatch/model/codebook.py` by `orbit acts` (as Markdown); "
        "refresh with\n`ORBIT_UPDATE_GOLDEN=1 python -m pytest tests/test_docs.py`. How acts "
        "read (sides, weights,\nprecedence) is in [signals.md](signals.md).\n\n"
    )
    yield "| act | CAMEO | intensity | weight | meaning |\n|---|---|---|---|---|\n"
    for kind, _ in acts:
        cells = (kind.name, kind.code, _intensity(kind), _weight(kind), kind.meaning)
        yield "| " + " | ".join(cells) + " |\n"
    for kind, entry in acts:
        yield f"\n## {kind.name} ({kind.code})\n\n{entry.definition}\n\n"
        yield f"**Not this:** {entry.not_this}\n"
        if entry.subcodes:
            yield f"\n**Sub-codes:** {entry.subcodes}\n"
        yield "\n**Examples:**"
        if entry.examples:
            yield "\n\n"
            for event_id, coded in entry.examples:
                yield f"- `{event_id}`: {coded}\n"
        else:
            yield " none in the repository's timelines yet.\n"
    for title, text in GENERAL:
        yield f"\n## {title}\n\n{text}\n"
