"""Backtesting the alerts against the timeline's history: how early each alert came compared
with its event (lead time), and what a daily cron digest would have sent day by day (replay).

Pure functions over commits and loaded timelines (history.py and revwalk.py read git); no
files, no clock, no printing.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orbitwatch.digest.compose import order_alerts
from orbitwatch.signals.alerts import alerts_of, filter_alerts
from orbitwatch.signals.readings import ReadingMemo
from orbitwatch.signals.silences import Silence, suppress

if TYPE_CHECKING:
    from orbitwatch.git.commits import Commit
    from orbitwatch.model.alert import Alert
    from orbitwatch.model.event import Event
    from orbitwatch.query.language import Query
    from orbitwatch.timeline.load import Timeline


# A replay steps through every day from the branch's first commit: a hundred years at most,
# so that a period reaching the calendar's end is refused rather than run for hours.
MAX_REPLAY_DAYS = 36_600


@dataclass(frozen=True, slots=True)
class LeadTime:
    """One alert, its event's first day and the first commit at which the alert existed."""

    alert: Alert
    event: Event | None  # None when the alert's subject is not an event (a level's day)
    entered: Commit | None  # None when no commit raises the alert (its change is uncommitted)

    @property
    def lead_days(self) -> int | None:
        """Days the timeline raised the alert before its event's first day; negative: a lag."""
        if self.event is None or self.entered is None:
            return None
        return (self.event.first_day - self.entered.day).days


@dataclass(frozen=True, slots=True)
class LeadSummary:
    by: str  # country | rule
    name: str  # the country code, or the rule (a level or warning for non-signal alerts)
    alerts: int  # alerts with a known lead time
    median_days: float


def first_commits(
    steps: Iterable[tuple[Commit, Timeline]], wanted: Collection[str], on: dt.date
) -> dict[str, Commit]:
    """fingerprint -> the first commit (of the steps, oldest first) whose timeline raises
    that alert when scored on `on`; the walk stops once every wanted fingerprint is found."""
    found: dict[str, Commit] = {}
    memo = ReadingMemo()
    for commit, timeline in steps:
        reading_of = memo.readings(timeline.events, timeline.settings, on)
        marks = memo.marks(timeline.events, reading_of, timeline.settings)
        for alert in alerts_of(marks, timeline.settings, on):
            if alert.fingerprint in wanted:
                found.setdefault(alert.fingerprint, commit)
        if len(found) == len(wanted):
            break
    return found


def lead_times(
    found: Sequence[Alert], events_by_id: Mapping[str, Event], raised: Mapping[str, Commit]
) -> list[LeadTime]:
    """Each alert with its event and the first commit at which it existed (by fingerprint)."""
    rows = []
    for alert in found:
        event = events_by_id.get(alert.subject)
        rows.append(LeadTime(alert, event, raised.get(alert.fingerprint) if event else None))
    return rows


def rule_of(alert: Alert) -> str:
    """The rule an alert is summarised under: the rule of a signal, else kind and name."""
    return alert.rule if alert.kind == "signal" else f"{alert.kind} {alert.rule}"


def summarize(rows: Sequence[LeadTime]) -> list[LeadSummary]:
    """The median lead per country, then per rule (alerts without a lead time left out)."""
    summaries = []
    for by, key in (("country", lambda a: a.country), ("rule", rule_of)):
        groups: dict[str, list[int]] = {}
        for row in rows:
            if row.lead_days is not None:
                groups.setdefault(key(row.alert), []).append(row.lead_days)
        summaries += [
            LeadSummary(by, name, len(days), float(statistics.median(days)))
            for name, days in sorted(groups.items())
        ]
    return summaries


def cron_days(
    commits: Sequence[Commit], first: dt.date, last: dt.date
) -> list[tuple[dt.date, Commit]]:
    """Each day from `first` to `last` with the commit a cron run at the end of that day saw:
    the newest commit of the branch dated that day or before (days before any are left out)."""
    newest_by_day: dict[dt.date, int] = {}
    for position, commit in enumerate(commits):
        newest_by_day[commit.day] = max(position, newest_by_day.get(commit.day, -1))
    days = []
    best = -1
    earlier = [d for d in newest_by_day if d < first]
    for day in earlier:
        best = max(best, newest_by_day[day])
    day = first
    while day <= last:
        best = max(best, newest_by_day.get(day, -1))
        if best >= 0:
            days.append((day, commits[best]))
        day += dt.timedelta(days=1)
    return days


@dataclass(frozen=True)
class Delivery:
    """What a daily cron digest sent on one day, reading the timeline at one commit."""

    day: dt.date
    commit: Commit
    alerts: tuple[Alert, ...]  # in the digest's order: by country, most severe first
    events: Mapping[str, Event]


def deliveries(
    steps: Iterable[tuple[dt.date, Commit, Timeline, Sequence[Silence]]],
    query: Query,
    since: dt.date,
) -> Iterator[Delivery]:
    """Replay a daily `orbit digest` with a state file over the steps (day, commit, timeline
    and silences then): each day sends the alerts in force that no earlier day sent or held
    back; silenced and inhibited alerts are held back (recorded, never sent later), as the
    digest does. Days before `since` send silently (their alerts count as sent) and are not
    yielded."""
    seen: set[str] = set()
    memo = ReadingMemo()  # a commit's events are mostly the commit before's: read them once
    for day, commit, timeline, silences in steps:
        settings = timeline.settings
        reading_of = memo.readings(timeline.events, settings, day)
        by_id = {e.id: e for e in timeline.events}
        in_force = alerts_of(memo.marks(timeline.events, reading_of, settings), settings, day)
        new: dict[str, Alert] = {}
        for alert in filter_alerts(in_force, query, by_id, reading_of, day):
            if alert.fingerprint not in seen:
                new.setdefault(alert.fingerprint, alert)
        seen.update(new)
        sent, _ = suppress(list(new.values()), silences, settings, day)
        if sent and day >= since:
            yield Delivery(day, commit, tuple(order_alerts(sent, settings)), by_id)


@dataclass(frozen=True)
class LeadTimes:
    rows: list[LeadTime]  # the alerts in force, newest first
    summaries: list[LeadSummary]  # per country, then per rule
    by_id: Mapping[str, Event]
    tip: str  # the commit whose history was read


@dataclass(frozen=True)
class Replay:
    since: dt.date
    until: dt.date
    deliveries: list[Delivery]  # the days something was sent, oldest first
    commits: int  # distinct commits read
    parsed: int  # event files parsed over the whole replay
