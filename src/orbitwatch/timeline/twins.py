"""Duplicate ids when only part of a timeline is loaded: the index knows every twin, so the
events loaded whose id a file earlier in path order holds are dropped, each with a problem.

Works on Events and on the index's IdRows alike; reads the index's twins, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

from orbitwatch.model.errors import Problem

if TYPE_CHECKING:
    from orbitwatch.timeline.index import Index


class Located(Protocol):
    """What the twin check reads of an event: an Event, or an IdRow of the index."""

    @property
    def id(self) -> str: ...

    @property
    def path(self) -> str: ...


L = TypeVar("L", bound=Located)


def without_twins(
    index: Index, events: list[L], show_rel: Callable[[str], str]
) -> tuple[list[L], list[Problem]]:
    """For a partial load (every file parsed now among `events`): the events whose id no
    file earlier in path order holds (the index knows every twin), and a problem for each of
    the others and for each twin the index holds that was not loaded, as a full load has."""
    twins = index.duplicate_ids()
    if not twins and len({event.id for event in events}) == len(events):
        return events, []  # no id twice, in the index or among the events loaded
    first_path: dict[str, str] = {}
    for event_id, path in twins:
        first_path.setdefault(event_id, path)
    loaded_first: dict[str, str] = {}
    for event in sorted(events, key=lambda e: e.path):
        loaded_first.setdefault(event.id, event.path)
    kept: list[L] = []
    problems: list[Problem] = []

    def twin(event_id: str, path: str, first: str) -> Problem:
        also = f"duplicate id '{event_id}': also used by {show_rel(first)}"
        return Problem(show_rel(path), 1, 1, also, field="id")

    for event in events:
        first = min(p for p in (first_path.get(event.id), loaded_first[event.id]) if p)
        if event.path != first:
            problems.append(twin(event.id, event.path, first))
        else:
            kept.append(event)
    loaded = {event.path for event in events}
    for event_id, path in twins:
        if path not in loaded:  # left out by the pre-selection: still a twin
            first = min(p for p in (first_path[event_id], loaded_first.get(event_id)) if p)
            if path != first:
                problems.append(twin(event_id, path, first))
    return kept, problems
