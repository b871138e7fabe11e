"""Find the timeline root and read its orbit.toml and events/ into values and Problems.

The orchestration: the walk (walk.py), safe TOML reading (tomlpos.py), git revisions
(gitrev.py), worker processes (pool.py) and the index (index.py) meet here. Reads files;
never prints. Every failure of one file becomes a located Problem and the rest load.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from orbitwatch.config.settings import Settings, parse_settings, settings_from
from orbitwatch.files.walk import (
    EVENTS_DIR,
    SETTINGS_FILE,
    event_files,
    odd_problems,
    relative_to_root,
)
from orbitwatch.git.revisions import forget_revisions, list_revision, resolve_revision
from orbitwatch.model.errors import OrbitError, Problem
from orbitwatch.model.event import Event, Prefilter, sort_events
from orbitwatch.text.tomlpos import read_toml
from orbitwatch.timeline import committed
from orbitwatch.timeline import index as cache
from orbitwatch.timeline.check import check_duplicates
from orbitwatch.timeline.freshness import freshness, settle, stat_all, stat_key, tree_signature
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


def find_root(
    explicit: str | None,
    environ: Mapping[str, str],
    cwd: Path,
    explicit_name: str = "the root folder",
    hint: str = "Set ORBIT_ROOT, or create one with: orbit init DIR",
) -> Path:
    """The explicit folder, else ORBIT_ROOT, else the nearest folder upward holding orbit.toml
    or events/. `explicit_name` and `hint` word the errors (the CLI names its option)."""
    for given, origin in ((explicit, explicit_name), (environ.get("ORBIT_ROOT"), "ORBIT_ROOT")):
        if given:
            root = Path(given)
            if not root.is_dir():
                raise OrbitError(f"{origin} {given}: no such folder")
            return root
    for folder in (cwd, *cwd.parents):
        if (folder / SETTINGS_FILE).is_file() or (folder / EVENTS_DIR).is_dir():
            return folder
    raise OrbitError(
        f"no timeline here: no {SETTINGS_FILE} or {EVENTS_DIR}/ in {cwd} or any folder above it",
        hint=hint,
    )


def display_path(path: Path, cwd: Path | None = None) -> str:
    """The path as the user should see it: relative to the working folder when inside it."""
    base = os.path.abspath(cwd or os.getcwd())
    full = os.path.abspath(path)
    prefix = base.rstrip(os.sep) + os.sep
    if full.startswith(prefix):
        return full[len(prefix) :]
    return str(path)


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
    root: Path, attempt: Callable[[Index], T], notice: Callable[[str], object] = _quiet
) -> T | None:
    """attempt(index) with the timeline's index; a damaged index is discarded and the
    attempt made again with a new one (said once through `notice`). None when no index can
    be had (busy, unwritable, damaged twice): the caller reads the files instead."""
    said = False
    for _ in range(2):
        index = cache.Index.open(root, settings_hash(root))
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


def shown_relative(root: Path, show: Callable[[Path], str] = display_path) -> Callable[[str], str]:
    """How a path relative to the root is shown (relative to the working folder by default)."""
    base = os.path.abspath(root)
    if show is not display_path:
        return lambda rel: show(Path(base) / rel)
    # The common case, without a Path object per file.
    cwd = os.path.abspath(os.getcwd())
    if base == cwd:
        prefix = ""
    elif base.startswith(cwd.rstrip(os.sep) + os.sep):
        prefix = base[len(cwd.rstrip(os.sep)) + 1 :] + os.sep
    else:
        prefix = str(root).rstrip(os.sep) + os.sep
    return lambda rel: prefix + rel


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


def _load_indexed(
    root: Path,
    settings: Settings,
    index: Index,
    show_rel: Callable[[str], str],
    progress: Callable[[int, int], None] | None,
    prefilter: Prefilter | None,
    fresh_out: set[str] | None = None,
    acts_only: bool = False,
) -> Loaded:
    import gc
    import time

    db = index
    base = os.path.abspath(root)
    files, odd = event_files(os.path.join(base, EVENTS_DIR), base)
    cut = len(base.rstrip(os.sep)) + 1  # a root of '/' keeps the 'e' of /events
    rels = (
        [f[cut:] for f in files] if os.sep == "/" else [f[cut:].replace(os.sep, "/") for f in files]
    )
    gc_was_enabled = gc.isenabled()
    gc.disable()  # bulk work makes many objects; the collector would only slow it down
    try:
        now_ns = time.time_ns()
        keys = stat_all(files)
        signature = tree_signature(rels, keys)
        fresh, todo, known = freshness(db, rels, keys, signature)
        jobs: list[RowJob] = []
        for i in todo:
            key = keys[i]  # files changed too recently to trust get no row: parsed next time
            stored_as = stat_key(key) if key is not None and key[1] < now_ns - RACY_NS else ""
            jobs.append((files[i], show_rel(rels[i]), rels[i], stored_as))
        parsed = parse_entries(jobs, settings, progress, acts_only, cache.row_for)
        changed: list[tuple[object, ...]] = []
        events: list[Event] = []
        problems: list[Problem] = []
        ids: list[tuple[str, str]] = []  # (path, id) of every event, built or not
        stored = True  # every file parsed now has its entry written
        for position, (event, file_problems, event_id, row) in zip(todo, parsed, strict=True):
            if row is not None:
                changed.append(row)
                if len(changed) >= 5000:  # written in batches: the blobs need not all wait
                    stored = db.update(changed, ()) and stored
                    changed = []
            else:
                stored = False  # too recent to trust: parsed again next time
            if event_id is not None:
                ids.append((rels[position], event_id))
            if event is not None:
                events.append(event)
            problems.extend(file_problems)
        parsed.clear()
        if fresh_out is not None:
            fresh_out.update(fresh)
        removed = [rel for rel in known.keys() - set(rels)]
        clean = settle(db, signature if stored else None, changed, removed, bool(todo), known)
        for rel, blob in db.records(fresh, prefilter):
            event, file_problems, event_id = decoded_thin(blob, "", acts_only)
            if event_id is not None:
                ids.append((rel, event_id))
            if file_problems:
                shown = show_rel(rel)
                file_problems = [p._replace(path=shown) for p in file_problems]
            if event is not None:
                events.append(event)
            problems.extend(file_problems)
    finally:
        gc.freeze()  # what the load made lives as long as the command: never walk it again
        if gc_was_enabled:
            gc.enable()
    problems.extend(odd_problems(odd, lambda p: show_rel(p[cut:].replace(os.sep, "/"))))
    if prefilter is None:
        first, duplicates = duplicate_ids(ids, show_rel)
        kept = set(first.values())
        events = [event for event in events if event.path in kept]
        count = len(first)
    else:  # only part of the timeline is loaded: ask the index (and the new parses) for twins
        events, duplicates = _duplicates_indexed(db, events, show_rel)
        count = len(events)
    return events, problems + duplicates, len(todo), clean, count


def _duplicates_indexed(
    index: Index, events: list[Event], show_rel: Callable[[str], str]
) -> tuple[list[Event], list[Problem]]:
    first_path: dict[str, str] = {}
    for event_id, path in index.duplicate_ids():
        first_path.setdefault(event_id, path)
    loaded_first: dict[str, str] = {}
    for event in sorted(events, key=lambda e: e.path):
        loaded_first.setdefault(event.id, event.path)
    kept: list[Event] = []
    problems: list[Problem] = []
    for event in events:
        first = min(p for p in (first_path.get(event.id), loaded_first[event.id]) if p)
        if event.path != first:
            problems.append(
                Problem(
                    show_rel(event.path),
                    1,
                    1,
                    f"duplicate id '{event.id}': also used by {show_rel(first)}",
                    field="id",
                )
            )
        else:
            kept.append(event)
    return kept, problems


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

    key = committed.settings_key(root, listing.settings) if use_cache else None
    return committed.with_records(root, key, attempt, lambda reason: notice(damaged(reason)))


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
