"""Find the timeline root and read its orbit.toml and events/ into values and Problems.

The orchestration: the walk (walk.py), safe TOML reading (tomlpos.py), git revisions
(gitrev.py), worker processes (pool.py) and the index (index.py) meet here. Reads files;
never prints. Every failure of one file becomes a located Problem and the rest load.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from orbitwatch.config.settings import Settings, parse_settings, settings_from
from orbitwatch.files.walk import (
    EVENTS_DIR,
    SETTINGS_FILE,
    display_path,
    event_files,
    find_root,
    odd_problems,
    relative_to_root,
    shown_relative,
)
from orbitwatch.git.revisions import forget_revisions, list_revision, resolve_revision
from orbitwatch.model.errors import Problem
from orbitwatch.model.event import Event, Prefilter, sort_events
from orbitwatch.text.tomlpos import read_toml
from orbitwatch.timeline import committed
from orbitwatch.timeline import index as cache
from orbitwatch.timeline.check import check_duplicates
from orbitwatch.timeline.freshness import freshness, settle, stat_key, survey
from orbitwatch.timeline.integrity import Damaged
from orbitwatch.timeline.parsing import (
    RowJob,
    duplicate_ids,
    parse_all,
    parse_entries,
    parse_event_file,
)
from orbitwatch.timeline.pool import map_pooled
from orbitwatch.timeline.records import (
    decoded_thin,
    dump,
    from_record,
    load,
    to_record,
)
from orbitwatch.timeline.rows import row_for
from orbitwatch.timeline.twins import without_twins

if TYPE_CHECKING:
    from orbitwatch.timeline.index import Index

# Names other modules and tests have always imported from here.
__all__ = [
    "EVENTS_DIR",
    "SETTINGS_FILE",
    "Timeline",
    "display_path",
    "find_root",
    "forget_revisions",
    "load_revision",
    "load_settings",
    "load_timeline",
    "parse_event_file",
    "read_toml",
    "relative_to_root",
    "resolve_revision",
]


T = TypeVar("T")


def _quiet(message: str) -> None:
    return None


@dataclass(frozen=True)
class Timeline:
    root: Path
    settings: Settings
    events: list[Event]
    problems: list[Problem] = field(default_factory=list)
    parsed: int = 0  # files parsed this time (the rest came from the index)
    partial: bool = False  # a prefilter left out events that cannot match the query
    counted: int | None = None  # how many events there are, when only some were built

    @property
    def event_count(self) -> int:
        """How many events the timeline holds (after duplicate ids), built or not."""
        return len(self.events) if self.counted is None else self.counted


def load_settings(
    root: Path, show: Callable[[Path], str] = display_path
) -> tuple[Settings, list[Problem]]:
    path = root / SETTINGS_FILE
    if not path.exists():
        return Settings(), []
    shown = show(path)
    text, raw, problems = read_toml(path, shown)
    if raw is None:
        return Settings(path=shown), problems
    settings, more = parse_settings(shown, text, raw)
    return settings, problems + more


def load_timeline(
    root: Path,
    only: Iterable[Path] | None = None,
    show: Callable[[Path], str] = display_path,
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
    prefilter: Prefilter | None = None,
    notice: Callable[[str], object] = _quiet,
    acts_only: bool = False,
) -> Timeline:
    """The timeline (or only the given files): sorted events, problems in path order.

    With the cache (the default for whole timelines), files whose (size, mtime, ctime, inode)
    match the index are not parsed again; the rest are parsed, in worker processes when many.
    A prefilter may leave out events that cannot match (the Timeline is then `partial`). A
    damaged index is rebuilt, and `notice` told so in one line. With `acts_only` (what `check`
    needs), only the events with acts are kept; the others are counted (`event_count`) and
    checked for duplicate ids, and through the index never built.
    """
    settings, problems = load_settings(root, show)
    base = os.path.abspath(root)
    show_rel = shown_relative(root, show)
    if only is None and use_cache and os.environ.get("ORBIT_NO_CACHE", "") in ("", "0"):

        def attempt(index: Index) -> Loaded:
            try:
                return _load_indexed(
                    root, settings, index, show_rel, progress, prefilter, acts_only=acts_only
                )
            finally:
                index.close()

        loaded = with_index(root, attempt, notice)
        if loaded is not None:
            events, more, parsed, _, count = loaded
            problems.extend(more)
            problems.sort(key=lambda p: (p.path, p.line, p.col))
            return Timeline(
                root,
                settings,
                sort_events(events),
                problems,
                parsed,
                partial=prefilter is not None,
                counted=count if acts_only and prefilter is None else None,
            )
    odd: list[tuple[str, str]] = []
    if only is not None:
        files = [str(p) for p in only]
    else:
        files, odd = event_files(os.path.join(base, EVENTS_DIR), base)
    problems.extend(odd_problems(odd, lambda p: show(Path(p))))
    rels = [relative_to_root(root, f) for f in files]
    results = parse_all(
        files,
        [
            show(Path(f)) if only is not None else show_rel(r)
            for f, r in zip(files, rels, strict=True)
        ],
        rels,
        settings,
        progress,
    )
    events = [event for event, _ in results if event is not None]
    for _, file_problems in results:
        problems.extend(file_problems)
    events, duplicates = check_duplicates(events, show_rel)
    problems.extend(duplicates)
    problems.sort(key=lambda p: (p.path, p.line, p.col))
    if acts_only:
        count = len(events)
        events = [event for event in events if event.acts]
        return Timeline(root, settings, sort_events(events), problems, len(files), counted=count)
    return Timeline(root, settings, sort_events(events), problems, len(files))


def damaged(reason: str) -> str:
    """The one line a run says when it found the cache damaged."""
    return (
        f"the cache of this timeline was damaged ({reason}); it was discarded and is "
        "rebuilt from the event files"
    )


def with_index(
    root: Path,
    attempt: Callable[[Index], T],
    notice: Callable[[str], object] = _quiet,
    key: str | None = None,
) -> T | None:
    """attempt(index) with the timeline's index (opened for the settings hash `key`, else
    the working tree's); a damaged index is discarded and the attempt made again with a new
    one (said once through `notice`). None when no index can be had (busy, unwritable,
    damaged twice): the caller reads the files instead."""
    said = False
    for _ in range(2):
        index = cache.Index.open(root, key or settings_hash(root))
        if index is None:
            return None
        if index.damage is not None and not said:
            notice(damaged(index.damage))
            said = True
        try:
            return attempt(index)
        except Damaged as exc:
            index.close()
            cache.discard(root)
            if not said:
                notice(damaged(str(exc)))
                said = True
    return None


def settings_hash(root: Path) -> str:
    """Parse results depend on orbit.toml (the tag vocabulary): a change empties the index."""
    import hashlib

    try:
        data = (root / SETTINGS_FILE).read_bytes()
    except OSError:
        data = b""
    return hashlib.sha256(data).hexdigest()


RACY_NS = 2_000_000_000  # files changed this recently are never cached (same-tick edits)

# (events built, problems, files parsed now, the tree signature when clean, events counted)
Loaded = tuple[list[Event], list[Problem], int, "str | None", int]


def load_indexed(
    root: Path,
    settings: Settings,
    index: Index,
    show_rel: Callable[[str], str],
    prefilter: Prefilter,
    fresh_out: set[str],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Event], list[Problem], str | None]:
    """For a loader of its own (markload.py): the files parsed now, the index's fresh
    entries that pass the prefilter, and the tree signature when the index now holds every
    file as it is (None when not); `fresh_out` gets every fresh path."""
    events, problems, _, clean, _ = _load_indexed(
        root, settings, index, show_rel, progress, prefilter, fresh_out
    )
    return events, problems, clean


@dataclass
class Refreshed:
    """The index made current: the paths whose entries hold, the events built and problems of
    the files parsed now (the walk's findings among them), the (path, id) of every event
    parsed now, built or not, how many files were parsed, and the tree signature when the
    index now holds every file as it is (None when not)."""

    fresh: set[str]
    events: list[Event]
    problems: list[Problem]
    ids: list[tuple[str, str]]
    parsed: int
    clean: str | None


@contextmanager
def bulk() -> Iterator[None]:
    """Bulk work makes many objects the collector would only slow down: it is off meanwhile,
    and what was made is frozen after (it lives as long as the command)."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def refresh(
    root: Path,
    settings: Settings,
    db: Index,
    show_rel: Callable[[str], str],
    progress: Callable[[int, int], None] | None,
    acts_only: bool = False,
) -> Refreshed:
    """Survey the files (freshness.py), parse the ones whose entry does not hold and store
    their rows (made in the workers, written in batches), remove the entries of files gone."""
    import time

    base = os.path.abspath(root)
    now_ns = time.time_ns()
    known_plain = db.plain_listing()
    found = survey(base, plain=known_plain)
    if found.plain and found.plain != known_plain:
        db.set_plain_listing(found.plain)
    files, rels, keys, blobs = found.files, found.rels, found.keys, found.blobs
    fresh, todo, known = freshness(db, found)
    jobs: list[RowJob] = []
    for i in todo:
        key = keys[i]  # a stat too recent to trust is stored empty: only the content key
        stored_as = stat_key(key) if key is not None and key[1] < now_ns - RACY_NS else ""
        # a row is stored under a trusted stat, or when git vouched for the content parsed
        jobs.append((files[i], show_rel(rels[i]), rels[i], stored_as, blobs[i]))
    parsed = parse_entries(jobs, settings, progress, acts_only, row_for)
    changed: list[tuple[object, ...]] = []
    events: list[Event] = []
    problems: list[Problem] = []
    ids: list[tuple[str, str]] = []
    stored = True  # every file parsed now has its entry written
    for position, (event, file_problems, event_id, row) in zip(todo, parsed, strict=True):
        if row is not None:
            changed.append(row)
            if len(changed) >= 5000:  # written in batches: the rows need not all wait
                stored = db.update(changed, ()) and stored
                changed = []
        else:
            stored = False  # too recent to trust, and not vouched for: parsed again next time
        if event_id is not None:
            ids.append((rels[position], event_id))
        if event is not None:
            events.append(event)
        problems.extend(file_problems)
    parsed.clear()
    removed = [rel for rel in known.keys() - set(rels)]
    clean = settle(db, found.signature if stored else None, changed, removed, bool(todo), known)
    cut = len(base.rstrip(os.sep)) + 1  # a root of '/' keeps the 'e' of /events
    problems.extend(odd_problems(found.odd, lambda p: show_rel(p[cut:].replace(os.sep, "/"))))
    return Refreshed(fresh, events, problems, ids, len(todo), clean)


