"""The timeline as marks: each (event, country) reading read from the index, events built only
for the files parsed now and for what a view prints or explains.

Marks in the index are kept per file (valid while the file's entry is) and per readings key
(the settings that produce readings). Without a usable index, the whole timeline is loaded and
read as before. Reads files and the cache; never prints.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from orbitwatch.files.walk import shown_relative
from orbitwatch.model.errors import Problem
from orbitwatch.model.event import Event, Prefilter
from orbitwatch.query.sql import reading_columns
from orbitwatch.signals.readings import readings
from orbitwatch.signals.scoring import Mark, marks_of
from orbitwatch.timeline.index import Index, discard
from orbitwatch.timeline.integrity import Damaged
from orbitwatch.timeline.load import (
    Timeline,
    damaged,
    load_indexed,
    load_settings,
    load_timeline,
    settings_hash,
    with_index,
)
from orbitwatch.timeline.records import decoded
from orbitwatch.timeline.snapshot import Keyed, merged, pack, unpack_keyed, unpack_marks

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings
    from orbitwatch.timeline.index import Index

DATE_TERMS = frozenset({"since", "until", "date", "within"})
# The code that turns a parse into marks: a change to it makes every stored mark stale.
# Paths relative to the orbitwatch package (the modules moved into packages; a name that is
# not found would silently stop invalidating the marks).
READING_MODULES = (
    "model/acts.py",
    "signals/readings.py",
    "signals/scoring.py",
    "timeline/marks.py",
    "config/settings.py",
    "query/language.py",
)
NOTHING = Prefilter(ids=frozenset())  # build no fresh event (problems still come back)
T = TypeVar("T")
B = TypeVar("B")


def _quiet(message: str) -> None:
    return None


@dataclass
class Marked:
    """Marks of the whole timeline in its sort order; `events` finds an event by id."""

    root: Path
    settings: Settings
    marks: list[Mark]
    events: Mapping[str, Event]
    problems: list[Problem] = field(default_factory=list)


def readings_key(settings: Settings, file_hash: str, on: dt.date) -> str:
    """What readings depend on: orbit.toml, and the day when a rule's `when` names dates
    (relative ones such as 30d move with it)."""
    dated = any(term.field in DATE_TERMS for rule in settings.rules for term in rule.query.terms)
    digest = hashlib.sha256(f"{file_hash}:{on.isoformat() if dated else ''}".encode())
    folder = Path(__file__).parent.parent
    for name in READING_MODULES:
        try:
            digest.update((folder / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    return digest.hexdigest()[:24]


def load_marked(
    root: Path,
    on: dt.date,
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
    notice: Callable[[str], object] = _quiet,
) -> Marked:
    """Every mark of the timeline on a day, through the index when one can be had (a damaged
    one is rebuilt, and `notice` told so in one line)."""
    if not use_cache or os.environ.get("ORBIT_NO_CACHE", "") not in ("", "0"):
        return from_timeline(load_timeline(root, use_cache=False, progress=progress), on)
    # The index stays open for the events a view asks for later (IndexedEvents); it closes
    # itself when dropped or when the program ends (index.py).
    # Bulk work that makes hundreds of thousands of objects, all of which live as long as the
    # command: the collector would walk them again and again for nothing (0.1-0.2 s of a warm
    # 100k run, and as much variation), so it is off here and never walks them afterwards.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        marked = with_index(
            root, lambda index: _from_index(root, index, on, progress, notice), notice
        )
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
    if marked is None:  # no index to be had: the files, as without the cache
        return from_timeline(load_timeline(root, use_cache=False, progress=progress), on)
    return marked


def from_timeline(timeline: Timeline, on: dt.date) -> Marked:

    reading_of = readings(timeline.events, timeline.settings, on)
    marks = marks_of(timeline.events, reading_of, timeline.settings)
    by_id = {e.id: e for e in timeline.events}
    return Marked(timeline.root, timeline.settings, marks, by_id, timeline.problems)


def _from_index(
    root: Path,
    index: Index,
    on: dt.date,
    progress: Callable[[int, int], None] | None,
    notice: Callable[[str], object],
) -> Marked:
    try:
        return _marked(root, index, on, progress, notice)
    except BaseException:
        index.close()
        raise


def _marked(
    root: Path,
    index: Index,
    on: dt.date,
    progress: Callable[[int, int], None] | None,
    notice: Callable[[str], object],
) -> Marked:
    settings, problems = load_settings(root)
    show_rel = shown_relative(root)
    key = readings_key(settings, settings_hash(root), on)
    index.use_readings(key)
    fresh: set[str] = set()
    parsed, more, clean = load_indexed(root, settings, index, show_rel, NOTHING, fresh, progress)
    problems.extend(more)
    first_path, dropped = _duplicates(index, fresh, parsed, show_rel, problems)
    problems.sort(key=lambda p: (p.path, p.line, p.col))
    events = IndexedEvents(index, {e.id: e for e in parsed}, fresh, dropped, first_path)
    events.rescue = functools.partial(_rescue, root, index, notice)
    base = hashlib.sha256(f"{key}:{','.join(settings.watch)}".encode()).hexdigest()[:32]
    exact = f"{base}:{clean}" if clean is not None else f"{base}:"
    if clean is not None:  # the index holds every file as it is: a snapshot may be exact
        marks = _snapshot(index.snapshot(exact), unpack_marks)
        if marks is not None:
            events.marks = marks
            return Marked(root, settings, marks, events, problems)
    earlier = _snapshot(index.snapshot_of(base), unpack_keyed)
    keyed, stats = _marks_now(index, settings, on, parsed, fresh, dropped, earlier)
    index.put_snapshot(exact, base, pack(keyed, stats))
    events.marks = [mark for _, mark, _ in keyed]
    return Marked(root, settings, events.marks, events, problems)


def _snapshot(blob: B | None, unpack: Callable[[B], T]) -> T | None:
    """An unpacked snapshot, None for none; Damaged when it passed its checksum and still
    does not unpack (a surprise is damage too)."""
    if blob is None:
        return None
    try:
        return unpack(blob)
    except (ValueError, EOFError, TypeError, IndexError, KeyError, OverflowError) as exc:
        raise Damaged(f"the marks' snapshot does not unpack ({type(exc).__name__})") from None


def _rescue(
    root: Path, index: Index, notice: Callable[[str], object], reason: str
) -> dict[str, Event]:
    """The events by id read from the files, when the index failed after the marks were
    read from it: the index is discarded (the next run rebuilds it) and the run says so."""
    index.close()
    discard(root)
    notice(damaged(reason))
    return {e.id: e for e in load_timeline(root, use_cache=False).events}


def _marks_now(
    index: Index,
    settings: Settings,
    on: dt.date,
    parsed: Sequence[Event],
    fresh: set[str],
    dropped: set[str],
    earlier: tuple[list[Keyed], dict[str, str | None]] | None,
) -> tuple[list[Keyed], dict[str, str]]:
    """Every mark of the timeline in its order, and the versions (stat and content key) of the
    stored files: the earlier snapshot's marks of the files unchanged since, and marks read
    now for the files parsed now and the other fresh files (built from their records)."""

    stats = index.ok_paths()
    if not stats.keys() <= fresh.union(e.path for e in parsed):
        raise Damaged("an entry's path is not a file's")  # a damaged path would lose marks
    if not fresh <= stats.keys() | index.failed:
        raise Damaged("an entry is neither an event nor a failed file")  # a damaged ok flag
    kept: list[Keyed] = []
    covered: set[str] = set()
    if earlier is not None:
        kept, was = earlier
        covered = {p for p, st in was.items() if st is not None and stats.get(p) == st}
        covered -= dropped
        covered &= fresh
        if len(covered) != len(was):
            kept = [item for item in kept if item[2] in covered]
    uncovered = [p for p in stats if p in fresh and p not in dropped and p not in covered]
    built = [e for _, blob in index.records_at(uncovered) if (e := decoded(blob, "")[0])]
    new = [*parsed, *built]
    more: list[Keyed] = _read(new, settings, on, stats, index) if new else []
    return merged(kept, more), stats


def _duplicates(
    index: Index,
    fresh: set[str],
    parsed: Sequence[Event],
    show_rel: Callable[[str], str],
    problems: list[Problem],
) -> tuple[dict[str, str], set[str]]:
    """The first path of each duplicated id, and the fresh paths that lose to it (their
    problems added; the parsed ones were reported by the loader)."""
    first_path: dict[str, str] = {}
    twins = index.duplicate_ids()
    for event_id, path in twins:
        first_path.setdefault(event_id, path)
    for event in parsed:
        if event.id in first_path:
            first_path[event.id] = min(first_path[event.id], event.path)
    dropped: set[str] = set()
    for event_id, path in twins:
        first = first_path[event_id]
        if path in fresh and path != first:
            dropped.add(path)
            problems.append(
                Problem(
                    show_rel(path),
                    1,
                    1,
                    f"duplicate id '{event_id}': also used by {show_rel(first)}",
                    field="id",
                )
            )
    return first_path, dropped


def _read(
    events: Sequence[Event],
    settings: Settings,
    on: dt.date,
    stats: Mapping[str, str],
    index: Index,
) -> list[Keyed]:
    """Read events now, and store their marks for the next run (with a watch list, only the
    watched countries' and each event's first: the only ones ever read)."""

    reading_of = readings(events, settings, on)
    watch = frozenset(settings.watch)
    keyed = []
    read: list[tuple[object, ...]] = []  # the event's own reading, for queries (querysql)
    for event in events:
        marks = marks_of([event], reading_of, settings)
        precision = int(event.date.precision)
        for position, mark in enumerate(marks):
            if watch and mark.country not in watch and position:
                continue  # with a watch list, other countries' marks are never read
            sort_key = (mark.first_day.toordinal(), precision, mark.event_id, position)
            keyed.append((sort_key, mark, event.path))
        stat = stats.get(event.path)
        if stat is not None:
            read.append((*reading_columns(reading_of.get(event.id)), event.path, stat))
    index.put_readings(read)
    return keyed


class IndexedEvents(Mapping[str, Event]):
    """Events by id, built from the index only when asked for (what is printed)."""

    def __init__(
        self,
        index: Index,
        loaded: dict[str, Event],
        fresh: set[str],
        dropped: set[str],
        first_path: Mapping[str, str],
    ):
        self.index, self.loaded, self.fresh, self.dropped = index, loaded, fresh, dropped
        self.first_path = first_path
        self.marks: Sequence[Mark] = ()
        self.rescue: Callable[[str], dict[str, Event]] | None = None
        self.read_files: dict[str, Event] | None = None
        self.ids: set[str] | None = None

    def __getitem__(self, event_id: str) -> Event:

        if event_id in self.loaded:
            return self.loaded[event_id]
        if self.read_files is not None:
            return self.read_files[event_id]
        try:
            for path, blob in self.index.records_of(event_id):
                if path in self.fresh and path not in self.dropped:
                    event = decoded(blob, "")[0]
                    if event is not None:
                        self.loaded[event_id] = event
                        return event
        except Damaged as exc:
            return self._from_files(event_id, str(exc))
        if self.ids is None:
            self.ids = {mark.event_id for mark in self.marks}
        if event_id in self.ids:
            # the marks hold it, the index does not: the index is not what it says it is
            return self._from_files(event_id, "an entry is missing")
        raise KeyError(event_id)

    def _from_files(self, event_id: str, reason: str) -> Event:
        if self.rescue is None:
            raise KeyError(event_id)
        self.read_files = self.rescue(reason)
        return self.read_files[event_id]

    def __iter__(self) -> Iterator[str]:
        raise TypeError("IndexedEvents builds events one id at a time")

    def __len__(self) -> int:
        raise TypeError("IndexedEvents builds events one id at a time")
