"""Backtest and history output: lead times with their medians, a replay's daily deliveries,
one event's revisions. Rows of text cells (the terminal table and plain lines) and json.

No rich here; event text is escaped by the row printers and json_safe.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from orbitwatch.render.data import SCHEMA_VERSION
from orbitwatch.render.diffout import _field_line
from orbitwatch.render.signals import alert_dict
from orbitwatch.render.text import json_safe, one_line

if TYPE_CHECKING:
    from orbitwatch.diff.history import EventHistory
    from orbitwatch.digest.backtest import Delivery, LeadSummary, LeadTime, LeadTimes, Replay
    from orbitwatch.git.commits import Commit

LEAD_HEADERS = ("date", "kind", "country", "rule", "event", "happened", "entered", "commit", "lead")
SUMMARY_HEADERS = ("by", "name", "alerts", "median lead")
REPLAY_HEADERS = ("sent", "commit", "kind", "country", "level", "about", "why")


def lead_text(days: float | None) -> str:
    """'lead 3d' (known before the event), 'lag 12d' (known after it), 'same day', or '-'."""
    if days is None:
        return "-"
    if days == 0:
        return "same day"
    amount = f"{abs(days):g}d"
    return f"lead {amount}" if days > 0 else f"lag {amount}"


def lead_rows(rows: Sequence[LeadTime]) -> list[list[str]]:
    cells = []
    for row in rows:
        alert, event, entered = row.alert, row.event, row.entered
        cells.append(
            [
                alert.date.isoformat(),
                alert.kind,
                alert.country,
                alert.rule,
                alert.subject,
                event.first_day.isoformat() if event else "-",
                entered.day_text if entered else "uncommitted",
                entered.short if entered else "-",
                lead_text(row.lead_days),
            ]
        )
    return cells


def summary_rows(summaries: Sequence[LeadSummary]) -> list[list[str]]:
    return [[s.by, s.name, str(s.alerts), lead_text(s.median_days)] for s in summaries]


def _commit_dict(commit: Commit | None) -> dict[str, object] | None:
    if commit is None:
        return None
    return {
        "commit": commit.hash,
        "day": commit.day_text,
        "author": commit.author,
        "author_email": commit.author_email,
        "committer": commit.committer,
        "committer_email": commit.committer_email,
        "subject": commit.subject,
    }


def lead_json(found: LeadTimes) -> Iterator[str]:
    document = {
        "schema_version": SCHEMA_VERSION,
        "commit": found.tip,
        "alerts": [
            {
                **alert_dict(row.alert),
                "event_date": row.event.first_day.isoformat() if row.event else None,
                "entered": _commit_dict(row.entered),
                "lead_days": row.lead_days,
            }
            for row in found.rows
        ],
        "summary": [
            {"by": s.by, "name": s.name, "alerts": s.alerts, "median_lead_days": s.median_days}
            for s in found.summaries
        ],
    }
    yield json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


def replay_rows(deliveries: Sequence[Delivery]) -> list[list[str]]:
    cells = []
    for delivery in deliveries:
        for alert in delivery.alerts:
            event = delivery.events.get(alert.subject)
            cells.append(
                [
                    delivery.day.isoformat(),
                    delivery.commit.short,
                    alert.kind,
                    alert.country,
                    alert.level or "-",
                    f"{alert.subject}: {event.title}" if event else alert.subject,
                    alert.why,
                ]
            )
    return cells


def replay_summary(found: Replay) -> str:
    sent = sum(len(d.alerts) for d in found.deliveries)
    return (
        f"{sent} alert{'s' if sent != 1 else ''} on {len(found.deliveries)} of the days "
        f"{found.since.isoformat()}..{found.until.isoformat()}, as a daily cron digest "
        f"with its state file, running since the first commit, would have sent them"
    )


def replay_json(found: Replay) -> Iterator[str]:
    document = {
        "schema_version": SCHEMA_VERSION,
        "since": found.since.isoformat(),
        "until": found.until.isoformat(),
        "deliveries": [
            {
                "day": d.day.isoformat(),
                "commit": d.commit.hash,
                "alerts": [alert_dict(a) for a in d.alerts],
            }
            for d in found.deliveries
        ],
    }
    yield json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


def history_text(found: EventHistory) -> Iterator[str]:
    """One paragraph per revision, oldest first: day, commit, author, what changed."""
    yield f"history of {one_line(found.event_id)} ({one_line(found.path)}), oldest first\n"
    for version in found.versions:
        commit, change = version.commit, version.change
        what = change.status
        if change.old_path:
            what += f" from {one_line(change.old_path)} to {one_line(change.path)}"
        yield (
            f"\n{commit.day_text}  {commit.short}  {one_line(commit.author)}  {what}\n"
            f"    {one_line(commit.subject, 100)}\n"
        )
        if version.event is None and change.status != "deleted":
            first = version.problems[0].message if version.problems else "unreadable"
            yield f"      cannot be read: {one_line(first, 200)}\n"
        for field_change in version.fields:
            yield f"      {_field_line(field_change)}\n"
    if not found.versions:
        yield "\nnot committed yet\n"
    if found.uncommitted:
        yield "\nthe working tree holds changes to this file that are not committed\n"


def history_json(found: EventHistory) -> Iterator[str]:
    document = {
        "schema_version": SCHEMA_VERSION,
        "id": found.event_id,
        "path": found.path,
        "uncommitted": found.uncommitted,
        "revisions": [
            {
                **(_commit_dict(v.commit) or {}),
                "status": v.change.status,
                "path": v.change.path,
                "old_path": v.change.old_path or None,
                "event_id": v.event.id if v.event else None,
                "problems": [p.to_json() for p in v.problems],
                "changes": [
                    {
                        "field": c.field,
                        "old": c.old,
                        "new": c.new,
                        "added": list(c.added),
                        "removed": list(c.removed),
                    }
                    for c in v.fields
                ],
            }
            for v in found.versions
        ],
    }
    yield json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"
