"""`[[inhibit]]` tables of orbit.toml: which alerts may inhibit which, and the default rule.

Parsing and the rule values only; applying them to a digest's alerts is signals/inhibit.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from orbitwatch.model.errors import UsageError, did_you_mean
from orbitwatch.query.alerts import AlertMatcher, parse_matcher

INHIBIT_KEYS = ("source", "target", "equal", "lower")
EQUAL_FIELDS = ("country", "kind", "rule", "event", "level")
DEFAULT = {"source": "kind:level-up", "target": "kind:level-up", "equal": ["country"]}


@dataclass(frozen=True, slots=True)
class InhibitRule:
    source: AlertMatcher  # the alert that inhibits
    target: AlertMatcher  # the alerts it may inhibit
    equal: tuple[str, ...] = ("country",)  # fields both alerts must share
    lower: bool = True  # only targets at a lower level than the source


# (key, message, index) of a problem in the index-th [[inhibit]] table
ProblemSink = Callable[[str, str, int], None]


def parse_inhibit(value: object, problem: ProblemSink) -> tuple[InhibitRule, ...]:
    """The [[inhibit]] tables of orbit.toml; None in orbit.toml (absent) means DEFAULT."""

    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        problem("inhibit", "'inhibit' must be [[inhibit]] tables (or inhibit = [] for none)", -1)
        return ()
    rules = []
    for index, table in enumerate(value):
        for key in table:
            if key not in INHIBIT_KEYS:
                hint = did_you_mean(key, INHIBIT_KEYS)
                problem(key, f"unknown key '{key}' in [[inhibit]]{hint}", index)
        matchers: dict[str, AlertMatcher] = {}
        for key in ("source", "target"):
            text = table.get(key)
            if not isinstance(text, str):
                problem("", f"[[inhibit]] needs a '{key}' matcher, e.g. kind:level-up", index)
                continue
            try:
                matchers[key] = parse_matcher(text)
            except UsageError as exc:
                problem(key, f"[[inhibit]] {key}: {exc.message}", index)
        equal = table.get("equal", ["country"])
        if not isinstance(equal, list) or not all(f in EQUAL_FIELDS for f in equal):
            problem(
                "equal",
                "[[inhibit]] equal must list alert fields: " + ", ".join(EQUAL_FIELDS),
                index,
            )
            continue
        lower = table.get("lower", True)
        if not isinstance(lower, bool):
            problem("lower", "[[inhibit]] lower must be true or false", index)
            continue
        if len(matchers) == 2:
            rules.append(InhibitRule(matchers["source"], matchers["target"], tuple(equal), lower))
    return tuple(rules)


def default_rules() -> tuple[InhibitRule, ...]:
    """A level-up inhibits the lower level-ups of the same country raised in the same digest."""
    return parse_inhibit([DEFAULT], lambda key, message, index: None)
