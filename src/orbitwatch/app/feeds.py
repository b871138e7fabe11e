"""The feed use cases (`orbit feed ...`): where the store is, import files, update from GDELT.

Typed functions taking and returning values (feeds/ does the work); no click, no printing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from orbitwatch.feeds.ingest import import_paths
from orbitwatch.feeds.store import default_store
from orbitwatch.feeds.update import DEFAULT_BASE_URL, update
from orbitwatch.model.errors import OrbitError, UsageError
from orbitwatch.timeline.load import load_settings

if TYPE_CHECKING:
    from orbitwatch.app.context import Workspace
    from orbitwatch.feeds.ingest import ImportReport, Progress
    from orbitwatch.feeds.update import UpdateReport


@dataclass(frozen=True, slots=True)
class FeedPlace:
    """A feed's store folder and where its GDELT files come from."""

    name: str
    store: Path
    base_url: str


def feed_place(
    workspace: Workspace,
    name: str,
    store_option: str | None = None,
    base_url_option: str | None = None,
) -> FeedPlace:
    """--store, else orbit.toml's [feeds.NAME] store (relative to the timeline root), else
    the user's data folder/orbitwatch/feeds/NAME. A timeline is optional."""

    configured_store: Path | None = None
    configured_url = ""
    try:
        root = workspace.root()
        settings, _ = load_settings(root)
        feed = settings.feeds.get(name)
        if feed is not None:
            if feed.store:
                configured_store = root / Path(feed.store).expanduser()
            configured_url = feed.base_url
    except (OrbitError, OSError):
        pass  # no timeline (or an unreadable orbit.toml): the defaults
    store = (
        Path(store_option).expanduser()
        if store_option
        else configured_store
        if configured_store is not None
        else default_store(name)
    )
    return FeedPlace(name, store, base_url_option or configured_url or DEFAULT_BASE_URL)


def import_feed(
    place: FeedPlace, paths: Sequence[str], progress: Progress | None = None
) -> ImportReport:
    """Import each file (GDELT 2.0/1.0 exports, zipped or not; ICEWS .tab) into the store."""

    if not paths:
        raise UsageError("nothing to import: name one or more files")
    return import_paths(place.store, [Path(p) for p in paths], progress)


def update_feed(
    place: FeedPlace, since: str | None = None, progress: Progress | None = None
) -> UpdateReport:
    """Fetch and import the GDELT 2.0 exports newer than the last one imported."""

    return update(place.store, place.base_url, _since(since), progress)


def _since(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    for form in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, form)
        except ValueError:
            continue
    raise UsageError(f"--since {text!r}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)")
