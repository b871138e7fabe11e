"""orbit.toml: the pole, half-life, watch list, tag vocabulary, rules and alert levels.

Parses and validates into a frozen Settings value plus located Problems; computes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orbitwatch.config.feeds import FeedSettings, parse_feeds
from orbitwatch.config.inhibit import InhibitRule, default_rules, parse_inhibit
from orbitwatch.model import countries
from orbitwatch.model.acts import Sides, sides
from orbitwatch.model.dates import DateError, parse_duration_days
from orbitwatch.model.errors import Problem, UsageError, did_you_mean
from orbitwatch.model.schema import Stance, is_stance
from orbitwatch.query.language import READING_FIELDS, Query, parse
from orbitwatch.text.tomlpos import bad_character, find_key_line, read_toml

TOP_KEYS = ("signals", "tags", "countries", "blocs", "rules", "levels", "inhibit", "feeds")
SIGNALS_KEYS = (
    "pole", "half_life", "watch", "counterweights", "convergence_rules", "convergence_window",
    "arrow_threshold", "warn",
)  # fmt: skip
BLOC_KEYS = ("name", "led_by", "members")
BLOC_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{1,39}$")
RULE_KEYS = ("id", "title", "rationale", "when", "stance", "weight", "warn")
LEVEL_KEYS = ("name", "score")
Known = Mapping[str, str]  # the user-assigned codes [countries] declares, with their names


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    when: str
    query: Query
    stance: Stance
    weight: int
    rationale: str = ""
    warn: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class Bloc:
    """A `[blocs.NAME]` table: an organisation acts can name in `by` and `to`."""

    code: str
    name: str
    led_by: str = ""
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Level:
    name: str
    score: float


@dataclass(frozen=True, slots=True)
class Settings:
    pole: str = "RU"
    half_life_days: float = 180.0
    half_life_text: str = "180d"
    watch: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    levels: tuple[Level, ...] = ()  # ascending by score
    tags: Mapping[str, str] | None = None
    convergence_rules: int = 3
    convergence_window_days: int = 90
    arrow_threshold: float = 0.25
    warn: tuple[int, ...] = (14, 7, 1)
    path: str = ""
    blocs: Mapping[str, Bloc] | None = None
    counterweights: tuple[str, ...] = ()
    inhibit: tuple[InhibitRule, ...] | None = None  # None: no [[inhibit]], the default rule
    countries: Mapping[str, str] = field(default_factory=dict)  # [countries]: XK = "Kosovo"
    feeds: Mapping[str, FeedSettings] = field(default_factory=dict)  # [feeds.NAME]

    def inhibit_rules(self) -> tuple[InhibitRule, ...]:

        return default_rules() if self.inhibit is None else self.inhibit

    def sides(self) -> Sides:
        blocs = self.blocs or {}
        return sides(
            self.pole, {code: bloc.led_by for code, bloc in blocs.items()}, self.counterweights
        )

    def is_party(self, code: str) -> bool:
        """A country code or a declared bloc: what `by` and `to` of an act may name."""
        return countries.is_code(code, self.countries) or code in (self.blocs or {})

    def level_of(self, score: float) -> str:
        """The highest level whose threshold the score reaches, or '' below every level."""
        name = ""
        for level in self.levels:
            if score >= level.score:
                name = level.name
        return name

    def level_rank(self, name: str) -> int:
        """0 for no level, 1 for the lowest, ...; -1 for an unknown name."""
        if name in ("", "none"):
            return 0
        for index, level in enumerate(self.levels, start=1):
            if level.name == name:
                return index
        return -1

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


@dataclass
class _Reader:
    path: str
    text: str
    problems: list[Problem] = field(default_factory=list)

    def problem(self, key: str, message: str, table: str | None = None, index: int = 0) -> None:
        line, col = find_key_line(self.text, key, table, index)
        self.problems.append(Problem(self.path, line, col, message))

    def unknown(
        self,
        table: Mapping[str, object],
        allowed: tuple[str, ...],
        where: str,
        name: str | None,
        index: int = 0,
    ) -> None:
        for key in table:
            if key not in allowed:
                self.problem(
                    key, f"unknown key '{key}'{where}{did_you_mean(key, allowed)}", name, index
                )


def settings_from(data: bytes | None, path: str, shown: str) -> tuple[Settings, list[Problem]]:
    """The settings of orbit.toml's bytes (as a revision holds them; None: no orbit.toml),
    problems located at `shown`; the defaults when it cannot be read."""
    if data is None:
        return Settings(), []
    text, raw, problems = read_toml(path, shown, data)
    if raw is None:
        return Settings(), problems
    settings, more = parse_settings(shown, text, raw)
    return settings, problems + more


def parse_settings(
    path: str, text: str, raw: Mapping[str, object]
) -> tuple[Settings, list[Problem]]:
    reader = _Reader(path, text)
    reader.unknown(raw, TOP_KEYS, "", None)
    signals = raw.get("signals", {})
    if not isinstance(signals, dict):
        reader.problem("signals", "'signals' must be a table: [signals]")
        signals = {}
    reader.unknown(signals, SIGNALS_KEYS, " in [signals]", "signals")
    values: dict[str, object] = {"path": path}
    declared = _declared(reader, raw.get("countries", {}))
    values["countries"] = declared
    _signals(reader, signals, values, declared)

    tags = raw.get("tags")
    if tags is not None:
        if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
            reader.problem("tags", "[tags] must map each tag to a one-line meaning")
        else:
            values["tags"] = dict(tags)

    blocs = _blocs(reader, raw.get("blocs", {}), declared)
    values["blocs"] = blocs
    _counterweights(reader, signals.get("counterweights", []), blocs, values, declared)
    with countries.declaring(declared):
        values["rules"] = tuple(_rules(reader, raw.get("rules", []), values.get("tags")))
    values["levels"] = tuple(_levels(reader, raw.get("levels", [])))
    if "inhibit" in raw:
        values["inhibit"] = _inhibit(reader, raw["inhibit"])
    values["feeds"] = _feeds(reader, raw.get("feeds", {}))
    return Settings(**values), reader.problems  # type: ignore[arg-type]


def _declared(reader: _Reader, table: object) -> dict[str, str]:
    """[countries]: user-assigned codes (XK = "Kosovo") events, acts and queries may use."""
    good, problems = countries.check_declared(table)
    for key, message in problems:
        reader.problem(key, message, "countries" if key else None)
    return good


def _signals(
    reader: _Reader, signals: Mapping[str, Any], values: dict[str, object], declared: Known
) -> None:
    """The scalar settings of [signals], checked, into `values`."""
    pole = signals.get("pole", "RU")
    if not isinstance(pole, str) or not countries.is_alpha2(pole):
        reader.problem(
            "pole", f"[signals] pole {pole!r} is not an ISO 3166-1 alpha-2 code", "signals"
        )
    else:
        values["pole"] = pole
    half_life = signals.get("half_life", "180d")
    try:
        values["half_life_days"] = parse_duration_days(str(half_life))
        values["half_life_text"] = str(half_life)
    except DateError as exc:
        reader.problem("half_life", f"[signals] half_life: {exc}", "signals")
    watch = signals.get("watch", [])
    if not isinstance(watch, list) or not all(isinstance(c, str) for c in watch):
        reader.problem("watch", "[signals] watch must be a list of country codes", "signals")
    else:
        bad = [c for c in watch if not countries.is_code(c, declared)]
        for code in bad:
            reader.problem("watch", f"[signals] watch: unknown country code '{code}'", "signals")
        values["watch"] = tuple(c for c in dict.fromkeys(watch) if c not in bad)
    conv = signals.get("convergence_rules", 3)
    if not isinstance(conv, int) or isinstance(conv, bool) or not 2 <= conv <= 1000:
        reader.problem(
            "convergence_rules",
            "[signals] convergence_rules must be a whole number from 2 to 1000",
            "signals",
        )
    else:
        values["convergence_rules"] = conv
    try:
        window = parse_duration_days(str(signals.get("convergence_window", "90d")))
        values["convergence_window_days"] = max(1, round(window))
    except DateError as exc:
        reader.problem("convergence_window", f"[signals] convergence_window: {exc}", "signals")
    threshold = signals.get("arrow_threshold", 0.25)
    if not _finite_number(threshold) or threshold < 0:
        reader.problem(
            "arrow_threshold", "[signals] arrow_threshold must be a number >= 0", "signals"
        )
    else:
        values["arrow_threshold"] = float(threshold)
    warn = _warn(reader, signals.get("warn", [14, 7, 1]), "signals", 0)
    if warn is not None:
        values["warn"] = warn


def _counterweights(
    reader: _Reader,
    counterweights: object,
    blocs: Mapping[str, Bloc],
    values: dict[str, object],
    declared: Known,
) -> None:
    if not isinstance(counterweights, list) or not all(isinstance(c, str) for c in counterweights):
        reader.problem(
            "counterweights",
            "[signals] counterweights must be a list of country codes or bloc names",
            "signals",
        )
    else:
        for code in counterweights:
            if not (countries.is_code(code, declared) or code in blocs):
                reader.problem(
                    "counterweights",
                    f"[signals] counterweights: '{code}' is neither an ISO 3166-1 alpha-2 code, "
                    f"a code under [countries] nor a bloc under [blocs]{did_you_mean(code, blocs)}",
                    "signals",
                )
        values["counterweights"] = tuple(
            c for c in dict.fromkeys(counterweights) if countries.is_code(c, declared) or c in blocs
        )


def _inhibit(reader: _Reader, value: object) -> tuple[InhibitRule, ...]:
    """The [[inhibit]] tables (inhibit.py knows them); problems at their keys' lines."""

    def problem(key: str, message: str, index: int) -> None:
        reader.problem(key, message, "inhibit" if index >= 0 else None, max(index, 0))

    return parse_inhibit(value, problem)


