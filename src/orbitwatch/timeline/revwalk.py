"""The timeline at one commit after another, for a replay: the first commit is listed with one
ls-tree, the following ones (when the walk is told them in advance) from what changed, all
with one diff-tree. Only the files whose content changed since the commit before are taken
from the index by content (committed.py, when the commit's orbit.toml is the working tree's)
or else read (cat-file --batch, the contents of the next commits with them) and parsed; the
rest are reused. A change to orbit.toml parses everything again.
The silences committed beside the events (silences.toml) are read too: a replayed digest
honours the silences of its day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from orbitwatch.config.settings import Settings, parse_settings
from orbitwatch.files.walk import SETTINGS_FILE, SILENCES_FILE, is_event_path
from orbitwatch.git.revisions import (
    Change,
    RevisionListing,
    cat_objects,
    list_revision,
    repository_prefix,
    tree_changes,
)
from orbitwatch.model.errors import OrbitError, Problem
from orbitwatch.model.event import Event, sort_events
from orbitwatch.signals.silences import Silence, parse_silences
from orbitwatch.text.tomlpos import read_toml
from orbitwatch.timeline import committed
from orbitwatch.timeline import index as cache
from orbitwatch.timeline.check import check_duplicates
from orbitwatch.timeline.integrity import Damaged
from orbitwatch.timeline.load import Timeline, damaged, parse_event_file
from orbitwatch.timeline.records import decoded

Parsed = tuple["Event | None", list[Problem]]
Item = tuple[str, str]  # (path relative to the root, blob)
AHEAD = 2000  # blobs of the commits to come read with the ones a commit needs


def _quiet(message: str) -> None:
    return None


class RevisionWalk:
    """Loads the timeline at successive commits, reusing what the commit before parsed."""

    def __init__(
        self, root: Path, notice: Callable[[str], object] = _quiet, use_cache: bool = True
    ) -> None:
        self.root = root
        self._use_cache = use_cache
        self._notice = notice  # told once when the index was found damaged
        self._said = False
        self._index: cache.Index | None = None
        self._index_tried = False
        self._reusing = False  # the current orbit.toml is the one the index was built for
        self._key = ""  # the settings hash the index was opened with
        self._pending: list[tuple[Item, Parsed]] = []  # parsed now, to be kept in the index
        self._ahead: list[str] = []  # the blobs the prepared commits change, in order
        self._ahead_at = 0
        self._contents: dict[str, bytes] = {}  # blobs read ahead
        self._settings_blob: str | None = None
        self._settings = Settings()
        self._settings_problems: list[Problem] = []
        self._parsed: dict[tuple[str, str], Parsed] = {}  # (path, blob) -> parse result
        self._started = False
        self._prefix: str | None = None  # the root's path in its repository, asked once
        # The commits prepare() was told, each with what changed since the one before it.
        self._changes: dict[tuple[str, str], list[Change]] = {}
        self._listing: RevisionListing | None = None  # the last commit loaded
        self._silences_blob: str | None = None
        self.silences: tuple[Silence, ...] = ()  # the valid silences at the last commit loaded
        # The problems of silences.toml at the last commit loaded, when it changed there
        # (located at label:silences.toml, as `orbit check` words them); else none.
        self.silence_problems: list[Problem] = []

    def prepare(self, commits: list[str]) -> None:
        """The commits that will be loaded, in order: what each changes from the one before is
        asked of git at once (one diff-tree), instead of one ls-tree per commit."""
        prefix = self._prefix = self._prefix or repository_prefix(self.root)
        pairs = [(old, new) for old, new in zip(commits, commits[1:], strict=False) if old != new]
        self._changes = dict(zip(pairs, tree_changes(self.root, pairs, prefix), strict=True))
        self._ahead = [blob for pair in pairs for _, blob in self._changes[pair] if blob]

    def _list(self, commit: str) -> RevisionListing:
        """The listing of a commit: from the one before and its changes when prepared."""
        if self._prefix is None:
            self._prefix = repository_prefix(self.root)
        before = self._listing
        changes = None if before is None else self._changes.get((before.commit, commit))
        if before is None or changes is None:
            return list_revision(self.root, commit, self._prefix)
        settings, silences = before.settings, before.silences
        events = dict(before.events)
        added = False
        for rel, blob in changes:
            if rel == SETTINGS_FILE:
                settings = blob
            elif rel == SILENCES_FILE:
                silences = blob
            elif not is_event_path(rel):
                continue
            elif blob is None:
                events.pop(rel, None)
            else:
                added = added or rel not in events
                events[rel] = blob
        items = list(events.items())
        if added:  # git's order: the paths' bytes
            items.sort(key=lambda item: item[0].encode("utf-8", "surrogateescape"))
        return RevisionListing(commit, settings, items, silences)

    def load(self, commit: str, label: str) -> Timeline:
        """The timeline at a commit; problems located at `label:path`; `parsed` counts the
        files parsed for this commit."""
        listing = self._listing = self._list(commit)
        fresh_settings = not self._started or listing.settings != self._settings_blob
        if fresh_settings:
            self._parsed.clear()
            self._reusing = self._open(listing.settings)
        todo = [item for item in listing.events if item not in self._parsed]
        found = self._cached(todo) if self._reusing else {}
        missing = [item for item in todo if item not in found]
        wanted = [blob for _, blob in missing]
        if fresh_settings and listing.settings is not None:
            wanted.append(listing.settings)
        new_silences = listing.silences != self._silences_blob
        if new_silences and listing.silences is not None:
            wanted.append(listing.silences)
        contents = self._read(wanted)
        self.silence_problems = []
        if new_silences:
            self._silences_blob = listing.silences
            data = contents.pop() if listing.silences is not None else None
            self.silences, self.silence_problems = self._read_silences(data, label)
        if fresh_settings:
            self._read_settings(listing.settings, contents[-1] if listing.settings else None)
            self._started = True
        parsed = {
            (rel, blob): parse_event_file(
                self.root / rel, f"{label}:{rel}", self._settings, data, rel=rel
            )
            for (rel, blob), data in zip(missing, contents[: len(missing)], strict=True)
        }
        if self._reusing:
            self._pending.extend(parsed.items())
            if len(self._pending) >= committed.BATCH:
                self._flush()
        for (rel, blob), stored in found.items():
            parsed[(rel, blob)] = decoded(stored, f"{label}:{rel}")
        kept = {item: self._parsed.get(item) or parsed[item] for item in listing.events}
        self._parsed = kept
        return self._timeline(kept, label, len(missing))

    def finish(self) -> None:
        """Keep what was parsed in the index (best effort) and close it."""
        self._flush()
        if self._index is not None:
            self._index.close()
            self._index = None

    def _open(self, settings_blob: str | None) -> bool:
        """Whether records may come from the index at a commit with this orbit.toml."""
        key = committed.settings_key(self.root, settings_blob) if self._use_cache else None
        if key is None:
            return False
        self._key = key
        if not self._index_tried:
            self._index_tried = True
            self._index = cache.Index.open(self.root, key)
            if self._index is not None and self._index.damage is not None:
                self._damaged(self._index.damage)
        return self._index is not None

    def _cached(self, items: list[Item]) -> dict[Item, bytes]:
        try:
            return committed.cached(self._index, items)
        except Damaged as exc:  # discarded and begun again, as load.with_index does
            if self._index is not None:
                self._index.close()
            cache.discard(self.root)
            self._damaged(str(exc))
            self._index = cache.Index.open(self.root, self._key)
            self._pending = []
            return {}

    def _damaged(self, reason: str) -> None:
        if not self._said:
            self._said = True
            self._notice(damaged(reason))

    def _flush(self) -> None:
        if self._pending:
            items, results = zip(*self._pending, strict=True)
            committed.store(self._index, list(items), list(results))
            self._pending = []

    def _read(self, wanted: list[str]) -> list[bytes]:
        """The contents of these blobs; a read from git also fetches the blobs the next
        prepared commits change (up to AHEAD of them), so that most commits need none."""
        missing = [blob for blob in dict.fromkeys(wanted) if blob not in self._contents]
        if missing:
            ahead = self._ahead[self._ahead_at : self._ahead_at + AHEAD]
            self._ahead_at += len(ahead)
            names = list(dict.fromkeys([*missing, *ahead]))
            for name, data in zip(names, cat_objects(self.root, names), strict=True):
                if data is not None:  # a blob read ahead that git lacks is its commit's error
                    self._contents[name] = data
        lacking = [blob for blob in wanted if blob not in self._contents]
        if lacking:
            raise OrbitError(f"git has no object {lacking[0]}")
        contents = [self._contents[blob] for blob in wanted]
        for blob in wanted:
            self._contents.pop(blob, None)
        return contents

    def _read_silences(
        self, data: bytes | None, label: str
    ) -> tuple[tuple[Silence, ...], list[Problem]]:
        """The valid silences of a committed silences.toml and its problems, as `orbit check`
        finds them (an expired silence aside: expiry is the replayed day's business); an
        invalid silence silences nothing, as in the digest."""
        if data is None:
            return (), []
        shown = f"{label}:{SILENCES_FILE}"
        text, raw, problems = read_toml(self.root / SILENCES_FILE, shown, data)
        if raw is None:
            return (), problems
        found, problems = parse_silences(shown, text, dt.date.min, raw)
        return found.silences, problems

    def _read_settings(self, blob: str | None, data: bytes | None) -> None:
        self._settings_blob = blob
        self._settings, self._settings_problems = Settings(), []
        if data is None:
            return
        shown = SETTINGS_FILE  # located at label:orbit.toml by _timeline
        text, raw, problems = read_toml(self.root / SETTINGS_FILE, shown, data)
        if raw is not None:
            self._settings, more = parse_settings(shown, text, raw)
            problems = problems + more
        self._settings_problems = problems

    def _timeline(self, kept: dict[tuple[str, str], Parsed], label: str, count: int) -> Timeline:
        events: list[Event] = []
        problems = [p._replace(path=f"{label}:{p.path}") for p in self._settings_problems]
        for (rel, _), (event, file_problems) in kept.items():
            shown = f"{label}:{rel}"
            problems.extend(p._replace(path=shown) for p in file_problems)
            if event is not None:
                events.append(event)
        events, duplicates = check_duplicates(events, lambda rel: f"{label}:{rel}")
        problems.extend(duplicates)
        problems.sort(key=lambda p: (p.path, p.line, p.col))
        return Timeline(self.root, self._settings, sort_events(events), problems, count)
