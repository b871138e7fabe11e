"""The small aggregate table every engine returns, and what is built on it for all engines alike:
the drift index, arrows per period, an explained country-period, a BigQuery result read back.

Values only: no SQL is run here (engines.py) and nothing is printed (render/feeds.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orbitwatch.feeds.scoring import UNITS, WEIGHTINGS, Unit, Weighting
from orbitwatch.model.errors import OrbitError

COLUMNS = (
    "country", "period", "unit", "weighting", "row_count", "volume", "away", "toward",
    "away_weight", "toward_weight",
)  # fmt: skip
ARROW_THRESHOLD = 0.05  # index change against the trailing mean that makes an arrow
ARROW_MIN_ROWS = 30  # fewer coded rows in a period: too few to call a shift
TRAILING = 12  # periods in the trailing mean
_MONDAY_ZERO = dt.date(1969, 12, 29)  # week 0 of the week keys (scoring.PERIOD_SQL)


@dataclass(frozen=True, slots=True)
class CountryPeriod:
    """One country in one period: coded volume and the away / toward parts of it.

    `volume`, `away` and `toward` are rows, or mentions or sources with that weighting;
    `away_weight` and `toward_weight` multiply each by its act's weight (1-5)."""

    country: str
    period: int  # yyyymm for months; weeks since Monday 1969-12-29 for weeks
    unit: Unit
    weighting: Weighting
    row_count: int
    volume: int
    away: int
    toward: int
    away_weight: int
    toward_weight: int

    @property
    def none(self) -> int:
        return self.volume - self.away - self.toward

    @property
    def index(self) -> float:
        """(away - toward) / volume: the net share of the coded volume that reads away."""
        return (self.away - self.toward) / self.volume if self.volume else 0.0

    @property
    def start(self) -> dt.date:
        return period_start(self.unit, self.period)

    @property
    def label(self) -> str:
        return period_label(self.unit, self.period)


