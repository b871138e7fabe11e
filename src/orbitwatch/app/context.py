"""Where an app function runs: the timeline to use, and where its data problems are reported.

Plain values and callbacks handed in by the caller (the CLI or a test); nothing is printed here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from orbitwatch.digest.state import default_state_path
from orbitwatch.files.atomic import sweep_temporaries
from orbitwatch.git.commits import known_at
from orbitwatch.model.dates import DateError, as_of_day, today
from orbitwatch.model.errors import OrbitError, Problem, UsageError, did_you_mean
from orbitwatch.query.language import Query, compile_query, resolve_country
from orbitwatch.signals.readings import readings
from orbitwatch.timeline.load import (
    Timeline,
    display_path,
    find_root,
    load_revision,
    load_settings,
    load_timeline,
)
from orbitwatch.timeline.marks import from_timeline, load_marked

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings
    from orbitwatch.git.commits import KnownAt
    from orbitwatch.model.event import Event, Prefilter, Reading
    from orbitwatch.query.language import Query
    from orbitwatch.timeline.marks import Marked

ProgressCallback = Callable[[int, int], None]
# The core names no command-line option; the CLI's global --root is worded here.
ROOT_OPTION = "--root"
NO_ROOT_HINT = "Use --root DIR or set ORBIT_ROOT, or create one with: orbit init DIR"


def _ignore(problems: Sequence[Problem]) -> None:
    return None


def _quiet(message: str) -> None:
    return None


def _no_progress() -> AbstractContextManager[ProgressCallback | None]:
    return nullcontext(None)


@dataclass
class Workspace:
    """The timeline options of one run; `trouble` turns true once an invalid input was skipped."""

    root_option: str | None = None
    environ: Mapping[str, str] = field(default_factory=dict)
    cwd: Path = field(default_factory=Path.cwd)
    use_cache: bool = True
    report: Callable[[Sequence[Problem]], object] = _ignore
    progress: Callable[[], AbstractContextManager[ProgressCallback | None]] = _no_progress
    trouble: bool = False
    known_at: str | None = None  # read the timeline as committed at this date or revision
    warn: Callable[[str], object] = _quiet  # a one-line warning about the input (not a file)
    _known: KnownAt | None = field(default=None, init=False, repr=False)
    _past: Timeline | None = field(default=None, init=False, repr=False)  # read once

    def root(self) -> Path:
        return find_root(self.root_option, self.environ, self.cwd, ROOT_OPTION, NO_ROOT_HINT)

    def note(self, problems: Sequence[Problem]) -> None:
        """Report problems; errors (not warnings) make the run's outcome 'trouble'."""
        if problems:
            self.report(problems)
        if any(p.severity == "error" for p in problems):
            self.trouble = True

    def load(
        self,
        only: Iterable[Path] | None = None,
        prefilter: Prefilter | None = None,
        *,
        root: Path | None = None,
        note: bool = True,
        acts_only: bool = False,
    ) -> Timeline:
        """The timeline with a progress bar for slow cold loads; its problems reported. With
        `known_at`, the timeline as committed then (never the working tree). `acts_only`: see
        load_timeline (the events with acts only, the rest counted)."""
        if self.known() is not None:
            timeline = self._past_timeline(root)
            if note:
                self.note(timeline.problems)
            return timeline
        with self.progress() as progress:
            timeline = load_timeline(
                root or self.root(),
                only,
                use_cache=self.use_cache,
                progress=progress,
                prefilter=prefilter,
                notice=self.warn,
                acts_only=acts_only,
            )
        if note:
            self.note(timeline.problems)
        return timeline

    def _past_timeline(self, root: Path | None = None) -> Timeline:
        """The timeline as committed at `known_at`, read (one ls-tree, one cat-file) once."""
        known = self.known()
        assert known is not None
        root = root or self.root()
        if self._past is None or self._past.root != root:
            self._past = load_revision(
                root, known.commit.hash, known.commit.short, self.warn, self.use_cache
            )
        return self._past

    def settings(self) -> Settings:
        """orbit.toml's settings: as committed at `known_at` when given (every setting of a
        reading of the past comes from the commit it reads), else the working tree's; their
        problems are the load's to report."""
        if self.known() is not None:
            return self._past_timeline().settings
        return load_settings(self.root())[0]

    def declared_countries(self) -> Mapping[str, str]:
        """orbit.toml's [countries] (read before any event file, so that a query can name
        them), from the commit `known_at` names when given; empty without a timeline or with
        an unreadable orbit.toml, whose problems the load reports. A bad `known_at` is the
        usage error it always is."""

        self.known()
        try:
            settings = self.settings()
        except (OrbitError, OSError):
            return {}
        return settings.countries

    def check_query(self, query: Query, timeline: Timeline) -> None:
        """Warn about a tag no event carries (tag:drone when events say drones): a term that
        silently matches nothing looks like an answer."""
        known = {t.casefold() for e in timeline.events for t in e.tags}
        for message in unknown_tags(
            query, known | {t.casefold() for t in timeline.settings.tags or {}}
        ):
            self.warn(message)

    def marked(self, on: dt.date) -> Marked:
        """Every (event, country) mark of the timeline on a day, from the index when one can be
        had (events are then built only when asked for); its problems reported."""

        if self.known() is not None:
            marked = from_timeline(self.load(note=False), on)
        else:
            with self.progress() as progress:
                marked = load_marked(self.root(), on, self.use_cache, progress, self.warn)
        self.note(marked.problems)
        return marked

    def known(self) -> KnownAt | None:
        """The commit and day `known_at` names (resolved once), or None without it."""
        if self.known_at is None:
            return None
        if self._known is None:
            try:
                self._known = known_at(self.root(), self.known_at, today(self.environ))
            except OrbitError as exc:
                raise UsageError(f"--known-at {self.known_at}: {exc.message}", exc.hint) from None
        return self._known


