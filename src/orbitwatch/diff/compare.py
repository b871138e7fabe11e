"""Compare two event sets (and their settings): added, removed, changed, renamed, signal impact.

Pure functions over loaded timelines; reading folders or git revisions is load.py's job.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from orbitwatch.signals.readings import contributions, drift_score, readings, watched_countries

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings
    from orbitwatch.model.event import Event, PartialDate, Reading

SCALARS = ("date", "end", "title", "summary", "status", "signal", "warn")
LISTS = ("countries", "actors", "tags")
RENAME_SIMILARITY = 0.9


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: str = ""
    new: str = ""
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EventChange:
    kind: str  # added | removed | changed | renamed
    old: Event | None
    new: Event | None
    fields: tuple[FieldChange, ...] = ()

    @property
    def id(self) -> str:
        return (self.new or self.old).id  # type: ignore[union-attr]

    def countries(self) -> set[str]:
        found: set[str] = set()
        for event in (self.old, self.new):
            if event is not None:
                found.update(event.countries)
        return found


@dataclass(frozen=True, slots=True)
class RuleChange:
    kind: str  # added | removed | changed
    id: str
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, slots=True)
class Impact:
    country: str
    old_score: float
    new_score: float
    old_level: str
    new_level: str
    causes: tuple[str, ...]  # event ids behind the change, and "rules" when orbit.toml changed


@dataclass(frozen=True)
class TimelineDiff:
    events: list[EventChange] = field(default_factory=list)
    rules: list[RuleChange] = field(default_factory=list)
    settings: list[FieldChange] = field(default_factory=list)
    impact: list[Impact] = field(default_factory=list)
    as_of: dt.date | None = None

    @property
    def empty(self) -> bool:
        return not (self.events or self.rules or self.settings)

    def count(self, kind: str) -> int:
        return sum(1 for change in self.events if change.kind == kind)


def _value(event: Event, name: str) -> str:
    value = getattr(event, name)
    if value is None:
        return ""
    if name in ("date", "end"):
        date: PartialDate = value
        return date.iso()
    if name == "signal":
        return f"{value.stance} weight {value.weight}" + (f" ({value.note})" if value.note else "")
    if name == "warn":
        return ",".join(str(v) for v in value)
    return str(value)


def _source_key(source: object) -> str:
    parts = [getattr(source, name) for name in ("title", "publisher", "author", "url")]
    date = getattr(source, "date", None)
    return " | ".join([*(p for p in parts if p), date.iso() if date else ""]).strip(" |")


def field_changes(old: Event, new: Event) -> tuple[FieldChange, ...]:
    changes: list[FieldChange] = []
    for name in SCALARS:
        before, after = _value(old, name), _value(new, name)
        if before != after:
            changes.append(FieldChange(name, before, after))
    for name in LISTS:
        before_items, after_items = getattr(old, name), getattr(new, name)
        added = tuple(x for x in after_items if x not in before_items)
        removed = tuple(x for x in before_items if x not in after_items)
        if added or removed:
            changes.append(FieldChange(name, added=added, removed=removed))
    before_sources = [_source_key(s) for s in old.sources]
    after_sources = [_source_key(s) for s in new.sources]
    added = tuple(s for s in after_sources if s not in before_sources)
    removed = tuple(s for s in before_sources if s not in after_sources)
    if added or removed:
        changes.append(FieldChange("sources", added=added, removed=removed))
    return tuple(changes)


def _similarity(old: Event, new: Event) -> float:
    """1.0 for the same content, else how alike title, summary and lists are (same date only)."""
    if not field_changes(old, new):
        return 1.0
    text_old = f"{old.title}\n{old.summary}\n{old.countries}{old.tags}{old.actors}"
    text_new = f"{new.title}\n{new.summary}\n{new.countries}{new.tags}{new.actors}"
    return difflib.SequenceMatcher(None, text_old, text_new, autojunk=False).ratio()


def compare_events(old: Sequence[Event], new: Sequence[Event]) -> list[EventChange]:
    """Matched by id; an unmatched pair with (nearly) the same content is a rename."""
    old_by_id = {e.id: e for e in old}
    new_by_id = {e.id: e for e in new}
    changes: list[EventChange] = []
    for event_id in old_by_id.keys() & new_by_id.keys():
        fields = field_changes(old_by_id[event_id], new_by_id[event_id])
        if fields:
            changes.append(EventChange("changed", old_by_id[event_id], new_by_id[event_id], fields))
    removed = [old_by_id[i] for i in old_by_id.keys() - new_by_id.keys()]
    added = [new_by_id[i] for i in new_by_id.keys() - old_by_id.keys()]
    # A rename keeps its date, so only pairs on the same date are compared: a mass rename of
    # 10,000 files stays linear instead of 10,000 x 10,000 text comparisons.
    added_on: dict[object, list[Event]] = {}
    for n in added:
        added_on.setdefault(n.date, []).append(n)
    candidates = sorted(
        ((_similarity(o, n), o.id, n.id, o, n) for o in removed for n in added_on.get(o.date, [])),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    paired_old: set[str] = set()
    paired_new: set[str] = set()
    for score, old_id, new_id, o, n in candidates:
        if score < RENAME_SIMILARITY:
            break
        if old_id in paired_old or new_id in paired_new:
            continue
        paired_old.add(old_id)
        paired_new.add(new_id)
        changes.append(EventChange("renamed", o, n, field_changes(o, n)))
    changes.extend(EventChange("removed", o, None) for o in removed if o.id not in paired_old)
    changes.extend(EventChange("added", None, n) for n in added if n.id not in paired_new)
    order = {"added": 0, "removed": 1, "renamed": 2, "changed": 3}

    def key(change: EventChange) -> tuple[object, ...]:
        event = change.new or change.old
        assert event is not None
        return (order[change.kind], *event.sort_key())

    return sorted(changes, key=key)


def compare_settings(old: Settings, new: Settings) -> tuple[list[RuleChange], list[FieldChange]]:
    rules: list[RuleChange] = []
    old_rules = {r.id: r for r in old.rules}
    new_rules = {r.id: r for r in new.rules}
    for rule_id in sorted(old_rules.keys() | new_rules.keys()):
        before, after = old_rules.get(rule_id), new_rules.get(rule_id)
        if before is None:
            rules.append(RuleChange("added", rule_id))
        elif after is None:
            rules.append(RuleChange("removed", rule_id))
        else:
            fields = tuple(
                FieldChange(name, str(getattr(before, name)), str(getattr(after, name)))
                for name in ("title", "when", "stance", "weight", "rationale", "warn")
                if getattr(before, name) != getattr(after, name)
            )
            if fields:
                rules.append(RuleChange("changed", rule_id, fields))
    settings: list[FieldChange] = []
    for name in (
        "pole",
        "half_life_days",
        "watch",
        "levels",
        "convergence_rules",
        "convergence_window_days",
        "arrow_threshold",
        "warn",
    ):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            settings.append(FieldChange(name, _show(before), _show(after)))
    return rules, settings


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(f"{v.name} {v.score:g}" if hasattr(v, "score") else str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def part_values(
    events: Sequence[Event],
    reading_of: Mapping[str, Reading],
    settings: Settings,
    country: str,
    on: dt.date,
) -> dict[str, float]:
    """Each event's contribution to a country's score on `on`, by event id."""

    return {p.event.id: p.value for p in contributions(events, reading_of, settings, country, on)}


def signal_impact(
    old_events: Sequence[Event],
    old_settings: Settings,
    new_events: Sequence[Event],
    new_settings: Settings,
    changes: Sequence[EventChange],
    rules_changed: bool,
    on: dt.date,
) -> list[Impact]:
    """Watched countries whose score or level on `on` differs, with the changes behind it."""
    old_readings: dict[str, Reading] = readings(old_events, old_settings, on)
    new_readings: dict[str, Reading] = readings(new_events, new_settings, on)
    countries = list(
        dict.fromkeys(
            [
                *watched_countries(new_events, new_settings),
                *watched_countries(old_events, old_settings),
            ]
        )
    )
    impacts: list[Impact] = []
    for country in countries:
        if country in (old_settings.pole, new_settings.pole):
            continue
        before = drift_score(old_events, old_readings, old_settings, country, on)
        after = drift_score(new_events, new_readings, new_settings, country, on)
        old_level, new_level = old_settings.level_of(before), new_settings.level_of(after)
        if abs(before - after) < 1e-9 and old_level == new_level:
            continue
        # Blame only the changes that moved this country's contribution (a pure rename, or an
        # event without a reading for the country, did not).
        old_parts = part_values(old_events, old_readings, old_settings, country, on)
        new_parts = part_values(new_events, new_readings, new_settings, country, on)
        causes = [
            c.id
            for c in changes
            if country in c.countries()
            and abs(
                (old_parts.get(c.old.id, 0.0) if c.old else 0.0)
                - (new_parts.get(c.new.id, 0.0) if c.new else 0.0)
            )
            > 1e-9
        ]
        if rules_changed:
            causes.append("orbit.toml")
        impacts.append(Impact(country, before, after, old_level, new_level, tuple(causes)))
    return impacts


def diff_timelines(
    old_events: Sequence[Event],
    old_settings: Settings,
    new_events: Sequence[Event],
    new_settings: Settings,
    on: dt.date,
) -> TimelineDiff:
    changes = compare_events(old_events, new_events)
    rules, settings = compare_settings(old_settings, new_settings)
    impact = signal_impact(
        old_events, old_settings, new_events, new_settings, changes, bool(rules or settings), on
    )
    return TimelineDiff(changes, rules, settings, impact, on)
