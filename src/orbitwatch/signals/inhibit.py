"""Inhibition: an alert raised in the same digest as a more severe one is noise.

Which alerts of one digest the `[[inhibit]]` rules (config/inhibit.py) inhibit. Knows nothing
of silences or state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from orbitwatch.model.alert import KIND_ORDER, Alert

if TYPE_CHECKING:
    from orbitwatch.config.inhibit import InhibitRule
    from orbitwatch.config.settings import Settings


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
