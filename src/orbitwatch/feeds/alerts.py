"""Feed alerts: a country-week whose drift index leaves the range of its trailing weeks, as
an Alert of kind 'feed' whose rule names the feed (its origin).

Values only: the caller hands in the weekly aggregate; the digest sends the alerts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from orbitwatch.model.alert import Alert

if TYPE_CHECKING:
    from orbitwatch.feeds.aggregate import CountryPeriod

ALERT_TRAILING = 12  # weeks with rows in the trailing range
ALERT_MIN_TRAILING = 4  # fewer earlier weeks with rows: no range to leave yet
FEED_KIND = "feed"


def feed_alerts(
    table: Sequence[CountryPeriod], feed: str, on: dt.date, margin: float = 0.0
) -> list[Alert]:
    """An alert per country-week (weeks starting on or before `on`) whose index lies more than
    `margin` above the highest (away) or below the lowest (toward) index of its up to
    ALERT_TRAILING earlier weeks with rows, given at least ALERT_MIN_TRAILING of them and
    acts on that side that week. Fingerprint: ('feed', feed, country, ISO week)."""
    by_country: dict[str, list[CountryPeriod]] = defaultdict(list)
    for row in table:
        if row.unit == "week" and row.start <= on:
            by_country[row.country].append(row)
    found = []
    for country in sorted(by_country):
        history: list[float] = []
        for row in sorted(by_country[country], key=lambda r: r.period):
            window = history[-ALERT_TRAILING:]
            history.append(row.index)
            if len(window) < ALERT_MIN_TRAILING:
                continue
            low, high = min(window), max(window)
            if row.index > high + margin and row.away:
                direction, bound = "away", high
            elif row.index < low - margin and row.toward:
                direction, bound = "toward", low
            else:
                continue
            why = (
                f"feed {feed}: drift index {row.index:+.3f} in {row.label} left the range "
                f"{low:+.3f}..{high:+.3f} of its {len(window)} earlier weeks ({direction}, "
                f"{row.index - bound:+.3f} past it; away {row.away}, toward {row.toward} of "
                f"{row.volume} coded rows)"
            )
            found.append(Alert(FEED_KIND, country, feed, row.label, row.start, "", why, ()))
    return found
