"""Use case of `orbit history ID`: every committed revision of one event file, following
renames, with who committed it and the field-level changes (diff.py) against the one before.

The log and the contents come from history.py (one `git cat-file --batch`); nothing printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from orbitwatch.app.events import suggest_id
from orbitwatch.config.settings import Settings, parse_settings
from orbitwatch.diff.compare import FieldChange, field_changes
from orbitwatch.diff.history import EventHistory, Version
from orbitwatch.git.commits import file_history
from orbitwatch.model.errors import UsageError
from orbitwatch.model.event import Prefilter
from orbitwatch.text.tomlpos import read_toml
from orbitwatch.timeline.load import load_revision, parse_event_file

if TYPE_CHECKING:
    from orbitwatch.app.context import Workspace
    from orbitwatch.config.settings import Settings
    from orbitwatch.diff.compare import FieldChange
    from orbitwatch.git.commits import FileRevision
    from orbitwatch.model.event import Event


def event_history(workspace: Workspace, event_id: str) -> EventHistory:
    """The history of the event with this id (in the working tree, else at HEAD); an unknown
    id is a usage error naming the closest one."""

    root = workspace.root()
    path = _event_path(workspace, root, event_id)
    revisions = file_history(root, path)
    versions = _versions(root, revisions)
    on_disk = root / path
    last = revisions[-1].content if revisions else None
    uncommitted = on_disk.is_file() and on_disk.read_bytes() != last
    return EventHistory(event_id, path, versions, uncommitted)


def _event_path(workspace: Workspace, root: Path, event_id: str) -> str:

    timeline = workspace.load(prefilter=Prefilter(ids=frozenset([event_id])))
    found = [e.path for e in timeline.events if e.id == event_id]
    if not found:
        # deleted here, perhaps committed
        committed = load_revision(root, "HEAD", "HEAD", workspace.warn, workspace.use_cache)
        found = [e.path for e in committed.events if e.id == event_id]
    if not found:
        raise UsageError(
            f"no event with id '{event_id}'{suggest_id(workspace, event_id)}",
            hint="List ids with: orbit list --format ids",
        )
    return found[0]


def _versions(root: Path, revisions: list[FileRevision]) -> list[Version]:

    settings_of: dict[bytes | None, Settings] = {}
    versions: list[Version] = []
    before: Event | None = None
    for revision in revisions:
        change, data = revision.change, revision.content
        if data is None:
            versions.append(Version(revision.commit, change, None, [], ()))
            continue
        if revision.settings not in settings_of:
            settings_of[revision.settings] = _settings(root, revision.settings)
        shown = f"{revision.commit.short}:{change.path}"
        event, problems = parse_event_file(
            root / change.path, shown, settings_of[revision.settings], data, rel=change.path
        )
        fields: tuple[FieldChange, ...] = ()
        if event is not None and before is not None:
            fields = field_changes(before, event)
            if before.id != event.id:
                fields = (FieldChange("id", before.id, event.id), *fields)
        versions.append(Version(revision.commit, change, event, problems, fields))
        before = event or before
    return versions


def _settings(root: Path, data: bytes | None) -> Settings:
    """orbit.toml at a revision (its tag vocabulary decides what an event may say)."""

    if data is None:
        return Settings()
    text, raw, _ = read_toml(root / "orbit.toml", "orbit.toml", data)
    return parse_settings("orbit.toml", text, raw)[0] if raw is not None else Settings()
