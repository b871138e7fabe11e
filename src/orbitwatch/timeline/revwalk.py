"""The timeline at one commit after another, for a replay: each commit is listed with one
ls-tree, only the files whose content changed since the commit before are read (one cat-file
--batch) and parsed; the rest are reused. A change to orbit.toml parses everything again.
The silences committed beside the events (silences.toml) are read too: a replayed digest
honours the silences of its day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from orbitwatch.config.settings import Settings, parse_settings
from orbitwatch.files.walk import SETTINGS_FILE, SILENCES_FILE
from orbitwatch.git.revisions import cat_blobs, list_revision
from orbitwatch.model.errors import Problem
from orbitwatch.model.event import Event, sort_events
from orbitwatch.signals.silences import Silence, parse_silences
from orbitwatch.text.tomlpos import read_toml
from orbitwatch.timeline.check import check_duplicates
from orbitwatch.timeline.load import Timeline, parse_event_file

Parsed = tuple["Event | None", list[Problem]]


class RevisionWalk:
    """Loads the timeline at successive commits, reusing what the commit before parsed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._settings_blob: str | None = None
        self._settings = Settings()
        self._settings_problems: list[Problem] = []
        self._parsed: dict[tuple[str, str], Parsed] = {}  # (path, blob) -> parse result
        self._started = False
        self._silences_blob: str | None = None
        self.silences: tuple[Silence, ...] = ()  # the valid silences at the last commit loaded
        # The problems of silences.toml at the last commit loaded, when it changed there
        # (located at label:silences.toml, as `orbit check` words them); else none.
        self.silence_problems: list[Problem] = []

    def load(self, commit: str, label: str) -> Timeline:
        """The timeline at a commit; problems located at `label:path`; `parsed` counts the
        files parsed for this commit."""
        listing = list_revision(self.root, commit)
        fresh_settings = not self._started or listing.settings != self._settings_blob
        if fresh_settings:
            self._parsed.clear()
        todo = [item for item in listing.events if item not in self._parsed]
        wanted = [blob for _, blob in todo]
        if fresh_settings and listing.settings is not None:
            wanted.append(listing.settings)
        new_silences = listing.silences != self._silences_blob
        if new_silences and listing.silences is not None:
            wanted.append(listing.silences)
        contents = cat_blobs(self.root, wanted)
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
            for (rel, blob), data in zip(todo, contents[: len(todo)], strict=True)
        }
        kept = {item: self._parsed.get(item) or parsed[item] for item in listing.events}
        self._parsed = kept
        return self._timeline(kept, label, len(todo))

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
