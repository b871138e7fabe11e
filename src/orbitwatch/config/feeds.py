"""orbit.toml's `[feeds.NAME]` tables: where a feed's store is and where its files come from.

Parses and checks into FeedSettings values, reporting through a callback; opens no store.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from orbitwatch.model.errors import did_you_mean
from orbitwatch.text.tomlpos import bad_character

FEED_KEYS = ("store", "kind", "base_url", "alert")
FEED_KINDS = ("gdelt2", "gdelt1", "icews")
ProblemAt = Callable[[str, str, str], None]  # (key, message, table)


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """A `[feeds.NAME]` table: the store (relative to the timeline root), what the feed holds,
    and for GDELT 2.0 where `orbit feed update` fetches from. Empty strings: the defaults.
    `alert`: None unless the feed is opted into the digest (`alert = true`: margin 0; a number:
    how far a week's drift index must leave its trailing range)."""

    name: str
    store: str = ""
    kind: str = "gdelt2"
    base_url: str = ""
    alert: float | None = None


def parse_feeds(value: object, problem: ProblemAt) -> dict[str, FeedSettings]:
    """[feeds.NAME] tables: store (a path), kind (gdelt2, gdelt1, icews), base_url."""
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        problem("feeds", "'feeds' must be [feeds.NAME] tables", "")
        return {}
    feeds: dict[str, FeedSettings] = {}
    for name, table in value.items():
        where = f"feeds.{name}"
        found: list[str] = []

        def bad(key: str, message: str, where: str = where, found: list[str] = found) -> None:
            found.append(key)
            problem(key, message, where)

        for key in table:
            if key not in FEED_KEYS:
                bad(key, f"unknown key '{key}' in [{where}]{did_you_mean(key, FEED_KEYS)}")
        for key in ("store", "base_url"):
            text = table.get(key, "")
            if not isinstance(text, str) or bad_character(text, False):
                bad(key, f"[{where}] {key} must be one line of text")
        base_url = table.get("base_url", "")
        if isinstance(base_url, str) and base_url and not re.match(r"^https?://", base_url):
            bad("base_url", f"[{where}] base_url must start with http:// or https://")
        kind = table.get("kind", "gdelt2")
        if kind not in FEED_KINDS:
            bad(
                "kind",
                f"[{where}] kind {kind!r} is not one of {', '.join(FEED_KINDS)}"
                f"{did_you_mean(str(kind), FEED_KINDS)}",
            )
        alert = table.get("alert", False)
        margin: float | None = None
        if alert is True:
            margin = 0.0
        elif isinstance(alert, int | float) and alert is not False and 0 <= alert <= 2:
            margin = float(alert)
        elif alert is not False:
            bad("alert", f"[{where}] alert must be true, false or a margin from 0 to 2")
        if not found:
            feeds[name] = FeedSettings(
                name,
                str(table.get("store", "")),
                str(kind),
                str(table.get("base_url", "")),
                margin,
            )
    return feeds
