"""Signal output as rows of text cells (shared by the terminal table and plain lines) and json.

No rich here: terminal.py draws the rows; plain output joins them with tabs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from orbitwatch.model import countries
from orbitwatch.render.data import SCHEMA_VERSION
from orbitwatch.render.glyphs import marked
from orbitwatch.render.text import json_safe, one_line
from orbitwatch.text.words import plural, signed_number

if TYPE_CHECKING:
    from orbitwatch.model.acts import Vote
    from orbitwatch.model.alert import Alert
    from orbitwatch.model.event import Event
    from orbitwatch.signals.readings import Arrow, Contribution, CountrySignal, Coverage
    from orbitwatch.signals.silences import Silence

ARROW_MARK = {word: marked(word) for word in ("away", "toward", "steady")}

SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """Values as a row of block characters, scaled between min(0, values) and max(0, values)."""
    if not values:
        return ""
    low, high = min(0.0, *values), max(0.0, *values)
    span = high - low or 1.0
    return "".join(SPARK[min(7, int((v - low) / span * 7 + 0.5))] for v in values)


SIGNAL_HEADERS = ("country", "name", "score", "level", "Δ30d", "Δ90d", "trend 12m", "top drivers")


def signal_rows(rows: Sequence[CountrySignal]) -> list[list[str]]:
    return [
        [
            row.country,
            countries.name(row.country),
            signed_number(row.score),
            row.level or "-",
            signed_number(row.change_30d),
            signed_number(row.change_90d),
            sparkline([score for _, score in row.monthly[-12:]]),
            "\n".join(f"{rule} {signed_number(value)}" for rule, value in row.top_rules) or "-",
        ]  # fmt: skip
        for row in rows
    ]


def signals_json(
    rows: Sequence[CountrySignal], on: str, pole: str, coverage: Coverage | None = None
) -> Iterator[str]:
    document = {
        "schema_version": SCHEMA_VERSION,
        "as_of": on,
        "pole": pole,
        "coverage": ({"events": coverage.events, "unread": coverage.unread} if coverage else None),
        "countries": [
            {
                "country": row.country,
                "name": countries.name(row.country),
                "score": round(row.score, 6),
                "level": row.level or None,
                "change_30d": round(row.change_30d, 6),
                "change_90d": round(row.change_90d, 6),
                "monthly": [
                    {"month": end.isoformat()[:7], "score": round(score, 6)}
                    for end, score in row.monthly
                ],
                "top_rules": [
                    {"rule": rule, "contribution": round(value, 6)} for rule, value in row.top_rules
                ],
                "events": row.events,
            }
            for row in rows
        ],
    }
    yield json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


EXPLAIN_HEADERS = (
    "date",
    "event",
    "origin",
    "stance",
    "weight",
    "status",
    "certainty",
    "decay",
    "contribution",
    "share",
)


def explain_rows(parts: Sequence[Contribution]) -> list[list[str]]:
    total = sum(abs(p.value) for p in parts) or 1.0
    ordered = sorted(parts, key=lambda p: (-abs(p.value), p.event.id))
    return [
        [
            p.event.date.human(),
            p.event.id,
            p.reading.origin_text,
            p.reading.stance,
            str(p.reading.weight),
            p.event.status,
            f"{p.certainty:.1f}",
            f"{p.decay:.3f}",
            signed_number(p.value, 3),
            f"{abs(p.value) / total:.0%}",
        ]  # fmt: skip
        for p in ordered
    ]


def explain_summary(
    country: str, on: str, score: float, level: str, half_life: str, parts: Sequence[Contribution]
) -> list[str]:
    name = countries.name(country)
    away = sum(p.value for p in parts if p.value > 0)
    toward = sum(p.value for p in parts if p.value < 0)
    return [
        f"{country} {name}: drift score {signed_number(score, 3)} on {on}"
        + (f", level {level}" if level else ", below every level"),
        f"away {signed_number(away, 3)} from "
        f"{plural(sum(1 for p in parts if p.value > 0), 'event')}, "
        f"toward {signed_number(toward, 3)} from "
        f"{plural(sum(1 for p in parts if p.value < 0), 'event')}",
        "contribution = sign(stance) x weight x certainty(status) x decay; "
        f"decay = 0.5^(age / {half_life}); share = |contribution| / sum of |contributions|",
    ]


def cancelled_lines(cancelled: Sequence[tuple[Event, Sequence[Vote]]]) -> list[str]:
    """One line per event whose acts cancelled for the country: it is listed, worth 0."""
    return [
        f"cancelled: {event.id} ({event.date.human()}): "
        + " + ".join(f"{vote.act} ({vote.stance} {vote.weight})" for vote in votes)
        + " = 0, no reading"
        for event, votes in cancelled
    ]


def explain_json(
    country: str,
    on: str,
    score: float,
    level: str,
    parts: Sequence[Contribution],
    cancelled: Sequence[tuple[Event, Sequence[Vote]]] = (),
) -> Iterator[str]:
    document = {
        "schema_version": SCHEMA_VERSION,
        "country": country,
        "as_of": on,
        "score": round(score, 6),
        "level": level or None,
        "contributions": [
            {
                "event": p.event.id,
                "date": p.event.date.iso(),
                "origin": p.reading.origin,
                "source": p.reading.rule,
                "stance": p.reading.stance,
                "weight": p.reading.weight,
                "certainty": p.certainty,
                "decay": round(p.decay, 6),
                "contribution": round(p.value, 6),
            }
            for p in sorted(parts, key=lambda p: (-abs(p.value), p.event.id))
        ],
        "cancelled": [
            {
                "event": event.id,
                "date": event.date.iso(),
                "acts": [
                    {"act": str(vote.act), "stance": vote.stance, "weight": vote.weight}
                    for vote in votes
                ],
            }
            for event, votes in cancelled
        ],
    }
    yield json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


ARROW_HEADERS = ("month", "country", "arrow", "score", "change", "rationale")


def arrow_rows(arrows: Sequence[Arrow]) -> list[list[str]]:
    ordered = sorted(arrows, key=lambda a: (-a.month.toordinal(), a.country))
    return [
        [
            a.month.isoformat()[:7],
            a.country,
            ARROW_MARK[a.arrow],
            signed_number(a.score),
            signed_number(a.change),
            a.rationale,
        ]
        for a in ordered
    ]


def arrows_json(arrows: Sequence[Arrow]) -> Iterator[str]:
    ordered = sorted(arrows, key=lambda a: (-a.month.toordinal(), a.country))
    document = {
        "schema_version": SCHEMA_VERSION,
        "arrows": [
            {
                "month": a.month.isoformat()[:7],
                "country": a.country,
                "arrow": a.arrow,
                "score": round(a.score, 6),
                "change": round(a.change, 6),
                "trailing_average": round(a.trailing_average, 6),
                "rationale": a.rationale,
                "events": list(a.event_ids),
            }
            for a in ordered
        ],
    }
    yield json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


ALERT_HEADERS = ("date", "kind", "country", "level", "about", "why", "fingerprint")


def alert_rows(
    alerts: Sequence[Alert], titles: Mapping[str, Event], marks: Mapping[str, Silence] | None = None
) -> list[list[str]]:
    rows = []
    for alert in alerts:
        event = titles.get(alert.subject)
        about = f"{alert.subject}: {event.title}" if event else alert.subject
        if alert.kind == "level-down":  # the why names what made the score fall
            about = f"episode opened by {about}"
        rows.append(
            [
                alert.date.isoformat(),
                alert.kind,
                alert.country,
                alert.level or "-",
                about,
                mark_text(alert, marks) + alert.why,
                alert.short,
            ]
        )
    return rows


def mark_text(alert: Alert, marks: Mapping[str, Silence] | None) -> str:
    """'acknowledged by Ana (ack-1a2b3c4d: reason); ' or 'silenced ...; ' before the why."""
    silence = (marks or {}).get(alert.fingerprint)
    if silence is None:
        return ""
    what = "acknowledged" if silence.is_ack else f"silenced until {silence.until}"
    return f"{what} by {silence.by} ({silence.id}: {silence.reason}); "


def alert_table_rows(
    alerts: Sequence[Alert], titles: Mapping[str, Event], marks: Mapping[str, Silence] | None = None
) -> list[list[str]]:
    """Cells for the terminal table: date, kind, country, level, title, why, subject and the
    short fingerprint."""
    rows = []
    for alert in alerts:
        event = titles.get(alert.subject)
        rows.append(
            [
                alert.date.isoformat(),
                alert.kind,
                alert.country,
                alert.level or "-",
                ("episode opened by: " if alert.kind == "level-down" else "")
                + (event.title if event else alert.subject),
                mark_text(alert, marks) + alert.why,
                alert.subject,
                alert.short,
            ]
        )
    return rows


def alert_dict(alert: Alert, marks: Mapping[str, Silence] | None = None) -> dict[str, object]:
    silence = (marks or {}).get(alert.fingerprint)
    marked = {}
    if marks is not None:
        marked = {
            "acknowledged": silence is not None and silence.is_ack,
            "silence": silence.id if silence is not None else None,
        }
    return {
        "fingerprint": alert.fingerprint,
        "kind": alert.kind,
        "country": alert.country,
        "rule": alert.rule,
        "subject": alert.subject,
        "date": alert.date.isoformat(),
        "level": alert.level or None,
        "why": alert.why,
        "events": list(alert.event_ids),
        **marked,
    }


def alerts_json(
    alerts: Sequence[Alert], marks: Mapping[str, Silence] | None = None
) -> Iterator[str]:
    document = {
        "schema_version": SCHEMA_VERSION,
        "alerts": [alert_dict(a, marks) for a in alerts],
    }
    yield json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


def plain_rows(rows: Sequence[Sequence[str]]) -> Iterator[str]:
    """Tab-separated; a cell's own line breaks become '; ' so that a row stays one line."""
    for row in rows:
        yield "\t".join(one_line(cell.replace("\n", "; ")) for cell in row) + "\n"


def explain_cards(parts: Sequence[Contribution], half_life: str, on: str) -> list[list[str]]:
    """For a terminal: one small block per event, the arithmetic spelled out."""
    total = sum(abs(p.value) for p in parts) or 1.0
    cards = []
    day = dt.date.fromisoformat(on)
    for p in sorted(parts, key=lambda p: (-abs(p.value), p.event.id)):
        age = max(0, (day - p.event.date.middle).days)
        cards.append(
            [
                signed_number(p.value, 3),
                f"{abs(p.value) / total:.0%}",
                p.event.date.human(),
                p.event.title,
                f"{'+1 away' if p.reading.sign > 0 else '-1 toward'} x weight {p.reading.weight} "
                f"({p.reading.origin_text}) x certainty {p.certainty:.1f} ({p.event.status}) "
                f"x decay {p.decay:.3f} ({age} days, half-life {half_life})",
                p.event.id,
            ]
        )
    return cards