def period_start(unit: Unit, key: int) -> dt.date:
    if unit == "month":
        return dt.date(key // 100, key % 100, 1)
    return _MONDAY_ZERO + dt.timedelta(days=7 * key)


def period_label(unit: Unit, key: int) -> str:
    """2022-05 for a month; 2022-W19 (ISO week) for a week."""
    start = period_start(unit, key)
    if unit == "month":
        return f"{start:%Y-%m}"
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


def from_rows(rows: Iterable[Sequence[Any]]) -> list[CountryPeriod]:
    """The aggregate from an engine's result rows (columns in COLUMNS order)."""
    found = []
    for row in rows:
        country, period, unit, weighting, *numbers = row
        if unit not in UNITS or weighting not in WEIGHTINGS:
            raise OrbitError(f"unknown period unit {unit!r} or weighting {weighting!r}")
        found.append(
            CountryPeriod(str(country), int(period), unit, weighting, *(int(n) for n in numbers))
        )
    return sorted(found, key=lambda c: (c.country, c.period))


# -- arrows -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedArrow:
    """One country-period judged against its trailing periods, as `signals --monthly` does."""

    row: CountryPeriod
    arrow: str  # away | toward | steady
    trailing_mean: float  # mean index of up to TRAILING earlier periods with rows
    change: float  # index - trailing_mean
    rationale: str


def arrows(table: Sequence[CountryPeriod], threshold: float = ARROW_THRESHOLD) -> list[FeedArrow]:
    """An arrow per country and period: away when the index rose more than `threshold` above
    the mean of the trailing periods (toward: fell), with at least ARROW_MIN_ROWS coded rows
    and acts on that side behind it; steady otherwise."""
    by_country: dict[str, list[CountryPeriod]] = defaultdict(list)
    for row in table:
        by_country[row.country].append(row)
    result = []
    for country in sorted(by_country):
        history: list[float] = []
        for row in sorted(by_country[country], key=lambda r: r.period):
            window = history[-TRAILING:]
            mean = sum(window) / len(window) if window else row.index
            change = row.index - mean
            arrow = "steady"
            if window and row.row_count >= ARROW_MIN_ROWS:
                if change > threshold and row.away:
                    arrow = "away"
                elif change < -threshold and row.toward:
                    arrow = "toward"
            result.append(FeedArrow(row, arrow, mean, change, _rationale(row, window, change)))
            history.append(row.index)
    return result


def _rationale(row: CountryPeriod, window: Sequence[float], change: float) -> str:
    counts = f"away {row.away}, toward {row.toward} of {row.volume}"
    if not window:
        return f"{counts}; no earlier period to compare"
    if row.row_count < ARROW_MIN_ROWS:
        return f"{counts}; only {row.row_count} coded rows"
    mean = sum(window) / len(window)
    return f"{counts}; index {row.index:+.3f} vs {len(window)}-period mean {mean:+.3f}"


def latest(table: Sequence[CountryPeriod]) -> dict[str, list[FeedArrow]]:
    """Each country's arrows, oldest first (the table shows the last one and a trend)."""
    found: dict[str, list[FeedArrow]] = defaultdict(list)
    for arrow in arrows(table):
        found[arrow.row.country].append(arrow)
    return dict(found)


# -- explain ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dyad:
    """One (role, other party, root) of a country-period with its reading and weight."""

    role: str  # by: the country acted; to: it was acted on
    other: str | None
    root: str
    stance: str | None
    act_weight: int | None
    rows: int
    weight: int  # rows, or mentions or sources
    url: str | None


def dyads_from_rows(rows: Iterable[Sequence[Any]]) -> list[Dyad]:
    """Detail rows (scoring_sql(detail=True): country, period, role, other, root, stance,
    weight, n, w, url) as Dyads, heaviest first."""
    found = [
        Dyad(
            str(role),
            other,
            str(root),
            stance,
            None if act_weight is None else int(act_weight),
            int(n),
            int(w),
            url,
        )  # fmt: skip
        for _, _, role, other, root, stance, act_weight, n, w, url in rows
    ]
    return sorted(
        found, key=lambda d: (-d.weight, -d.rows, d.role, d.other or "", d.root, d.url or "")
    )


# -- a result file read back ------------------------------------------------------------------


def read_result(path: Path) -> list[CountryPeriod]:
    """The aggregate as `bq query --format=csv|json|prettyjson` wrote it (or JSON lines):
    the query's columns by name, numbers as numbers or strings."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise OrbitError(f"{path}: not UTF-8 text ({exc.reason})") from None
    stripped = text.lstrip()
    if not stripped:
        raise OrbitError(
            f"{path}: empty: not even a header line",
            hint="The file must hold the result of the BigQuery query that orbit feed sql "
            "prints (a query with no rows still writes its header, or [] in JSON).",
        )
    if stripped.startswith("["):
        try:
            records = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise OrbitError(f"{path}:{exc.lineno}:{exc.colno}: bad JSON: {exc.msg}") from None
        numbered = [(1, record) for record in records]
    elif stripped.startswith("{"):
        numbered = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    numbered.append((number, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise OrbitError(f"{path}:{number}: bad JSON line: {exc.msg}") from None
    else:
        reader = csv.DictReader(io.StringIO(text))
        numbered = [(reader.line_num, dict(record)) for record in reader]
        if not numbered:  # a header alone: its columns must still be the query's
            _record_row(path, 1, dict.fromkeys(reader.fieldnames or (), "0"))
    return from_rows(_record_row(path, line, record) for line, record in numbered)


def _record_row(path: Path, line: int, record: object) -> list[Any]:
    if not isinstance(record, dict):
        raise OrbitError(f"{path}:{line}: expected a row of named columns")
    missing = [name for name in COLUMNS if name not in record]
    if missing:
        raise OrbitError(
            f"{path}:{line}: missing column(s) {', '.join(missing)}",
            hint="The file must hold the result of the BigQuery query that orbit feed sql "
            "prints, with its column names.",
        )
    try:
        values = [record[name] for name in COLUMNS]
        for index in range(4, len(COLUMNS)):
            values[index] = int(values[index])
        values[1] = int(values[1])
    except (TypeError, ValueError):
        raise OrbitError(f"{path}:{line}: a count or period is not a whole number") from None
    return values