def as_of(text: str | None, today: dt.date) -> dt.date:
    """The --as-of day: today when not given; a month or year means its last day."""
    try:
        return as_of_day(text, today)
    except DateError as exc:
        raise UsageError(f"--as-of: {exc}") from None


def select(
    timeline: Timeline, query: Query, on: dt.date, read: bool = True
) -> tuple[list[Event], dict[str, Reading]]:
    """The events matching the query on a day, and the readings of the events chosen (none
    unless `read` or the query needs them)."""

    predicate = compile_query(query, on)
    if query.uses_reading:
        reading_of = readings(timeline.events, timeline.settings, on)
        return [e for e in timeline.events if predicate(e, reading_of.get(e.id))], reading_of
    chosen = [e for e in timeline.events if predicate(e, None)]
    return chosen, readings(chosen, timeline.settings, on) if read else {}


@dataclass(frozen=True)
class CountryScope:
    """How a signals view reads its query: `country:` terms choose the countries shown (scored
    from every event, so a country's score never depends on the filter); the other terms, when
    any, restrict the events scored, and the view says so (`events_query`)."""

    chosen: tuple[tuple[frozenset[str], bool], ...]  # (codes, negated) per country term
    events_query: Query  # the query without its country terms

    def wants(self, country: str) -> bool:
        return all((country in codes) != negated for codes, negated in self.chosen)

    @property
    def partial(self) -> bool:
        """True when scores come from the matching events only."""
        return bool(self.events_query.terms)


def country_scope(query: Query) -> CountryScope:

    chosen = tuple(
        (frozenset(resolve_country(v, str(t)) for v in t.values), t.negated)
        for t in query.terms
        if t.field == "country"
    )
    rest = Query(tuple(t for t in query.terms if t.field != "country"))
    return CountryScope(chosen, rest)


def unknown_tags(query: Query, known: set[str]) -> list[str]:
    """'no event has tag 'drone' (did you mean 'drones'?)' per tag of the query that is not
    `known` (casefolded: the tags of the events loaded and of orbit.toml's vocabulary)."""

    messages = []
    for term in query.terms:
        if term.field != "tag":
            continue
        for value in term.values:
            if value.casefold() not in known:
                hint = did_you_mean(value.casefold(), sorted(known))
                messages.append(f"no event has tag '{value}'{hint}")
    return messages


def state_path(workspace: Workspace, option: str | None) -> Path | None:
    """The state file: the option's path; '' for ORBIT_STATE or the user's state folder; None
    (no option) for ORBIT_STATE if set, else no state at all."""

    root = workspace.root()
    environ = workspace.environ
    if option is not None:
        return Path(option or environ.get("ORBIT_STATE") or default_state_path(root))
    if environ.get("ORBIT_STATE"):
        return Path(environ["ORBIT_STATE"])
    return None


def note_temporaries(workspace: Workspace, path: Path) -> None:
    """Sweep the temporary files a killed run left beside `path` (files/atomic.py) and say so
    once, as warnings: each file removed (its process is gone) and each kept (a process of that
    number still runs, and may still be writing it)."""
    removed, kept = sweep_temporaries(path)
    gone = "leftover temporary file of process {}, which is gone; removed"
    running = "leftover temporary file of process {}, which is still running; not removed"
    said = [(p, gone.format(pid)) for p, pid in removed]
    said += [(p, running.format(pid)) for p, pid in kept]
    workspace.note(
        [Problem(display_path(p, workspace.cwd), 1, 1, text, "warning") for p, text in said]
    )