def _load_indexed(
    root: Path,
    settings: Settings,
    db: Index,
    show_rel: Callable[[str], str],
    progress: Callable[[int, int], None] | None,
    prefilter: Prefilter | None,
    fresh_out: set[str] | None = None,
    acts_only: bool = False,
) -> Loaded:
    with bulk():
        done = refresh(root, settings, db, show_rel, progress, acts_only)
        events, problems, ids = done.events, done.problems, done.ids
        if fresh_out is not None:
            fresh_out.update(done.fresh)
        for rel, blob in db.records(done.fresh, prefilter):
            event, file_problems, event_id = decoded_thin(blob, "", acts_only)
            if event_id is not None:
                ids.append((rel, event_id))
            if file_problems:
                shown = show_rel(rel)
                file_problems = [p._replace(path=shown) for p in file_problems]
            if event is not None:
                events.append(event)
            problems.extend(file_problems)
    if prefilter is None:
        first, duplicates = duplicate_ids(ids, show_rel)
        kept = set(first.values())
        events = [event for event in events if event.path in kept]
        count = len(first)
    else:  # only part of the timeline is loaded: ask the index (and the new parses) for twins
        events, duplicates = without_twins(db, events, show_rel)
        count = len(events)
    return events, problems + duplicates, done.parsed, done.clean, count


