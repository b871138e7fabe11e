"""Use cases of `check`, `list` and `show`: which files to check, which events match, one event.

Returns values for the CLI to render; raises UsageError for an unknown id (with a did-you-mean).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from orbitwatch.app.context import Workspace, select, unknown_tags
from orbitwatch.app.silences import check_silences, silences_path
from orbitwatch.model.acts import cancelled
from orbitwatch.model.errors import OrbitError, Problem, UsageError, did_you_mean
from orbitwatch.model.event import Prefilter
from orbitwatch.query.language import compile_query
from orbitwatch.query.sql import SEP, prefilter, to_sql_partial
from orbitwatch.signals.readings import readings
from orbitwatch.timeline.idload import load_ids
from orbitwatch.timeline.load import load_settings, load_timeline, settings_hash
from orbitwatch.timeline.marks import readings_key

if TYPE_CHECKING:
    from orbitwatch.model.acts import Vote
    from orbitwatch.model.event import Event, Prefilter, Reading
    from orbitwatch.query.language import Query
    from orbitwatch.timeline.load import Timeline


@dataclass(frozen=True)
class CheckResult:
    timeline: Timeline
    files: int | None  # how many files were named (None: the whole timeline)
    silences: tuple[Problem, ...] = ()  # silences.toml's problems (when it was checked)
    cancelled: tuple[Problem, ...] = ()  # warnings: events whose acts cancel for a country

    @property
    def problems(self) -> list[Problem]:
        return [*self.timeline.problems, *self.silences, *self.cancelled]

    @property
    def event_count(self) -> int:
        return self.timeline.event_count

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors


def check(workspace: Workspace, paths: Sequence[Path] = ()) -> CheckResult:
    """Validate the whole timeline, or only the given files and folders (searched for *.toml)."""

    root = workspace.root()
    only: list[Path] | None = None
    silences = not paths
    if paths:
        only = []
        for path in paths:
            if path.resolve() == silences_path(workspace).resolve():
                silences = True  # silences.toml named on its own: check it, not as an event
                continue
            only.extend(sorted(path.rglob("*.toml")) if path.is_dir() else [path])
    # Of the events, check needs the count and those with acts (cancel_warnings) only.
    timeline = workspace.load(only, root=root, note=False, acts_only=True)
    found = tuple(check_silences(workspace)) if silences else ()
    warned = tuple(cancel_warnings(timeline))
    return CheckResult(timeline, len(only) if only is not None else None, found, warned)


def cancel_warnings(timeline: Timeline) -> list[Problem]:
    """A warning per (event, country) whose acts pull both ways and sum to zero: the country
    gets no reading, which is easy to mistake for an event nothing reads."""
    sides = timeline.settings.sides()
    found = []
    for event in timeline.events:
        if not event.acts:
            continue
        for country, votes in cancelled(event, sides).items():
            if event.analyst_reading(country) is not None:
                continue
            acts = " + ".join(f"{v.act} ({v.stance} {v.weight})" for v in votes)
            found.append(
                Problem(
                    event.path,
                    event.line,
                    1,
                    f"the acts cancel for {country}: {acts} = 0, so {country} gets no reading",
                    severity="warning",
                    hint=f"if that is not your reading, write it in a [signal.{country}] table",
                )
            )
    return found


@dataclass(frozen=True)
class EventList:
    events: list[Event]  # in the order asked for, cut to the limit
    reading_of: dict[str, Reading]
    total: int  # how many matched before the limit
    ids: list[str] | None = None  # an id-only answer: the ids, and no event built


def list_events(
    workspace: Workspace,
    query: Query,
    on: dt.date,
    newest_first: bool,
    limit: int | None,
    read: bool = True,
) -> EventList:
    """The events the query selects; their readings only if `read` (a list of ids needs none,
    and is answered from the index's columns when its SQL says the query exactly)."""
    if not read:
        ids = _ids_only(workspace, query, on, newest_first, limit)
        if ids is not None:
            return ids
    timeline = workspace.load(prefilter=selection(workspace, query, on))
    workspace.check_query(query, timeline)
    events, reading_of = select(timeline, query, on, read)
    if newest_first:
        events.reverse()
    total = len(events)
    if limit:
        events = events[:limit]
    return EventList(events, reading_of, total)


def _ids_only(
    workspace: Workspace, query: Query, on: dt.date, newest_first: bool, limit: int | None
) -> EventList | None:
    """The ids a query selects, from the index without building its events (those of the
    files parsed now aside); None when the index cannot say (a reading term, a term SQL does
    not say exactly, --known-at, no cache): the caller loads the events."""
    if query.uses_reading or workspace.known() is not None or not workspace.use_cache:
        return None
    if not to_sql_partial(query, on, readings=False)[1]:
        return None
    with workspace.progress() as progress:
        found = load_ids(workspace.root(), prefilter(query, on), progress, workspace.warn)
    if found is None:
        return None
    workspace.note(found.problems)
    known = {t.casefold() for t in found.settings.tags or {}}
    known |= {t.casefold() for e in found.events for t in e.tags}
    known |= {t for row in found.rows for t in row.tags_folded.split(SEP) if t}
    for message in unknown_tags(query, known):
        workspace.warn(message)
    predicate = compile_query(query, on)
    ids = found.ordered(lambda event: predicate(event, None))
    if newest_first:
        ids.reverse()
    return EventList([], {}, len(ids), ids[:limit] if limit else ids)


def selection(workspace: Workspace, query: Query, on: dt.date) -> Prefilter:
    """What an indexed load of the events a query selects may leave out (querysql.py)."""

    return prefilter(query, on, _readings_key(workspace, query, on))


def _readings_key(workspace: Workspace, query: Query, on: dt.date) -> str | None:
    """The key of the readings a query with reading terms means (markload.readings_key), so
    the index can answer them where it holds those readings; None for other queries."""
    if not query.uses_reading or workspace.known() is not None:
        return None

    root = workspace.root()
    try:
        settings, _ = load_settings(root)  # its problems are reported by the load
    except (OrbitError, OSError):
        return None
    return readings_key(settings, settings_hash(root), on)


@dataclass(frozen=True)
class ShownEvent:
    event: Event
    reading: Reading | None
    rule_title: str  # the title of the rule behind the reading, or ''
    cancelled: tuple[tuple[str, tuple[Vote, ...]], ...] = ()  # countries whose acts cancelled


def show_event(workspace: Workspace, event_id: str, on: dt.date) -> ShownEvent:
    """One event by id; an unknown id is a usage error naming the closest id."""

    timeline = workspace.load(prefilter=Prefilter(ids=frozenset([event_id])))
    event = next((e for e in timeline.events if e.id == event_id), None)
    if event is None:
        timeline = load_all(workspace)
        event = unique_match(timeline.events, event_id)
    if event is None:
        raise UsageError(
            f"no event with id '{event_id}'{suggest_id(workspace, event_id)}",
            hint="List ids with: orbit list --format ids",
        )
    reading = readings(timeline.events, timeline.settings, on).get(event.id)
    rule = timeline.settings.rule(reading.rule) if reading else None
    return ShownEvent(
        event, reading, rule.title if rule else "", cancelled_votes(event, reading, timeline)
    )


def cancelled_votes(
    event: Event, reading: Reading | None, timeline: Timeline
) -> tuple[tuple[str, tuple[Vote, ...]], ...]:
    """The countries left unread because the event's acts cancelled, with the votes."""
    found = cancelled(event, timeline.settings.sides())
    return tuple(
        (country, tuple(votes))
        for country, votes in found.items()
        if reading is None or reading.for_country(country) is None
    )


def unique_match(events: Sequence[Event], text: str) -> Event | None:
    """The one event whose id starts with `text`, else the one whose id contains it (any case);
    None when none does; a usage error listing them when several do."""
    wanted = text.lower()
    prefixed = [e for e in events if e.id.lower().startswith(wanted)]
    found = prefixed or [e for e in events if wanted in e.id.lower()]
    if len(found) > 1:
        shown = "\n".join(f"  {e.id}" for e in found[:20])
        more = f"\n  ... and {len(found) - 20} more" if len(found) > 20 else ""
        raise UsageError(
            f"'{text}' matches {len(found)} event ids; give more of one:\n{shown}{more}",
        )
    return found[0] if found else None


def suggest_id(workspace: Workspace, event_id: str) -> str:
    """' (did you mean 'x'?)' naming the closest id in the whole timeline, or ''."""

    everything = load_all(workspace)
    return did_you_mean(event_id, [e.id for e in everything.events])


def load_all(workspace: Workspace) -> Timeline:
    """The whole timeline, quietly: its problems were reported by the load that came first."""

    if workspace.known_at is not None:
        return workspace.load(note=False)

    return load_timeline(workspace.root(), use_cache=workspace.use_cache, notice=workspace.warn)
