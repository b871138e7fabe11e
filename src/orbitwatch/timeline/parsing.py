"""Event files parsed and checked, in worker processes when many: the Event and its Problems,
and for the index each file's row, made beside its parse (issue 31).

What the workers run and hand back; reads the files it is given, never the index.
"""

from __future__ import annotations

import functools
import marshal
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orbitwatch.model.errors import Problem
from orbitwatch.model.event import Event
from orbitwatch.text.tomlpos import NotRegularFile, read_regular, read_toml
from orbitwatch.timeline.check import check_event, duplicate_problem
from orbitwatch.timeline.pool import map_pooled
from orbitwatch.timeline.records import content_key, dump, from_record, load, thinned, to_record

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings

ParseJob = tuple[str, str, str]  # (path to read, path to show, path relative to the root)
Parsed = tuple["Event | None", list[Problem]]
# a ParseJob, the stat key of its row ("": too recent to trust) and the blob id git vouches
# for ("": none): a row is made under a trusted stat, or when the content parsed is that blob
RowJob = tuple[str, str, str, str, str]
# rows.row_for, handed in (the index's own imports would make the chain of modules too deep)
MakeRow = Callable[[str, str, "Event | None", bytes, str], tuple[object, ...]]
# (the event when built, problems, the event's id, the index row when one is to be stored)
Entry = tuple["Event | None", list[Problem], "str | None", "tuple[object, ...] | None"]


def parse_event_file(
    path: Path | str, shown: str, settings: Settings, data: bytes | None = None, rel: str = ""
) -> tuple[Event | None, list[Problem]]:
    """One event file: the Event (its path is `rel`, relative to the root) or its problems."""
    text, raw, problems = read_toml(path, shown, data)
    if raw is None:
        return None, problems
    name = os.path.basename(path)
    stem = name[: -len(".toml")] if name.endswith(".toml") else name
    return check_event(
        shown,
        text,
        raw,
        stem,
        settings.tags,
        event_path=rel or shown,
        blocs=settings.blocs or (),
        declared=settings.countries,
    )


def _parse_keyed(settings: Settings, job: ParseJob) -> tuple[Event | None, list[Problem], str]:
    """One file parsed, with the key of its content (content_key; "" when it could not be
    read, and read_toml words why)."""
    path, shown, rel = job
    try:
        data = read_regular(path)
    except (OSError, NotRegularFile):
        return (*parse_event_file(path, shown, settings, rel=rel), "")
    return (*parse_event_file(path, shown, settings, data, rel=rel), content_key(data))


def _parse_one(settings: Settings, job: ParseJob) -> Parsed:
    return parse_event_file(job[0], job[1], settings, rel=job[2])


def _parse_blobs(settings: Settings, jobs: Sequence[ParseJob]) -> list[bytes]:
    """In a worker: parse and check, and hand back each result as one compact record blob
    (the parent neither re-encodes nor unpickles nested objects)."""
    return [dump(to_record(*_parse_one(settings, job))) for job in jobs]


def _rebuild(blob: bytes, job: ParseJob) -> Parsed:
    return from_record(load(blob), job[1])


def parse_all(
    files: list[str],
    shown: list[str],
    rels: list[str],
    settings: Settings,
    progress: Callable[[int, int], None] | None,
) -> list[Parsed]:
    """Parse in file order; a small process pool for many files on a multi-core machine."""
    return map_pooled(
        list(zip(files, shown, rels, strict=True)),
        functools.partial(_parse_one, settings),
        functools.partial(_parse_blobs, settings),
        _rebuild,
        progress,
    )


def _entry_parts(
    settings: Settings, make_row: MakeRow, job: RowJob
) -> tuple[Event | None, list[Problem], Any, tuple[object, ...] | None]:
    """One file parsed and checked: its event, problems, record and index row (made only
    when the job has a stat key to store it under, or git vouched for the content parsed)."""
    path, shown, rel, key, vouched = job
    event, problems, content = _parse_keyed(settings, (path, shown, rel))
    record = to_record(event, problems)
    keep = key or (vouched and content == vouched)
    row = make_row(rel, key, event, dump(record), content) if keep else None
    return event, problems, record, row


def _entry_one(settings: Settings, make_row: MakeRow, acts_only: bool, job: RowJob) -> Entry:
    event, problems, _, row = _entry_parts(settings, make_row, job)
    event_id = None if event is None else event.id
    if acts_only and event is not None and not event.acts:
        event = None
    return event, problems, event_id, row


def _entry_blobs(
    settings: Settings, make_row: MakeRow, acts_only: bool, jobs: Sequence[RowJob]
) -> list[bytes]:
    """In a worker: parse and check, make each index row here (its packing and checksums cost
    about what the parent's rebuild of the event did), and hand back the row, the event's id
    and the record to build (thinned: with acts_only, an event without acts is not built)."""
    blobs = []
    for job in jobs:
        _, _, record, row = _entry_parts(settings, make_row, job)
        entry: Any = (*thinned(record, acts_only), row)
        blobs.append(marshal.dumps(entry))
    return blobs


def _rebuild_entry(blob: bytes, job: RowJob) -> Entry:
    record, event_id, row = marshal.loads(blob)
    return (*from_record(record, job[1]), event_id, row)


def parse_entries(
    jobs: list[RowJob],
    settings: Settings,
    progress: Callable[[int, int], None] | None,
    acts_only: bool,
    make_row: MakeRow,
) -> list[Entry]:
    """parse_all for the index: each file's row made beside its parse (by make_row, a
    module-level function the workers can import), in the workers."""
    return map_pooled(
        jobs,
        functools.partial(_entry_one, settings, make_row, acts_only),
        functools.partial(_entry_blobs, settings, make_row, acts_only),
        _rebuild_entry,
        progress,
    )


def duplicate_ids(
    ids: Iterable[tuple[str, str]], show: Callable[[str], str] = str
) -> tuple[dict[str, str], list[Problem]]:
    """check_duplicates over (path, id) pairs, for events not built: the first path of each
    id (in path order) and a problem for each later one."""
    first: dict[str, str] = {}
    problems: list[Problem] = []
    for path, event_id in sorted(ids):
        other = first.get(event_id)
        if other is not None:
            problems.append(duplicate_problem(show, path, event_id, other))
            continue
        first[event_id] = path
    return first, problems