def load_revision(
    root: Path,
    revision: str,
    label: str = "",
    notice: Callable[[str], object] = _quiet,
    use_cache: bool = True,
) -> Timeline:
    """The timeline at a revision (one ls-tree, one cat-file; by content from the index when
    possible: committed.py); problems located at `label:path` (the revision, or `label`)."""
    listing = list_revision(root, resolve_revision(root, revision))
    label = label or revision

    def attempt(index: Index | None) -> Timeline:
        path, shown = str(root / SETTINGS_FILE), f"{label}:{SETTINGS_FILE}"
        settings_of = functools.partial(settings_from, path=path, shown=shown)
        settings, events, problems, parsed = committed.read_files(
            root, listing, label, index, settings_of, _parse_contents
        )
        events, duplicates = check_duplicates(events, lambda rel: f"{label}:{rel}")
        problems.extend(duplicates)
        problems.sort(key=lambda p: (p.path, p.line, p.col))
        return Timeline(root, settings, sort_events(events), problems, parsed)

    def closing(index: Index) -> Timeline:
        try:
            return attempt(index)
        finally:
            index.close()

    key = committed.settings_key(root, listing.settings) if use_cache else None
    found = None if key is None else with_index(root, closing, notice, key)
    return attempt(None) if found is None else found


Content = tuple[str, bytes]  # (path relative to the root, file content)
ParsedContent = tuple["Event | None", list[Problem]]


def _parse_content(label: str, root: Path, settings: Settings, item: Content) -> ParsedContent:
    rel, data = item
    return parse_event_file(root / rel, f"{label}:{rel}", settings, data, rel=rel)


def _parse_content_blobs(
    label: str, root: Path, settings: Settings, items: Sequence[Content]
) -> list[bytes]:
    """In a worker: parse file contents read from git, handing back record blobs."""
    return [dump(to_record(*_parse_content(label, root, settings, item))) for item in items]


def _rebuild_content(label: str, blob: bytes, item: Content) -> ParsedContent:
    return from_record(load(blob), f"{label}:{item[0]}")


def _parse_contents(
    items: list[Content], label: str, root: Path, settings: Settings
) -> list[ParsedContent]:
    """Contents read from a revision, parsed in order; in worker processes when many."""
    return map_pooled(
        items,
        functools.partial(_parse_content, label, root, settings),
        functools.partial(_parse_content_blobs, label, root, settings),
        functools.partial(_rebuild_content, label),
    )
