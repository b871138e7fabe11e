"""The curated timeline's monthly arrows beside a feed's monthly direction, and their agreement.

Values only: the caller hands in the curated arrows and the feed's aggregate; nothing is run
here (engines.py) and nothing printed (render/feed_compare.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orbitwatch.feeds.aggregate import ARROW_THRESHOLD, arrows

if TYPE_CHECKING:
    from orbitwatch.feeds.aggregate import CountryPeriod
    from orbitwatch.signals.readings import Arrow

COMPARE_MIN_ROWS = 10  # fewer (folded) coded rows in a month: the feed has no say that month


@dataclass(frozen=True, slots=True)
class FeedMonth:
    """The feed's reading of one country-month: its direction like a curated arrow."""

    direction: str  # away | toward | steady
    index: float
    change: float  # index - trailing mean
    rows: int  # coded rows (clusters when folded)
    raw_rows: int  # stored rows before folding
    rationale: str


@dataclass(frozen=True, slots=True)
class MonthPair:
    """One watched country's month: the curated arrow and the feed's direction, either absent."""

    country: str
    month: dt.date  # first day
    curated: str | None  # away | toward | steady; None: no curated score yet
    curated_score: float | None
    feed: FeedMonth | None  # None: too few coded rows that month
    curated_events: tuple[str, ...] = ()

    @property
    def both(self) -> bool:
        return self.curated is not None and self.feed is not None

    @property
    def agrees(self) -> bool:
        return self.both and self.feed is not None and self.feed.direction == self.curated

    @property
    def disagrees(self) -> bool:
        return self.both and not self.agrees


@dataclass(frozen=True, slots=True)
class Agreement:
    """How often the two agree where both have data."""

    months: int  # months where both have data
    agreeing: int

    @property
    def share(self) -> float | None:
        return self.agreeing / self.months if self.months else None


def feed_months(
    table: Sequence[CountryPeriod],
    raw: Sequence[CountryPeriod] = (),
    min_rows: int = COMPARE_MIN_ROWS,
    threshold: float = ARROW_THRESHOLD,
) -> dict[tuple[str, dt.date], FeedMonth]:
    """Each country-month's direction: feeds.aggregate.arrows' change against the trailing mean,
    judged with `min_rows` (the arrows' own minimum is for a table of many countries; a compare
    wants every month it can get). `raw`: the same table unfolded, for the folded counts."""
    raw_rows = {(r.country, r.period): r.row_count for r in raw}
    found = {}
    seen: set[str] = set()
    for arrow in arrows(table, threshold):
        row = arrow.row
        first = row.country not in seen
        seen.add(row.country)
        if row.row_count < min_rows:
            continue
        counts = f"away {row.away}, toward {row.toward} of {row.volume}"
        rationale = (
            f"{counts}; no earlier month to compare"
            if first
            else f"{counts}; index {row.index:+.3f} vs trailing mean {arrow.trailing_mean:+.3f}"
        )
        direction = "steady"
        if arrow.change > threshold and row.away:
            direction = "away"
        elif arrow.change < -threshold and row.toward:
            direction = "toward"
        found[(row.country, row.start)] = FeedMonth(
            direction,
            row.index,
            arrow.change,
            row.row_count,
            raw_rows.get((row.country, row.period), row.row_count),
            rationale,
        )
    return found


def line_up(
    curated: Sequence[Arrow],
    feed: Mapping[tuple[str, dt.date], FeedMonth],
    countries: Sequence[str],
) -> list[MonthPair]:
    """Every month of each country where either side has data, oldest first."""
    by_key = {(a.country, a.month): a for a in curated}
    pairs = []
    for country in countries:
        months = sorted(
            {m for c, m in by_key if c == country} | {m for c, m in feed if c == country}
        )
        for month in months:
            arrow = by_key.get((country, month))
            pairs.append(
                MonthPair(
                    country,
                    month,
                    arrow.arrow if arrow else None,
                    arrow.score if arrow else None,
                    feed.get((country, month)),
                    arrow.event_ids if arrow else (),
                )
            )
    return pairs


def within(
    pairs: Sequence[MonthPair], first: dt.date | None, last: dt.date | None
) -> list[MonthPair]:
    """The pairs whose month lies in first..last (either open)."""
    return [
        p
        for p in pairs
        if (first is None or p.month >= first.replace(day=1)) and (last is None or p.month <= last)
    ]


def agreement(pairs: Sequence[MonthPair]) -> Agreement:
    both = [p for p in pairs if p.both]
    return Agreement(len(both), sum(1 for p in both if p.agrees))


def feed_span(pairs: Sequence[MonthPair]) -> tuple[dt.date, dt.date] | None:
    """The first and last month where the feed has a say."""
    months = [p.month for p in pairs if p.feed is not None]
    return (min(months), max(months)) if months else None
