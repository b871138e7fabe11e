"""A digest as text (also the body of an email), Markdown, JSON or a whole RFC 5322 message.

Each renderer escapes event text for its own format; none reads files or the clock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from orbitwatch.digest.compose import Digest, short_id
from orbitwatch.model import countries
from orbitwatch.render.data import SCHEMA_VERSION
from orbitwatch.render.signals import ARROW_MARK, alert_dict
from orbitwatch.render.text import json_safe, md, one_line
from orbitwatch.text.words import plural, signed_number

if TYPE_CHECKING:
    from orbitwatch.model.alert import Alert


def _headline(digest: Digest) -> str:
    """Says what is new, when it happened, and what is current: the top level of the alerts
    (on their dates) and the highest level of any country on the digest's day."""
    text = f"orbitwatch digest {digest.id} on {digest.as_of.isoformat()}: " + plural(
        len(digest.alerts), "new alert"
    )
    if digest.alerts:
        first = min(a.date for a in digest.alerts).isoformat()
        last = max(a.date for a in digest.alerts).isoformat()
        text += f" dated {first}" + (f" to {last}" if last != first else "")
    if digest.top_level:
        text += f", top level then {digest.top_level}"
    if digest.countries:
        now = max(digest.countries, key=lambda c: digest.settings.level_rank(c.level)).level
        text += f", top level now {now or 'none'}"
    if digest.repeat_of:
        text += f" (repeat of digest {digest.repeat_of}, whose delivery was not confirmed)"
    return text


def _event_lines(digest: Digest, alert: Alert) -> list[tuple[str, str, str]]:
    lines = []
    for event_id in alert.event_ids[:5]:
        event = digest.events.get(event_id)
        if event is not None:
            lines.append((event.date.human(), event.title, event.id))
    return lines


def _why(digest: Digest, alert: Alert) -> str:
    if alert.kind == "signal":
        rule = digest.settings.rule(alert.rule)
        if rule is not None:
            return f"{rule.title} ({rule.id}: {rule.stance}, weight {rule.weight})"
    return alert.why


def suppression_line(digest: Digest) -> str:
    """The footer's count of what this run held back: '3 silenced, 1 inhibited (...)'."""
    if not digest.suppressed:
        return ""
    silenced, inhibited = digest.count("silenced"), digest.count("inhibited")
    return f"{silenced} silenced, {inhibited} inhibited (held back, not delivered)"


def _label(alert: Alert) -> str:
    labelled = ("level-up", "level-down", "feed")  # a feed alert's rule is its feed's name
    return f"{alert.kind} {alert.rule}" if alert.kind in labelled else alert.kind


def digest_text(
    digest: Digest, limit_name: str = "max items", paint: Callable[[str], str] = str
) -> Iterator[str]:
    """The digest as plain text; `limit_name` names the item limit (the CLI names its option);
    `paint` colours a level's name (on a terminal; plain text otherwise)."""
    headline = one_line(_headline(digest))
    names = "|".join(re.escape(level.name) for level in digest.settings.levels)
    if names:  # coloured after escaping: the codes are ours, never the data's
        headline = re.sub(
            rf"(top level (?:then|now) )({names})\b",
            lambda found: found.group(1) + paint(found.group(2)),
            headline,
        )
    yield headline + "\n\n"
    for line in digest.countries:
        yield (
            f"{line.country} {one_line(countries.name(line.country))}: "
            f"{ARROW_MARK[line.arrow]}, score {signed_number(line.score)}, "
            f"level now {paint(line.level or 'none')}\n"
        )
    current = None
    for index, alert in enumerate(digest.alerts):
        if alert.country != current:
            current = alert.country
            yield f"\n== {alert.country} {one_line(countries.name(alert.country))} ==\n"
        repeat = " (repeat)" if alert.fingerprint in digest.repeats else ""
        if index >= digest.max_items:
            yield (
                f"- [{short_id(alert)}] {alert.date.isoformat()} {_label(alert)}: "
                f"{one_line(alert.subject)}{repeat}\n"
            )
            continue
        label = _label(alert)
        if alert.kind in ("level-up", "level-down"):  # the rule is the level's name
            label = f"{alert.kind} {paint(alert.rule)}"
        yield f"[{short_id(alert)}] {alert.date.isoformat()} {label}{repeat}\n"
        yield f"  why: {one_line(_why(digest, alert))}\n"
        for date, title, event_id in _event_lines(digest, alert):
            yield f"  event: {date}: {one_line(title, 160)} ({one_line(event_id)})\n"
    if len(digest.alerts) > digest.max_items:
        yield (
            f"\n{len(digest.alerts) - digest.max_items} more alerts listed one line each "
            f"({limit_name} {digest.max_items}).\n"
        )
    if digest.coverage is not None:
        yield f"\n{digest.coverage.sentence(digest.as_of)}\n"
    if digest.suppressed:
        yield f"{suppression_line(digest)}\n"


