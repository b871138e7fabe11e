"""The one query language of `orbit list`, `signals`, `digest` and the rules' `when`.

Terms are ANDed, commas inside a term are ORs, `not:` negates. Parsing happens once into a
Query whose predicate sees an event plus an optional reading handed over as data; this module
never imports the signal code.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from orbitwatch.model.countries import is_user_assigned, lookup, suggest
from orbitwatch.model.dates import (
    DateError,
    Period,
    parse_partial,
    parse_period,
    relative_day,
    relative_hint,
)
from orbitwatch.model.errors import UsageError, did_you_mean
from orbitwatch.model.event import Event, Reading
from orbitwatch.model.schema import ORIGINS, STANCES, STATUSES

LIST_FIELDS = ("country", "actor", "tag", "status", "id", "stance", "origin", "rule", "source")
DATE_FIELDS = ("since", "until", "date", "within")
FIELDS = (*LIST_FIELDS, *DATE_FIELDS)
READING_FIELDS = ("stance", "origin", "rule")
FIELD_RE = re.compile(r"^([a-z]+):(.*)$", re.DOTALL)

Predicate = Callable[[Event, "Reading | None"], bool]


@dataclass(frozen=True, slots=True)
class Term:
    field: str  # one of FIELDS, or "text" for a bare word or phrase
    values: tuple[str, ...]
    negated: bool = False

    def __str__(self) -> str:
        prefix = "not:" if self.negated else ""
        body = ",".join(self.values)
        token = body if self.field == "text" else f"{self.field}:{body}"
        return shlex.quote(prefix + token)


@dataclass(frozen=True, slots=True)
class Query:
    terms: tuple[Term, ...] = ()

    def __str__(self) -> str:
        return " ".join(str(term) for term in self.terms)

    @property
    def uses_reading(self) -> bool:
        return any(term.field in READING_FIELDS for term in self.terms)

    def fields(self) -> set[str]:
        return {term.field for term in self.terms}


def split_text(text: str) -> list[str]:
    """A query written as one string (orbit.toml `when`) into its terms, shell-style."""
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"cannot split query {text!r}: {exc}") from None


def parse(tokens: Sequence[str] | str) -> Query:
    """Terms from argv-style tokens (or one string); raises UsageError naming the bad term."""
    if isinstance(tokens, str):
        tokens = split_text(tokens)
    return Query(tuple(parse_term(token) for token in tokens if token.strip()))


# The longest term a query takes: longer ones are typing accidents or attacks, and SQLite
# refuses a LIKE pattern past 50,000 bytes (docs/query.md).
MAX_TERM_CHARS = 1000
_SURROGATE = re.compile("[\udc80-\udcff]")


def parse_term(token: str) -> Term:
    original = token
    if _SURROGATE.search(token):  # bytes that were not UTF-8 (Python's surrogateescape)
        shown = token.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace")
        raise UsageError(f"query term '{shown}' is not valid UTF-8; write it in UTF-8")
    if len(token) > MAX_TERM_CHARS:
        raise UsageError(
            f"query term {token[:20] + '...'!r} is {len(token):,} characters long; "
            f"a term holds at most {MAX_TERM_CHARS:,}"
        )
    negated = False
    while token.startswith("not:"):
        negated = not negated
        token = token[4:]
    m = FIELD_RE.match(token)
    if m is None:
        if not token.strip():
            raise UsageError(f"empty term in {original!r}")
        return Term("text", (token,), negated)
    field, raw = m.group(1), m.group(2)
    if field not in FIELDS:
        raise UsageError(
            f"unknown query field '{field}' in {original!r}{did_you_mean(field, FIELDS)}",
            hint="fields: " + ", ".join(FIELDS) + "; a bare word searches titles and summaries",
        )
    if field in DATE_FIELDS:
        values: tuple[str, ...] = (raw.strip(),)
    else:
        values = tuple(v.strip() for v in raw.split(","))
    if not values or any(not v for v in values):
        raise UsageError(f"empty value in {original!r}; write e.g. {field}:{_EXAMPLES[field]}")
    term = Term(field, values, negated)
    _validate(term, original)
    return term


_EXAMPLES = {
    "country": "KZ,KG",
    "actor": "Turkey",
    "tag": "drones",
    "status": "rumored",
    "id": "2022-05-*",
    "stance": "away",
    "origin": "act",
    "rule": "security-diversification",
    "source": "asiatimes",
    "since": "2022-05",
    "until": "2022-05-16",
    "date": "2022-05",
    "within": "2022-05-10..2022-05-20",
}


def _validate(term: Term, original: str) -> None:
    if term.field == "country":
        for value in term.values:
            resolve_country(value, original)
    elif term.field == "status":
        for value in term.values:
            if value.lower() not in STATUSES:
                raise UsageError(
                    f"unknown status '{value}' in {original!r}"
                    f"{did_you_mean(value.lower(), STATUSES)}",
                    hint="statuses: " + ", ".join(STATUSES),
                )
    elif term.field == "stance":
        for value in term.values:
            if value.lower() not in (*STANCES, "none"):
                raise UsageError(
                    f"unknown stance '{value}' in {original!r}; use away, toward, neutral or none"
                )
    elif term.field == "origin":
        for value in term.values:
            if value.lower() not in (*ORIGINS, "none"):
                raise UsageError(
                    f"unknown origin '{value}' in {original!r}"
                    f"{did_you_mean(value.lower(), ORIGINS)}; use " + ", ".join((*ORIGINS, "none"))
                )
    elif term.field in DATE_FIELDS:
        # Parse once against a fixed day so syntax errors surface at parse time.
        term_period(term.field, term.values[0], dt.date(2000, 1, 1), original)


def resolve_country(value: str, original: str = "") -> str:
    """Alpha-2, alpha-3 or an English name (any case), or a code or name orbit.toml declares
    under [countries], to the alpha-2 code. Compiling (no `original`) takes a user-assigned
    code as written: the query was checked against the declaration when it was parsed."""

    code = lookup(value)
    where = f" in {original!r}" if original else ""
    if code is None and is_user_assigned(value.strip().upper()):
        if not original:
            return value.strip().upper()
        raise UsageError(
            f"country '{value}'{where} is a user-assigned code that orbit.toml does not declare",
            hint=f'Declare it in orbit.toml:\n\n[countries]\n{value.strip().upper()} = "Name"',
        )
    if code is None:
        raise UsageError(
            f"unknown country '{value}'{where}{suggest(value)}; use an ISO code (KZ, KAZ) or a name"
        )
    return code


def term_period(field: str, value: str, today: dt.date, original: str) -> Period:
    """The period a date term (since/until/date/within) stands for; UsageError names the term."""
    try:
        if field in ("since", "until"):
            rel = relative_day(value, today)
            if rel is not None:
                return Period(rel, None) if field == "since" else Period(None, rel)
            if ".." in value:
                raise DateError(f"'{value}' is a period; {field}: takes one date")
            partial = parse_partial(value)
            if field == "since":
                return Period(partial.first_day, None)
            return Period(None, partial.last_day)
        return parse_period(value, today)
    except DateError as exc:
        hint = relative_hint(value)
        raise UsageError(f"bad date in {original or field + ':' + value!r}: {exc}{hint}") from None


def compile_query(query: Query, today: dt.date) -> Predicate:
    """The query as one predicate over (event, reading); relative dates against `today`."""
    checks = [_compile_term(term, today) for term in query.terms]

    def predicate(event: Event, reading: Reading | None = None) -> bool:
        return all(check(event, reading) for check in checks)

    return predicate


def _compile_term(term: Term, today: dt.date) -> Predicate:
    positive = _positive(term, today)
    if term.negated:
        return lambda event, reading: not positive(event, reading)
    return positive


def _lower_set(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.casefold() for v in values)


def _positive(term: Term, today: dt.date) -> Predicate:
    field, values = term.field, term.values
    if field == "country":
        codes = frozenset(resolve_country(v) for v in values)
        return lambda e, r: not codes.isdisjoint(e.countries)
    if field in ("actor", "tag"):
        wanted = _lower_set(values)
        attr = "actors" if field == "actor" else "tags"
        return lambda e, r: any(x.casefold() in wanted for x in getattr(e, attr))
    if field == "status":
        statuses = _lower_set(values)
        return lambda e, r: e.status in statuses
    if field == "id":
        patterns = tuple(values)
        return lambda e, r: any(fnmatch.fnmatchcase(e.id, p) for p in patterns)
    if field == "stance":
        stances = _lower_set(values)
        # An event read per country matches when any country's reading does.
        return lambda e, r: not stances.isdisjoint(r.stances if r is not None else ("none",))
    if field == "origin":
        origins = _lower_set(values)
        return lambda e, r: not origins.isdisjoint(r.origins if r is not None else ("none",))
    if field == "rule":
        rules = tuple(values)
        return lambda e, r: (
            r is not None
            and any(fnmatch.fnmatchcase(rule_id, p) for rule_id in r.rules for p in rules)
        )
    if field == "source":
        needles = tuple(v.casefold() for v in values)
        return lambda e, r: any(
            n in s.publisher.casefold() or n in s.url.casefold() for s in e.sources for n in needles
        )
    if field in DATE_FIELDS:
        period = term_period(field, values[0], today, str(term))
        if field == "within":
            return lambda e, r: period.contains(e.first_day, e.last_day)
        return lambda e, r: period.overlaps(e.first_day, e.last_day)
    needle = values[0].casefold()
    return lambda e, r: needle in e.title.casefold() or needle in e.summary.casefold()
