"""One event file's history as values: each committed revision with its field-level changes.

Values only; reading the revisions is git/ and timeline/'s job, comparing them is compare.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orbitwatch.diff.compare import FieldChange
    from orbitwatch.git.commits import Change, Commit
    from orbitwatch.model.errors import Problem
    from orbitwatch.model.event import Event


@dataclass(frozen=True)
class Version:
    commit: Commit
    change: Change  # added | modified | renamed | copied | deleted, with the paths
    event: Event | None  # None for a deletion or a revision that cannot be read
    problems: list[Problem]  # why a revision cannot be read
    fields: tuple[FieldChange, ...]  # against the last readable revision before it


@dataclass(frozen=True)
class EventHistory:
    event_id: str
    path: str  # the event file's path now (relative to the timeline root)
    versions: list[Version]  # oldest first
    uncommitted: bool  # the working tree holds changes to the file not yet committed