def digest_md(digest: Digest) -> Iterator[str]:
    yield f"# {md(_headline(digest))}\n\n"
    if digest.countries:
        yield "| country | arrow | score | level now |\n|---|---|---|---|\n"
        for line in digest.countries:
            yield (
                f"| {line.country} {md(countries.name(line.country))} | {ARROW_MARK[line.arrow]} "
                f"| {signed_number(line.score)} | {line.level or 'none'} |\n"
            )
    current = None
    for index, alert in enumerate(digest.alerts):
        if alert.country != current:
            current = alert.country
            yield f"\n## {alert.country} {md(countries.name(alert.country))}\n\n"
        repeat = " *(repeat)*" if alert.fingerprint in digest.repeats else ""
        if index >= digest.max_items:
            yield (
                f"- `{short_id(alert)}` {alert.date.isoformat()} {md(_label(alert))}: "
                f"{md(alert.subject)}{repeat}\n"
            )
            continue
        yield (
            f"- `{short_id(alert)}` **{md(_label(alert))}** {alert.date.isoformat()}{repeat}: "
            f"{md(_why(digest, alert))}\n"
        )
        for date, title, event_id in _event_lines(digest, alert):
            yield f"  - {md(date)}: {md(title)} (`{one_line(event_id)}`)\n"
    if digest.coverage is not None:
        yield f"\n{md(digest.coverage.sentence(digest.as_of))}\n"
    if digest.suppressed:
        yield f"\n{md(suppression_line(digest))}\n"


def digest_json(digest: Digest) -> Iterator[str]:
    document = {
        "schema_version": SCHEMA_VERSION,
        "digest": digest.id,
        "as_of": digest.as_of.isoformat(),
        "repeat_of": digest.repeat_of,
        "top_level": digest.top_level or None,
        "coverage": (
            {"events": digest.coverage.events, "unread": digest.coverage.unread}
            if digest.coverage is not None
            else None
        ),
        "suppressed": {
            "silenced": digest.count("silenced"),
            "inhibited": digest.count("inhibited"),
            "alerts": [
                {
                    "fingerprint": s.alert.fingerprint,
                    "cause": s.cause,
                    "silence": s.silence or None,
                    "inhibited_by": s.inhibited_by or None,
                }
                for s in digest.suppressed
            ],
        },
        "countries": [
            {
                "country": c.country,
                "name": countries.name(c.country),
                "arrow": c.arrow,
                "score": round(c.score, 6),
                "level": c.level or None,
            }
            for c in digest.countries
        ],
        "alerts": [
            {
                **alert_dict(alert),
                "short_id": short_id(alert),
                "origin": alert.origin,
                "repeat": alert.fingerprint in digest.repeats,
                "why": _why(digest, alert),
                "event_details": [
                    {"id": event_id, "date": date, "title": title}
                    for date, title, event_id in _event_lines(digest, alert)
                ],
            }
            for alert in digest.alerts
        ],
    }
    yield json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


SUBJECT_COUNTRIES = 6  # countries named in a mail subject; the rest are counted


def mail_subject(digest: Digest) -> str:
    """How many alerts, which countries (most severe first), and the highest level now (on
    the digest's day) with the countries at it: 'orbitwatch: 3 new alerts (KZ, KG), highest
    level now watch (KZ)'."""
    countries = list(dict.fromkeys(one_line(a.country) for a in digest.alerts))
    named = ", ".join(countries[:SUBJECT_COUNTRIES])
    if len(countries) > SUBJECT_COUNTRIES:
        named += f" and {len(countries) - SUBJECT_COUNTRIES} more"
    subject = f"orbitwatch: {plural(len(digest.alerts), 'new alert')}"
    subject += f" ({named})" if named else ""
    ranked = sorted(digest.countries, key=lambda c: -digest.settings.level_rank(c.level))
    top = ranked[0].level if ranked else ""
    if top:
        at_top = ", ".join(c.country for c in ranked if c.level == top)
        return f"{subject}, highest level now {top} ({at_top})"
    return f"{subject}, no country at a level now" if ranked else subject


def digest_email(
    digest: Digest,
    mail_to: str,
    now_header: str,
    limit_name: str = "max items",
    mail_from: str = "",
) -> bytes:
    """A whole RFC 5322 message (text/plain; charset=utf-8), ready for `sendmail -t -oi`."""
    from email.message import EmailMessage
    from email.policy import SMTP

    message = EmailMessage(policy=SMTP.clone(linesep="\n"))
    subject = mail_subject(digest)
    if digest.repeat_of:
        subject += " (repeat)"
    if mail_from:
        message["From"] = mail_from
    message["To"] = mail_to
    message["Subject"] = subject
    message["Date"] = now_header
    message["Message-ID"] = f"<orbitwatch-digest-{digest.id}@orbitwatch.invalid>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Orbitwatch-Digest"] = digest.id
    message.set_content(
        "".join(digest_text(digest, limit_name)), charset="utf-8", cte="quoted-printable"
    )
    return message.as_bytes()
