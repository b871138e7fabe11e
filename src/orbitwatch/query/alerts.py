"""The query language over alert fields, for silences and inhibition rules.

`country:KG kind:level-up,signal rule:symbolic-distancing event:2022-05-*`: the syntax of the
event query (terms ANDed, commas OR, `not:` negates), over what an alert is. Not the event query.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass

from orbitwatch.model.alert import KIND_ORDER, Alert
from orbitwatch.model.errors import UsageError, did_you_mean
from orbitwatch.query.language import FIELD_RE, resolve_country, split_text, term_period

ALERT_FIELDS = ("country", "kind", "rule", "event", "level", "fingerprint", "date")
KINDS = tuple(KIND_ORDER)
EXAMPLES = {
    "country": "KG",
    "kind": "level-up,signal",
    "rule": "symbolic-distancing",
    "event": "2022-05-*",
    "level": "watch",
    "fingerprint": "v1-0123456789abcdef0123",
    "date": "2022-05",
}


@dataclass(frozen=True, slots=True)
class AlertTerm:
    field: str  # one of ALERT_FIELDS
    values: tuple[str, ...]
    negated: bool = False

    def __str__(self) -> str:
        return ("not:" if self.negated else "") + f"{self.field}:{','.join(self.values)}"


@dataclass(frozen=True, slots=True)
class AlertMatcher:
    text: str
    terms: tuple[AlertTerm, ...]

    def matches(self, alert: Alert) -> bool:
        return all(_term_matches(term, alert) for term in self.terms)

    @property
    def fingerprint(self) -> str | None:
        """The one fingerprint this matcher names, when it is exactly `fingerprint:X`."""
        if len(self.terms) == 1:
            term = self.terms[0]
            if term.field == "fingerprint" and not term.negated and len(term.values) == 1:
                return term.values[0]
        return None


PLAIN_MATCHER = re.compile(r"[\w:,.*?\-]+(?: [\w:,.*?\-]+)*", re.ASCII)


def parse_matcher(text: str) -> AlertMatcher:
    """A matcher from its text; UsageError names the bad term. An empty matcher is refused: it
    would match every alert."""
    # A plain matcher (no quotes, escapes or odd spaces; every ack is one) splits as the shell
    # would split it, without shlex's cost per character (silences.toml may hold thousands)
    plain = PLAIN_MATCHER.fullmatch(text) is not None
    tokens = text.split(" ") if plain else [t for t in split_text(text) if t.strip()]
    if not tokens:
        raise UsageError(
            "empty matcher: it would match every alert; name at least one field, e.g. country:KG"
        )
    return AlertMatcher(text, tuple(_parse_term(token) for token in tokens))


def _parse_term(token: str) -> AlertTerm:
    original = token
    negated = False
    while token.startswith("not:"):
        negated = not negated
        token = token[4:]
    m = FIELD_RE.match(token)
    if m is None:
        raise UsageError(
            f"'{original}' is not a field term; a matcher names alert fields, e.g. country:KG",
            hint="fields: " + ", ".join(ALERT_FIELDS),
        )
    field, raw = m.group(1), m.group(2)
    if field not in ALERT_FIELDS:
        raise UsageError(
            f"unknown alert field '{field}' in {original!r}{did_you_mean(field, ALERT_FIELDS)}",
            hint="fields: " + ", ".join(ALERT_FIELDS),
        )
    values = (raw.strip(),) if field == "date" else tuple(v.strip() for v in raw.split(","))
    if any(not v for v in values):
        raise UsageError(f"empty value in {original!r}; write e.g. {field}:{EXAMPLES[field]}")
    if field == "country":
        values = tuple(resolve_country(v, original) for v in values)
    elif field == "kind":
        for value in values:
            if value not in KINDS:
                raise UsageError(
                    f"unknown alert kind '{value}' in {original!r}{did_you_mean(value, KINDS)}",
                    hint="kinds: " + ", ".join(KINDS),
                )
    elif field == "date":
        fixed = term_period("date", values[0], dt.date(2000, 1, 1), original)
        if fixed != term_period("date", values[0], dt.date(2001, 1, 1), original):
            raise UsageError(
                f"relative date in {original!r}: a silence must mean the same every day; "
                "write ISO dates, e.g. date:2022-05"
            )
    return AlertTerm(field, values, negated)


def _term_matches(term: AlertTerm, alert: Alert) -> bool:
    return _positive(term, alert) != term.negated


def _glob(values: Sequence[str], candidates: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(c, p) for c in candidates for p in values)


def _positive(term: AlertTerm, alert: Alert) -> bool:
    field, values = term.field, term.values
    if field == "country":
        return alert.country in values
    if field == "kind":
        return alert.kind in values
    if field == "rule":
        # a convergence alert's rule is the joined rule ids: any of them matches
        return _glob(values, [alert.rule, *alert.rule.split(",")])
    if field == "event":
        return _glob(values, [alert.subject, *alert.event_ids])
    if field == "level":
        return (alert.level or "none") in values
    if field == "fingerprint":
        return any(alert.fingerprint.startswith(v) for v in values)
    period = term_period("date", values[0], alert.date, str(term))
    return period.overlaps(alert.date, alert.date)
