"""What a digest sends and what the state becomes: alerts + previous state -> digest + next state.

Pure functions: no files, no clock (the caller passes `now`), no printing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from orbitwatch.digest.state import DigestState
from orbitwatch.model.alert import KIND_ORDER, Alert
from orbitwatch.signals.readings import Coverage, arrows_of
from orbitwatch.signals.scoring import Mark, marks_of, per_country, score_on, watched
from orbitwatch.signals.silences import Silence, Suppression, suppress

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings
    from orbitwatch.model.event import Event, Reading


@dataclass(frozen=True, slots=True)
class CountryLine:
    country: str
    arrow: str  # away | toward | steady
    score: float
    level: str


@dataclass(frozen=True)
class Digest:
    id: str
    as_of: dt.date
    alerts: tuple[Alert, ...]  # grouped by country, most severe first
    repeats: frozenset[str]  # fingerprints that repeat an unconfirmed delivery
    repeat_of: str | None
    countries: tuple[CountryLine, ...]
    events: Mapping[str, Event]
    settings: Settings
    max_items: int
    coverage: Coverage | None = None  # how many events gave no watched country a reading
    suppressed: tuple[Suppression, ...] = ()  # newly silenced or inhibited: recorded, not sent

    @property
    def fingerprints(self) -> list[str]:
        return [a.fingerprint for a in self.alerts]

    def count(self, cause: str) -> int:
        """How many alerts of this digest were silenced (or inhibited)."""
        return sum(1 for s in self.suppressed if s.cause == cause)

    @property
    def top_level(self) -> str:
        ranked = sorted(self.alerts, key=lambda a: -self.settings.level_rank(a.level))
        return ranked[0].level if ranked and ranked[0].level else ""


def digest_id(fingerprints: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(fingerprints)).encode()).hexdigest()[:12]


def short_id(alert: Alert) -> str:
    """The short fingerprint, the same in the digest, orbit alerts and silence list."""
    return alert.short


def select_alerts(
    in_force: Sequence[Alert], settings: Settings, min_level: str | None
) -> list[Alert]:
    if not min_level:
        return list(in_force)
    floor = settings.level_rank(min_level)
    return [a for a in in_force if settings.level_rank(a.level) >= floor]


def plan(
    in_force: Sequence[Alert],
    state: DigestState | None,
    settings: Settings,
    countries: Mapping[str, CountryLine],
    events: Mapping[str, Event],
    as_of: dt.date,
    max_items: int = 50,
    coverage: Coverage | None = None,
    silences: Sequence[Silence] = (),
    resend_suppressed: bool = False,
    today: dt.date | None = None,
) -> Digest | None:
    """The digest to send now (None when nothing is new); state None means a stateless preview.

    Alerts recorded as suppressed are not new, unless resend_suppressed; those of them still
    suppressed stay as recorded. Silenced and inhibited alerts are recorded, not sent; a
    silence is active or expired on `today` (default: the digest's day)."""
    sent = state.sent if state is not None else {}
    recorded = state.suppressed if state is not None else {}
    new = [
        a
        for a in in_force
        if a.fingerprint not in sent and (resend_suppressed or a.fingerprint not in recorded)
    ]
    seen: set[str] = set()
    unique = []
    for alert in new:
        if alert.fingerprint not in seen:
            seen.add(alert.fingerprint)
            unique.append(alert)
    unique, caught = suppress(unique, silences, settings, today or as_of)
    caught = [c for c in caught if c.alert.fingerprint not in recorded]
    if not unique and not caught:
        return None
    pending = state.pending if state is not None else None
    listed = pending.get("fingerprints", []) if pending else []
    pending_fps = {str(fp) for fp in listed} if isinstance(listed, list) else set()
    repeats = frozenset(a.fingerprint for a in unique if a.fingerprint in pending_fps)
    ordered = order_alerts(unique, settings)
    involved = list(dict.fromkeys(a.country for a in ordered))
    lines = tuple(countries[c] for c in involved if c in countries)
    return Digest(
        id=digest_id([a.fingerprint for a in ordered]),
        as_of=as_of,
        alerts=tuple(ordered),
        repeats=repeats,
        repeat_of=str(pending["digest"]) if pending and repeats else None,
        countries=lines,
        events=events,
        settings=settings,
        max_items=max_items,
        coverage=coverage,
        suppressed=tuple(caught),
    )


def order_alerts(alerts: Sequence[Alert], settings: Settings) -> list[Alert]:
    """Grouped by country (most severe country first), most severe alert first within."""

    def severity(alert: Alert) -> tuple[int, int]:
        return (-settings.level_rank(alert.level), KIND_ORDER[alert.kind])

    def crossed(alert: Alert) -> int:
        """A level-up to 'warning' before one to 'watch' on the same day."""
        return settings.level_rank(alert.rule) if alert.kind.startswith("level") else 0

    by_country: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_country.setdefault(alert.country, []).append(alert)
    for items in by_country.values():
        items.sort(key=lambda a: (*severity(a), -a.date.toordinal(), -crossed(a), a.fingerprint))
    countries = sorted(by_country, key=lambda c: (severity(by_country[c][0]), c))
    return [alert for country in countries for alert in by_country[country]]


def start_delivery(state: DigestState, digest: Digest, now: dt.datetime) -> DigestState:
    """Recorded before delivery: which digest is on its way."""
    return replace(
        state,
        pending={
            "digest": digest.id,
            "fingerprints": digest.fingerprints,
            "started": now.isoformat(timespec="seconds"),
        },
        last_run=now.isoformat(timespec="seconds"),
    )


def commit_delivery(state: DigestState, digest: Digest | None, now: dt.datetime) -> DigestState:
    """Recorded after delivery: the digest's alerts are sent, its suppressed alerts recorded
    with what caught them; nothing is pending. A fingerprint is in one table, never both."""
    stamp = now.isoformat(timespec="seconds")
    sent = dict(state.sent)
    suppressed = dict(state.suppressed)
    for fingerprint in digest.fingerprints if digest else []:
        sent.setdefault(fingerprint, stamp)
        suppressed.pop(fingerprint, None)
    for caught in digest.suppressed if digest else ():
        fingerprint = caught.alert.fingerprint
        if fingerprint not in sent:
            record = {"first_suppressed": stamp, "cause": caught.cause}
            if caught.silence:
                record["silence"] = caught.silence
            if caught.inhibited_by:
                record["inhibited_by"] = caught.inhibited_by
            suppressed.setdefault(fingerprint, record)
    return DigestState(sent, None, stamp, suppressed, state.expired_silences)


def country_lines(
    events: Sequence[Event], reading_of: Mapping[str, Reading], settings: Settings, on: dt.date
) -> dict[str, CountryLine]:
    """The summary line of each watched country: this month's arrow, the score, the level."""
    return country_lines_of(marks_of(events, reading_of, settings), settings, on)


def country_lines_of(
    marks: Sequence[Mark], settings: Settings, on: dt.date
) -> dict[str, CountryLine]:
    lines = {}
    arrows = {a.country: a for a in arrows_of(marks, settings, on) if a.month == on.replace(day=1)}
    of_country = per_country(marks)
    for country in watched(marks, settings):
        score = score_on(of_country.get(country, []), settings, on)
        arrow = arrows[country].arrow if country in arrows else "steady"
        lines[country] = CountryLine(country, arrow, score, settings.level_of(score))
    return lines
