"""Id-only answers from the index: the ids a query selects, without building the events.

For a query the index's SQL says exactly (query/sql.py: every term compiles, no reading term),
the index gives each selected event's id and sort key from its columns; only the files parsed
now are built (and the query is applied to them by the caller). Reads files and the cache;
never prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from orbitwatch.files.walk import shown_relative
from orbitwatch.model.errors import Problem
from orbitwatch.model.event import Event, Prefilter
from orbitwatch.timeline.load import bulk, load_settings, refresh, with_index
from orbitwatch.timeline.records import decoded
from orbitwatch.timeline.selection import IdRow
from orbitwatch.timeline.twins import without_twins

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings
    from orbitwatch.timeline.index import Index


def _quiet(message: str) -> None:
    return None


@dataclass(frozen=True)
class IdListing:
    """The events parsed now (the query not yet applied to them), the index's fresh events
    the exact pre-selection chose (as IdRows), and every problem of the timeline a load would
    report; twins are dropped from both, as a load drops them."""

    settings: Settings
    events: list[Event]
    rows: list[IdRow]
    problems: list[Problem]

    def ordered(self, keep: Callable[[Event], bool] = lambda event: True) -> list[str]:
        """The ids in the timeline's order (Event.sort_key: first day, precision, id), of the
        rows and of the events parsed now that `keep` keeps."""
        keys = [
            (e.first_day.toordinal(), int(e.date.precision), e.id) for e in self.events if keep(e)
        ]
        keys += [(row.first_day, row.precision, row.id) for row in self.rows]
        keys.sort()
        return [event_id for _, _, event_id in keys]


def load_ids(
    root: Path,
    prefilter: Prefilter,
    progress: Callable[[int, int], None] | None = None,
    notice: Callable[[str], object] = _quiet,
) -> IdListing | None:
    """The id-only answer of an exact pre-selection, or None when no index can be had (the
    caller loads the timeline instead)."""
    if os.environ.get("ORBIT_NO_CACHE", "") not in ("", "0"):
        return None
    settings, problems = load_settings(root)
    show_rel = shown_relative(root)

    def attempt(index: Index) -> tuple[list[Event], list[IdRow], list[Problem]]:
        try:
            return _ids(root, settings, index, show_rel, prefilter, progress)
        finally:
            index.close()

    found = with_index(root, attempt, notice)
    if found is None:
        return None
    events, rows, more = found
    problems = sorted([*problems, *more], key=lambda p: (p.path, p.line, p.col))
    return IdListing(settings, events, rows, problems)


def _ids(
    root: Path,
    settings: Settings,
    index: Index,
    show_rel: Callable[[str], str],
    prefilter: Prefilter,
    progress: Callable[[int, int], None] | None,
) -> tuple[list[Event], list[IdRow], list[Problem]]:
    with bulk():
        done = refresh(root, settings, index, show_rel, progress)
        rows, failed = index.id_rows(done.fresh, prefilter)
        problems = done.problems
        for rel, blob in failed:
            problems.extend(p._replace(path=show_rel(rel)) for p in decoded(blob, "")[1])
    # twins among the index's rows and the files parsed now, each against the whole index
    mixed: list[Event | IdRow] = [*done.events, *rows]
    kept, twins = without_twins(index, mixed, show_rel)
    events = [item for item in kept if isinstance(item, Event)]
    chosen = [item for item in kept if not isinstance(item, Event)]
    return events, chosen, problems + twins
