"""`orbit feed signals` output: rows of text cells (terminal table and tab-separated lines), json
and csv of the aggregate and its arrows, and an explained country-month.

The same for every engine: it renders feeds/aggregate.py's values. No rich here (terminal.py).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence

from orbitwatch.feeds.aggregate import CountryPeriod, Dyad, FeedArrow
from orbitwatch.model import countries
from orbitwatch.model.acts import ACT_KINDS
from orbitwatch.render.data import safe_cell
from orbitwatch.render.glyphs import marked
from orbitwatch.render.signals import sparkline
from orbitwatch.render.text import json_safe, one_line

FEED_SCHEMA_VERSION = 1  # the feed documents' own contract, separate from the timeline's
ACT_NAME = {kind.code: kind.name for kind in ACT_KINDS}
TABLE_HEADERS = (
    "country", "period", "volume", "away", "toward", "none", "index", "arrow", "trend 12",
)  # fmt: skip
ARROW_HEADERS = ("period", "country", "arrow", "index", "change", "rationale")
CSV_FIELDS = (
    "country", "period", "unit", "weighting", "row_count", "volume", "away", "toward", "none",
    "away_weight", "toward_weight", "index", "arrow",
)  # fmt: skip
DYAD_HEADERS = ("dyad", "act", "stance", "weight", "rows", "example source")
ROOT_HEADERS = ("root", "act", "volume", "away", "toward")


def index_text(value: float) -> str:
    return f"{value:+.3f}" if value else "0.000"


def table_rows(arrows: Mapping[str, Sequence[FeedArrow]]) -> list[list[str]]:
    """One row per country: its latest period, and the index of its last 12 as a trend."""
    rows = []
    for country in sorted(arrows):
        series = arrows[country]
        last = series[-1]
        row = last.row
        rows.append(
            [
                country,
                row.label,
                str(row.volume),
                str(row.away),
                str(row.toward),
                str(row.none),
                index_text(row.index),
                marked(last.arrow),
                sparkline([a.row.index for a in series[-12:]]),
            ]  # fmt: skip
        )
    return rows


def arrow_rows(arrows: Mapping[str, Sequence[FeedArrow]]) -> list[list[str]]:
    """Every country-period, newest first, with its arrow and why."""
    every = [a for series in arrows.values() for a in series]
    every.sort(key=lambda a: (-a.row.period, a.row.country))
    return [
        [
            a.row.label,
            a.row.country,
            marked(a.arrow),
            index_text(a.row.index),
            index_text(a.change),
            a.rationale,
        ]  # fmt: skip
        for a in every
    ]


def _period_dict(arrow: FeedArrow) -> dict[str, object]:
    row = arrow.row
    return {
        "period": row.label,
        "start": row.start.isoformat(),
        "row_count": row.row_count,
        "volume": row.volume,
        "away": row.away,
        "toward": row.toward,
        "none": row.none,
        "away_weight": row.away_weight,
        "toward_weight": row.toward_weight,
        "index": round(row.index, 6),
        "arrow": arrow.arrow,
        "change": round(arrow.change, 6),
        "trailing_mean": round(arrow.trailing_mean, 6),
    }


def signals_json(
    arrows: Mapping[str, Sequence[FeedArrow]], unit: str, weighting: str, pole: str
) -> Iterator[str]:
    document = {
        "schema_version": FEED_SCHEMA_VERSION,
        "pole": pole,
        "unit": unit,
        "weighting": weighting,
        "index": "(away - toward) / volume",
        "countries": [
            {
                "country": country,
                "name": countries.name(country),
                "periods": [_period_dict(a) for a in arrows[country]],
            }
            for country in sorted(arrows)
        ],
    }
    yield json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


def signals_csv(arrows: Mapping[str, Sequence[FeedArrow]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for country in sorted(arrows):
        for a in arrows[country]:
            r = a.row
            writer.writerow(
                [
                    safe_cell(r.country),
                    r.label,
                    r.unit,
                    r.weighting,
                    r.row_count,
                    r.volume,
                    r.away,
                    r.toward,
                    r.none,
                    r.away_weight,
                    r.toward_weight,
                    round(r.index, 6),
                    a.arrow,
                ]  # fmt: skip
            )
    yield buffer.getvalue()


# -- explain ----------------------------------------------------------------------------------


def dyad_name(country: str, dyad: Dyad) -> str:
    other = dyad.other or "(none)"
    return f"{country} -> {other}" if dyad.role == "by" else f"{other} -> {country}"


def explain_summary(row: CountryPeriod, pole: str) -> list[str]:
    name = countries.name(row.country)
    unit = "" if row.weighting == "rows" else f" (counted in {row.weighting})"
    return [
        f"{row.country} {name}, {row.label}: {row.row_count} coded rows involving it{unit}",
        f"away {row.away}, toward {row.toward}, none {row.none} of volume {row.volume}; "
        f"act-weighted away {row.away_weight}, toward {row.toward_weight}",
        f"drift index = (away - toward) / volume = ({row.away} - {row.toward}) / {row.volume} "
        f"= {index_text(row.index)} (away from {pole} when positive)",
    ]


def dyad_rows(country: str, dyads: Sequence[Dyad], limit: int = 12) -> list[list[str]]:
    return [
        [
            dyad_name(country, d),
            f"{d.root} {ACT_NAME.get(d.root, '?')}",
            d.stance or "none",
            str(d.weight),
            str(d.rows),
            one_line(d.url or "-", 100),
        ]  # fmt: skip
        for d in dyads[:limit]
    ]


def root_rows(dyads: Sequence[Dyad]) -> list[list[str]]:
    """Per act root: the volume and its away / toward parts, heaviest first."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for d in dyads:
        cell = totals[d.root]
        cell[0] += d.weight
        cell[1] += d.weight if d.stance == "away" else 0
        cell[2] += d.weight if d.stance == "toward" else 0
    ordered = sorted(totals.items(), key=lambda item: (-item[1][0], item[0]))
    return [
        [root, ACT_NAME.get(root, "?"), str(volume), str(away), str(toward)]
        for root, (volume, away, toward) in ordered
    ]


def example_urls(dyads: Sequence[Dyad], limit: int = 5) -> list[str]:
    """Source URLs of the heaviest dyads that read away or toward (the others after them)."""
    ordered = [d for d in dyads if d.stance] + [d for d in dyads if not d.stance]
    return list(dict.fromkeys(d.url for d in ordered if d.url))[:limit]


def explain_json(row: CountryPeriod, dyads: Sequence[Dyad], pole: str) -> Iterator[str]:
    document = {
        "schema_version": FEED_SCHEMA_VERSION,
        "country": row.country,
        "pole": pole,
        "period": row.label,
        "unit": row.unit,
        "weighting": row.weighting,
        "row_count": row.row_count,
        "volume": row.volume,
        "away": row.away,
        "toward": row.toward,
        "none": row.none,
        "index": round(row.index, 6),
        "dyads": [
            {
                "role": d.role,
                "other": d.other,
                "root": d.root,
                "act": ACT_NAME.get(d.root),
                "stance": d.stance,
                "act_weight": d.act_weight,
                "rows": d.rows,
                "weight": d.weight,
                "url": d.url,
            }
            for d in dyads
        ],
    }
    yield json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"
