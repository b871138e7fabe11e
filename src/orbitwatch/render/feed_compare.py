"""`orbit feed compare` and `orbit feed suggest` output: rows of text cells (terminal table and
tab-separated lines), sparklines side by side, json; the drafted event files as text.

Renders feeds/compare.py's and feeds/suggest.py's values; no rich here (terminal.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from orbitwatch.model import countries
from orbitwatch.render.feeds import FEED_SCHEMA_VERSION
from orbitwatch.render.glyphs import MARK
from orbitwatch.render.signals import sparkline

if TYPE_CHECKING:
    from orbitwatch.feeds.compare import Agreement, MonthPair
    from orbitwatch.feeds.suggest import Cluster

COMPARE_HEADERS = ("country", "month", "curated", "score", "feed", "index", "rows", "agree")
SPARK_HEADERS = ("country", "name", "curated score", "feed index", "agree", "disagreeing months")
SUGGEST_HEADERS = ("month", "dyad", "act", "rows", "stories", "file")


def share_text(found: Agreement) -> str:
    """'3 of 5 (60%)', or 'no month with both' when nothing can be compared."""
    if found.share is None:
        return "no month with both"
    return f"{found.agreeing} of {found.months} ({found.share:.0%})"


def _direction(word: str | None) -> str:
    return f"{MARK[word]} {word}" if word else "-"


def compare_rows(pairs: Sequence[MonthPair]) -> list[list[str]]:
    """One line per country-month: both directions, the score and index, agreement."""
    rows = []
    for pair in pairs:
        feed = pair.feed
        agree = ("yes" if pair.agrees else "NO") if pair.both else ""
        rows.append(
            [
                pair.country,
                f"{pair.month:%Y-%m}",
                _direction(pair.curated),
                "" if pair.curated_score is None else f"{pair.curated_score:+.2f}",
                _direction(feed.direction if feed else None),
                "" if feed is None else f"{feed.index:+.3f}",
                "" if feed is None else str(feed.rows),
                agree,
            ]
        )
    return rows


def spark_rows(pairs: Sequence[MonthPair], by_country: Mapping[str, Agreement]) -> list[list[str]]:
    """Per country: the curated score and the feed index as sparklines over the same months
    (a month without feed data is a space), the agreement and the disagreeing months."""
    rows = []
    for country, found in by_country.items():
        own = [p for p in pairs if p.country == country]
        if not own:
            continue
        curated = _spark([p.curated_score for p in own])
        feed = _spark([p.feed.index if p.feed else None for p in own])
        months = ", ".join(f"{p.month:%Y-%m}" for p in own if p.disagrees)
        rows.append([country, countries.name(country), curated, feed, share_text(found), months])
    return rows


def _spark(values: Sequence[float | None]) -> str:
    """A sparkline where None is a gap (a space)."""
    present = [v for v in values if v is not None]
    line = iter(sparkline(present))
    return "".join(" " if v is None else next(line) for v in values)


def compare_json(
    pairs: Sequence[MonthPair],
    overall: Agreement,
    by_country: Mapping[str, Agreement],
    feed: str,
    folded: int,
    min_rows: int,
) -> Iterator[str]:
    """The comparison with its agreement figures, overall and per country."""

    def figure(found: Agreement) -> dict[str, object]:
        share = None if found.share is None else round(found.share, 4)
        return {"months": found.months, "agreeing": found.agreeing, "share": share}

    document = {
        "schema_version": FEED_SCHEMA_VERSION,
        "feed": feed,
        "min_rows": min_rows,
        "folded_rows": folded,
        "agreement": figure(overall),
        "countries": {country: figure(found) for country, found in by_country.items()},
        "months": [
            {
                "country": p.country,
                "month": f"{p.month:%Y-%m}",
                "curated": p.curated,
                "curated_score": None if p.curated_score is None else round(p.curated_score, 4),
                "feed": p.feed.direction if p.feed else None,
                "feed_index": None if p.feed is None else round(p.feed.index, 4),
                "feed_rows": None if p.feed is None else p.feed.rows,
                "feed_raw_rows": None if p.feed is None else p.feed.raw_rows,
                "agree": p.agrees if p.both else None,
            }
            for p in pairs
        ],
    }
    yield json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def explain_lines(pairs: Sequence[MonthPair], country: str) -> Iterator[str]:
    """One country's months: the curated events behind its arrow, the feed's rationale and
    how many stored rows were folded into a story of another."""
    for pair in pairs:
        if pair.country != country:
            continue
        agree = (" agree" if pair.agrees else " DISAGREE") if pair.both else ""
        yield f"{pair.month:%Y-%m}{agree}\n"
        yield f"  curated: {_direction(pair.curated)}"
        if pair.curated_events:
            yield f" ({', '.join(pair.curated_events)})"
        yield "\n"
        if pair.feed is None:
            yield "  feed: too few coded rows\n"
            continue
        feed = pair.feed
        yield f"  feed: {_direction(feed.direction)}; {feed.rationale}\n"
        yield (
            f"  folded: {feed.raw_rows} stored rows, {feed.rows} after folding "
            f"({feed.raw_rows - feed.rows} folded)\n"
        )


def suggest_rows(clusters: Sequence[Cluster]) -> list[list[str]]:
    return [
        [f"{c.month:%Y-%m}", f"{c.by} -> {c.to}", c.act, str(c.rows), str(c.clusters), c.name]
        for c in clusters
    ]


def drafts_text(drafts: Mapping[str, str]) -> Iterator[str]:
    """The drafted files one after another, each under a comment naming its file."""
    for index, (name, text) in enumerate(drafts.items()):
        yield ("\n" if index else "") + f"# ---- {name}\n" + text


def suggest_json(
    clusters: Sequence[Cluster], drafts: Mapping[str, str], feed: str
) -> Iterator[str]:
    document = {
        "schema_version": FEED_SCHEMA_VERSION,
        "feed": feed,
        "suggestions": [
            {
                "by": c.by,
                "act": c.act,
                "root": c.root,
                "to": c.to,
                "month": f"{c.month:%Y-%m}",
                "rows": c.rows,
                "stories": c.clusters,
                "urls": list(c.urls),
                "file": c.name,
                "draft": drafts.get(c.name, ""),
            }
            for c in clusters
        ],
    }
    yield json.dumps(document, ensure_ascii=False, indent=2) + "\n"