def _finite_number(value: object) -> bool:
    """A real, finite number: no booleans, no inf or nan, no integer beyond int64."""
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    return math.isfinite(value)


def _warn(reader: _Reader, value: object, table: str, index: int) -> tuple[int, ...] | None:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 < v < 3660 for v in value
    ):
        reader.problem(
            "warn", "warn must be a list of days before the event, e.g. [14, 7, 1]", table, index
        )
        return None
    return tuple(sorted(set(value), reverse=True))


def _blocs(reader: _Reader, value: object, declared: Known) -> dict[str, Bloc]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        reader.problem("blocs", "'blocs' must be [blocs.NAME] tables")
        return {}
    blocs: dict[str, Bloc] = {}
    for code, table in value.items():
        where = f"blocs.{code}"
        before = len(reader.problems)
        if not BLOC_RE.match(code) or countries.is_code(code, declared):
            reader.problem(
                "",
                f"bloc name '{code}' must be 2-40 letters, digits, '-' or '_', starting with a "
                "letter, and not a country code",
                where,
            )
            continue
        reader.unknown(table, BLOC_KEYS, f" in [blocs.{code}]", where)
        name = table.get("name", code)
        if not isinstance(name, str) or not name.strip() or bad_character(name, False):
            reader.problem("name", f"[blocs.{code}] name must be one line of text", where)
        led_by = table.get("led_by", "")
        if led_by != "" and (
            not isinstance(led_by, str) or not countries.is_code(led_by, declared)
        ):
            reader.problem(
                "led_by",
                f"[blocs.{code}] led_by {led_by!r} is not an ISO 3166-1 alpha-2 code",
                where,
            )
        members = table.get("members", [])
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            reader.problem("members", f"[blocs.{code}] members must be a list of codes", where)
            members = []
        for member in members:
            if not countries.is_code(member, declared):
                reader.problem(
                    "members", f"[blocs.{code}] members: unknown country code '{member}'", where
                )
        if len(reader.problems) == before:
            blocs[code] = Bloc(code, str(name).strip(), str(led_by), tuple(members))
    return blocs


