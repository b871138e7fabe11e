"""Silences and suppressed alerts as rows of text cells (table or plain lines) and json.

No rich here (terminal.py draws tables); event and silence text is escaped by the row writers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from orbitwatch.digest.compose import short_id
from orbitwatch.render.data import SCHEMA_VERSION
from orbitwatch.render.signals import alert_dict
from orbitwatch.render.text import json_safe

if TYPE_CHECKING:
    from orbitwatch.signals.silences import Silence, SilenceList, SuppressedAlert

SILENCE_HEADERS = ("id", "status", "until", "matcher", "by", "reason", "suppresses")
SUPPRESSED_HEADERS = ("fingerprint", "date", "kind", "country", "about", "caught by", "since")


def _until(silence: Silence) -> str:
    return silence.until.isoformat() if silence.until else "-"


def silence_rows(found: SilenceList) -> list[list[str]]:
    rows = []
    for row in found.rows:
        s = row.silence
        caught = ", ".join(f"{a.kind} {a.country} [{short_id(a)}]" for a in row.suppresses[:5])
        more = len(row.suppresses) - 5
        if more > 0:
            caught += f" and {more} more"
        rows.append([s.id, row.status, _until(s), s.matcher.text, s.by, s.reason, caught or "-"])
    return rows


def silences_json(found: SilenceList) -> Iterator[str]:
    document = {
        "schema_version": SCHEMA_VERSION,
        "today": found.today.isoformat(),
        "silences": [
            {
                "id": row.silence.id,
                "status": row.status,
                "matcher": row.silence.matcher.text,
                "until": row.silence.until.isoformat() if row.silence.until else None,
                "reason": row.silence.reason,
                "by": row.silence.by,
                "created": row.silence.created.isoformat() if row.silence.created else None,
                "acknowledgement": row.silence.is_ack,
                "suppresses": [a.fingerprint for a in row.suppresses],
            }
            for row in found.rows
        ],
    }
    yield json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


def caught_by(row: SuppressedAlert) -> str:
    if row.cause == "inhibited":
        return f"inhibited by {row.inhibited_by}"
    return f"silence {row.silence_id}" + (f": {row.reason}" if row.reason else " (since removed)")


def suppressed_rows(rows: Sequence[SuppressedAlert]) -> list[list[str]]:
    table = []
    for row in rows:
        alert = row.alert
        table.append(
            [
                row.fingerprint,
                alert.date.isoformat() if alert else "-",
                alert.kind if alert else "-",
                alert.country if alert else "-",
                alert.subject if alert else "(no longer in force)",
                caught_by(row),
                row.first_suppressed,
            ]
        )
    return table


def suppressed_json(rows: Sequence[SuppressedAlert]) -> Iterator[str]:

    document = {
        "schema_version": SCHEMA_VERSION,
        "suppressed": [
            {
                "fingerprint": row.fingerprint,
                "cause": row.cause,
                "silence": row.silence_id or None,
                "reason": row.reason or None,
                "inhibited_by": row.inhibited_by or None,
                "first_suppressed": row.first_suppressed,
                "alert": alert_dict(row.alert) if row.alert else None,
            }
            for row in rows
        ],
    }
    yield json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"
