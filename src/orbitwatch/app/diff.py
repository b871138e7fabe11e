"""Use case of `diff`: resolve both sides (a folder or a git revision), then compare them.

A side is an existing folder (even when a revision has its name), else a revision of the
timeline's repository; NEW defaults to
the working tree, and the signal impact is judged on the as-of day (see default_as_of).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from orbitwatch.app.context import Workspace
from orbitwatch.app.context import as_of as as_of_day
from orbitwatch.diff.compare import diff_timelines
from orbitwatch.model.dates import default_as_of
from orbitwatch.model.errors import OrbitError
from orbitwatch.query.language import FIELD_RE, FIELDS, compile_query
from orbitwatch.signals.readings import readings
from orbitwatch.timeline.load import load_revision, load_timeline, resolve_revision

if TYPE_CHECKING:
    from orbitwatch.diff.compare import TimelineDiff
    from orbitwatch.query.language import Query
    from orbitwatch.timeline.load import Timeline

WORKING_TREE = "working tree"


@dataclass(frozen=True)
class Side:
    timeline: Timeline
    label: str  # as the user named it, or 'working tree'
    kind: str  # folder | revision | working-tree


@dataclass(frozen=True)
class DiffOutcome:
    diff: TimelineDiff
    old: Side
    new: Side
    on: dt.date  # the day the signal impact was judged on
    trouble: bool


def looks_like_side(root: Path, spec: str) -> bool:
    """True when spec names a folder or a revision, and is not a query term."""

    term = FIELD_RE.match(spec)
    if spec.startswith("not:") or (term and term.group(1) in FIELDS):
        return False
    if Path(spec).is_dir():
        return True
    try:
        resolve_revision(root, spec)
    except OrbitError:
        return False
    return True


def split_arguments(root: Path, rest: Sequence[str]) -> tuple[str | None, list[str]]:
    """[NEW] [TERM...]: the NEW side when the first argument is one, and the query terms."""
    if rest and looks_like_side(root, rest[0]):
        return rest[0], list(rest[1:])
    return None, list(rest)


def resolve_side(workspace: Workspace, root: Path, spec: str | None) -> Side:
    """A side of the diff: None is the working tree; an existing folder ('.' included; a name
    that is both a folder and a revision is the folder: NAME^{commit} names the revision);
    else a git revision."""

    if spec is None:
        side = Side(load_timeline(root), WORKING_TREE, "working-tree")
    elif spec and Path(spec).is_dir():
        side = Side(load_timeline(Path(spec)), spec, "folder")
    else:
        side = Side(
            load_revision(root, spec, notice=workspace.warn, use_cache=workspace.use_cache),
            spec,
            "revision",
        )
    workspace.note(side.timeline.problems)
    return side


def compare(
    workspace: Workspace,
    old_spec: str,
    new_spec: str | None,
    query: Query,
    today: dt.date,
    as_of: str | None = None,
) -> DiffOutcome:
    """What changed between two sides among the events the query matches on either side."""

    root = workspace.root()
    old = resolve_side(workspace, root, old_spec)
    new = resolve_side(workspace, root, new_spec)
    if as_of:
        on = as_of_day(as_of, today)
    else:
        sides = (old.timeline, new.timeline)
        on = default_as_of((e.last_day for tl in sides for e in tl.events), today)
    wanted = _matching(old.timeline, query, on) | _matching(new.timeline, query, on)
    result = diff_timelines(
        [e for e in old.timeline.events if e.id in wanted],
        old.timeline.settings,
        [e for e in new.timeline.events if e.id in wanted],
        new.timeline.settings,
        on,
    )
    return DiffOutcome(result, old, new, on, workspace.trouble)


def _matching(timeline: Timeline, query: Query, on: dt.date) -> set[str]:

    predicate = compile_query(query, on)
    reading_of = readings(timeline.events, timeline.settings, on)
    return {e.id for e in timeline.events if predicate(e, reading_of.get(e.id))}
