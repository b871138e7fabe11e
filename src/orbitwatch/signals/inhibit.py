"""Inhibition: an alert raised in the same digest as a more severe one is noise (orbit.toml).

`[[inhibit]]` tables (source, target, equal, lower) and the default rule when none are
declared; which alerts of one digest they inhibit. Knows nothing of silences or state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orbitwatch.model.errors import UsageError, did_you_mean

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings
    from orbitwatch.query.alerts import AlertMatcher
    from orbitwatch.signals.alerts import Alert

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
    from orbitwatch.query.alerts import parse_matcher

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


def rank(alert: Alert, settings: Settings) -> int:
    """How severe an alert is: the level a level alert crosses, else the country's level."""
    if alert.kind in ("level-up", "level-down"):
        return settings.level_rank(alert.rule)
    return settings.level_rank(alert.level)


def _field(alert: Alert, name: str) -> str:
    return alert.subject if name == "event" else str(getattr(alert, name))


def inhibited(
    alerts: Sequence[Alert], rules: Sequence[InhibitRule], settings: Settings
) -> Mapping[str, str]:
    """fingerprint of each inhibited alert -> fingerprint of the alert that inhibits it.

    The most severe alerts are judged first and only an alert not itself inhibited inhibits
    others, so two alerts can never inhibit each other and one of every chain is delivered."""
    from orbitwatch.signals.alerts import KIND_ORDER

    prints = {id(a): a.fingerprint for a in alerts}  # a fingerprint is a hash: made once
    ranks = {id(a): rank(a, settings) for a in alerts}
    ordered = sorted(
        alerts, key=lambda a: (-ranks[id(a)], KIND_ORDER.get(a.kind, 9), prints[id(a)])
    )
    result: dict[str, str] = {}
    # Per rule, the sources so far by the fields the rule wants equal: a target looks only at
    # its own bucket, not at every source (which was quadratic in the alerts of a digest).
    buckets: list[dict[tuple[str, ...], list[tuple[int, Alert]]]] = [{} for _ in rules]
    count = 0
    for alert in ordered:
        found: tuple[int, Alert] | None = None
        for rule, bucket in zip(rules, buckets, strict=True):
            if not rule.target.matches(alert):
                continue
            for position, source in bucket.get(_key(alert, rule), []):
                if found is not None and position >= found[0]:
                    break
                if prints[id(source)] != prints[id(alert)] and (
                    not rule.lower or ranks[id(source)] > ranks[id(alert)]
                ):
                    found = (position, source)
                    break
        if found is not None:
            result[prints[id(alert)]] = prints[id(found[1])]
            continue
        for rule, bucket in zip(rules, buckets, strict=True):
            if rule.source.matches(alert):
                bucket.setdefault(_key(alert, rule), []).append((count, alert))
        count += 1
    return result


def _key(alert: Alert, rule: InhibitRule) -> tuple[str, ...]:
    return tuple(_field(alert, name) for name in rule.equal)