def _feeds(reader: _Reader, value: object) -> dict[str, FeedSettings]:
    def problem(key: str, message: str, table: str) -> None:
        reader.problem(key, message, table or None)

    return parse_feeds(value, problem)


def _undeclared_tags(query: Query, tags: object) -> list[str]:
    if not isinstance(tags, Mapping):
        return []
    declared = {tag.casefold() for tag in tags}
    return [
        value
        for term in query.terms
        if term.field == "tag"
        for value in term.values
        if value.casefold() not in declared
    ]


def _rules(reader: _Reader, value: object, tags: object = None) -> list[Rule]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        reader.problem("rules", "'rules' must be [[rules]] tables")
        return []
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, table in enumerate(value):
        reader.unknown(table, RULE_KEYS, " in [[rules]]", "rules", index)
        before = len(reader.problems)
        rule_id = table.get("id")
        if not isinstance(rule_id, str) or not rule_id.strip():
            reader.problem("", f"[[rules]] number {index + 1} needs an 'id'", "rules", index)
            continue
        if rule_id in seen:
            reader.problem("id", f"duplicate rule id '{rule_id}'", "rules", index)
        seen.add(rule_id)
        title = table.get("title", "")
        if not isinstance(title, str) or not title.strip() or bad_character(title, False):
            reader.problem("title", f"rule '{rule_id}' needs a one-line 'title'", "rules", index)
        rationale = table.get("rationale", "")
        if not isinstance(rationale, str):
            reader.problem(
                "rationale", f"rule '{rule_id}': 'rationale' must be a string", "rules", index
            )
            rationale = ""
        when = table.get("when")
        query = _rule_query(reader, rule_id, when, tags, index)
        stance = table.get("stance")
        if not is_stance(stance):
            reader.problem(
                "stance",
                f"rule '{rule_id}': stance is {stance!r}; use away, toward or neutral",
                "rules",
                index,
            )
        weight = table.get("weight", 1)
        if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 5:
            reader.problem(
                "weight",
                f"rule '{rule_id}': weight is {weight!r}; use a whole number 1 to 5",
                "rules",
                index,
            )
        warn = _warn(reader, table["warn"], "rules", index) if "warn" in table else None
        if len(reader.problems) == before and is_stance(stance):
            rules.append(
                Rule(
                    rule_id,
                    str(title).strip(),
                    str(when),
                    query,
                    stance,
                    int(weight),
                    rationale.strip(),
                    warn,
                )
            )
    return rules


