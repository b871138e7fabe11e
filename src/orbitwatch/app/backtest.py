"""Use cases of `alerts --lead-time` and `alerts --replay`: alerts measured against the day
their events entered the timeline, and the digests a daily cron would have sent.

Git's history comes from history.py and revwalk.py, the arithmetic from backtest.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from orbitwatch.app.signals import alerts_in_force
from orbitwatch.digest.backtest import (
    MAX_REPLAY_DAYS,
    LeadTimes,
    Replay,
    cron_days,
    deliveries,
    first_commits,
    lead_times,
    summarize,
)
from orbitwatch.git.commits import branch_commits, entered
from orbitwatch.model.dates import DAYS_RANGE, in_range
from orbitwatch.model.errors import UsageError
from orbitwatch.query.language import term_period
from orbitwatch.timeline.revwalk import RevisionWalk

if TYPE_CHECKING:
    from orbitwatch.app.context import Workspace
    from orbitwatch.git.commits import Commit
    from orbitwatch.query.language import Query
    from orbitwatch.signals.silences import Silence
    from orbitwatch.timeline.load import Timeline


def lead_time(workspace: Workspace, query: Query, on: dt.date, since: str | None) -> LeadTimes:
    """The alerts in force on a day, each with the first commit of the branch at which the
    alert existed (the timeline as committed there raises it, scored on the same day) and
    the difference between its event's first day and that commit's day."""

    found = alerts_in_force(workspace, query, on, since)
    known = workspace.known()
    tip = known.commit.hash if known is not None else "HEAD"
    root = workspace.root()
    files = entered(root, tip)
    # an alert cannot exist before its event's file entered the branch: start there
    starts = {
        files[event.path].hash
        for alert in found.alerts
        if (event := found.by_id.get(alert.subject)) is not None and event.path in files
    }
    commits = branch_commits(root, tip) if starts else []
    first = next((i for i, c in enumerate(commits) if c.hash in starts), len(commits))
    walk = RevisionWalk(root, workspace.warn, workspace.use_cache)
    walk.prepare([c.hash for c in commits[first:]])
    steps = ((c, walk.load(c.hash, c.short)) for c in commits[first:])
    wanted = {a.fingerprint for a in found.alerts}
    rows = lead_times(found.alerts, found.by_id, first_commits(steps, wanted, on))
    walk.finish()
    return LeadTimes(rows, summarize(rows), found.by_id, tip)


def replay(workspace: Workspace, query: Query, period: str, today: dt.date) -> Replay:
    """What a daily `orbit digest --state FILE`, running since the branch's first commit,
    would have sent each day of the period (its end defaults to the last commit's day)."""

    root = workspace.root()
    commits = branch_commits(root)
    span = term_period("date", period, today, f"--replay {period}")
    for end in (span.first, span.last):
        if end is not None and not in_range(end, end):
            raise UsageError(f"--replay {period}: {end.isoformat()} is outside {DAYS_RANGE}")
    if span.last is None and not in_range(commits[-1].day, commits[-1].day):
        raise UsageError(
            f"--replay {period}: the last commit ({commits[-1].short}) is dated "
            f"{commits[-1].day_text}, outside {DAYS_RANGE}",
            hint="Give the period's last day: --replay SINCE..UNTIL",
        )
    until = span.last or commits[-1].day
    since = span.first or commits[0].day
    if until < commits[0].day:
        raise UsageError(
            f"--replay {period} ends before the first commit of this branch "
            f"({commits[0].short}, {commits[0].day_text})"
        )
    first = min(since, commits[0].day)
    if (until - first).days >= MAX_REPLAY_DAYS:
        raise UsageError(
            f"--replay {period} would step through {(until - first).days + 1:,} days from "
            f"{first.isoformat()}; a replay covers at most {MAX_REPLAY_DAYS:,} days",
            hint="A replay starts at the branch's first commit: give an earlier UNTIL.",
        )
    steps = _Steps(workspace, cron_days(commits, first, until))
    found = list(deliveries(steps, query, since))
    if steps.last is not None:
        workspace.note(steps.last.problems)  # the problems of the newest commit replayed
    return Replay(since, until, found, steps.commits, steps.parsed)


class _Steps:
    """(day, commit, timeline, silences) for each cron day, each commit loaded once,
    incrementally."""

    def __init__(self, workspace: Workspace, days: list[tuple[dt.date, Commit]]) -> None:
        self.workspace = workspace
        self.days = days
        self.last: Timeline | None = None
        self.commits = 0
        self.parsed = 0

    def __iter__(self) -> Iterator[tuple[dt.date, Commit, Timeline, tuple[Silence, ...]]]:

        walk = RevisionWalk(self.workspace.root(), self.workspace.warn, self.workspace.use_cache)
        walk.prepare(list(dict.fromkeys(commit.hash for _, commit in self.days)))
        loaded = ""
        for day, commit in self.days:
            if commit.hash != loaded or self.last is None:
                self.last = walk.load(commit.hash, commit.short)
                loaded = commit.hash
                self.commits += 1
                self.parsed += self.last.parsed
                self.workspace.note(walk.silence_problems)  # each commit that changed them
            yield day, commit, self.last, walk.silences
        walk.finish()