def _rule_query(reader: _Reader, rule_id: str, when: object, tags: object, index: int) -> Query:
    """A rule's `when`, parsed: only declared tags, never a reading term."""
    query = Query()
    if not isinstance(when, str) or not when.strip():
        reader.problem("when", f"rule '{rule_id}' needs a 'when' query", "rules", index)
    else:
        try:
            query = _declared_as_codes(parse(when))
        except UsageError as exc:
            reader.problem("when", f"rule '{rule_id}': {exc.message}", "rules", index)
        else:
            for tag in _undeclared_tags(query, tags):
                hint = did_you_mean(tag, tags if isinstance(tags, Mapping) else ())
                reader.problem(
                    "when",
                    f"rule '{rule_id}': 'when' names tag '{tag}', which is not declared "
                    f"under [tags]{hint}",
                    "rules",
                    index,
                )
            if query.uses_reading:
                reader.problem(
                    "when",
                    f"rule '{rule_id}': 'when' may not use "
                    f"{' or '.join(f + ':' for f in READING_FIELDS)} terms "
                    "(those are what rules produce)",
                    "rules",
                    index,
                )
    return query


def _declared_as_codes(query: Query) -> Query:
    """`country:Kosovo` as `country:XK`: a rule is compiled later, outside the declaration."""
    from dataclasses import replace

    def code(value: str) -> str:
        found = countries.lookup(value)
        return found if found is not None and countries.is_user_assigned(found) else value

    return Query(
        tuple(
            replace(t, values=tuple(code(v) for v in t.values)) if t.field == "country" else t
            for t in query.terms
        )
    )


def _levels(reader: _Reader, value: object) -> list[Level]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        reader.problem("levels", "'levels' must be [[levels]] tables")
        return []
    levels: list[Level] = []
    for index, table in enumerate(value):
        reader.unknown(table, LEVEL_KEYS, " in [[levels]]", "levels", index)
        name = table.get("name")
        score = table.get("score")
        if not isinstance(name, str) or not name.strip() or name in ("none",):
            reader.problem("name", "[[levels]] needs a 'name' (not 'none')", "levels", index)
            continue
        if any(level.name == name for level in levels):
            reader.problem("name", f"duplicate level name '{name}'", "levels", index)
            continue
        if not _finite_number(score) or score <= 0:
            reader.problem("score", f"level '{name}': score must be a number > 0", "levels", index)
            continue
        levels.append(Level(name, float(score)))
    return sorted(levels, key=lambda level: level.score)
