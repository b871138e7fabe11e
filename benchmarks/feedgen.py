"""Synthetic GDELT 2.0 event exports of any size, for the feed benchmarks (not real events).

Written by DuckDB in one COPY (no Python loop): 61 tab-separated columns, dates 2015-02-19 to
2025-12-31, actor countries skewed toward big newsmakers (USA, RUS, CHN, GBR, ...), a third
of actors with no country (as in real files), CAMEO roots skewed to 01/04/05 (statements,
consultations, endorsements), Goldstein by root, heavy-tailed mentions (Pareto).

    python benchmarks/feedgen.py ROWS OUT.export.CSV [--zip] [--seed N]
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

# CAMEO country codes with weights (per mille): big newsmakers first, Central Asia present.
COUNTRIES = {
    "USA": 180, "RUS": 70, "CHN": 60, "GBR": 50, "IND": 40, "FRA": 30, "DEU": 30, "ISR": 30,
    "UKR": 30, "IRN": 25, "TUR": 25, "PAK": 20, "JPN": 20, "AUS": 20, "CAN": 20, "SYR": 20,
    "AFG": 15, "NGA": 15, "KOR": 15, "PRK": 10, "SAU": 15, "EGY": 15, "BRA": 15, "MEX": 15,
    "ZAF": 10, "ITA": 10, "ESP": 10, "POL": 10, "IRQ": 15, "KAZ": 8, "UZB": 4, "KGZ": 3,
    "TJK": 3, "TKM": 2, "ARM": 5, "BLR": 6, "AZE": 4, "GEO": 5, "ROM": 5, "EUR": 20,
    "AFR": 10, "MEA": 10, "CAS": 2,
}  # fmt: skip
# CAMEO root codes with weights (per mille), roughly as in GDELT 2.0.
ROOTS = {
    "01": 180, "02": 60, "03": 70, "04": 230, "05": 90, "06": 30, "07": 25, "08": 20,
    "09": 10, "10": 20, "11": 60, "12": 20, "13": 25, "14": 20, "15": 10, "16": 15,
    "17": 60, "18": 30, "19": 20, "20": 5,
}  # fmt: skip
GOLDSTEIN = {
    "01": 0.0, "02": 3.0, "03": 4.0, "04": 1.0, "05": 3.5, "06": 6.0, "07": 7.0, "08": 5.0,
    "09": -2.0, "10": -5.0, "11": -2.0, "12": -4.0, "13": -6.0, "14": -6.5, "15": -7.2,
    "16": -4.0, "17": -7.0, "18": -9.0, "19": -10.0, "20": -10.0,
}  # fmt: skip
FIRST_DAY = "2015-02-19"
DAYS = 3969  # to 2025-12-31


def _weighted_list(weights: dict[str, int]) -> str:
    items = [code for code, weight in weights.items() for _ in range(weight)]
    return "[" + ", ".join(f"'{item}'" for item in items) + "]"


def query(rows: int, seed: float) -> str:
    countries = _weighted_list(COUNTRIES)
    roots = _weighted_list(ROOTS)
    goldstein = "MAP {" + ", ".join(f"'{r}': {g}" for r, g in GOLDSTEIN.items()) + "}"
    n_countries = countries.count(",") + 1
    n_roots = roots.count(",") + 1
    pick_country = (
        f"CASE WHEN random() < 0.35 THEN '' "
        f"ELSE {countries}[1 + floor(random() * {n_countries})::INT] END"
    )
    empty = "''"
    geo = [empty] * 8  # type, name, country, adm1, adm2, lat, long, feature id
    return f"""
    SELECT setseed({seed});
    COPY (
      WITH base AS (
        SELECT 410000000 + i AS id,
          DATE '{FIRST_DAY}' + CAST(floor(random() * {DAYS}) AS INTEGER) AS day,
          {pick_country} AS c1, {pick_country} AS c2,
          {roots}[1 + floor(random() * {n_roots})::INT] AS root,
          CAST(least(floor(pow(random(), -1 / 1.3)), 2000) AS INTEGER) AS mentions
        FROM range({rows}) AS t(i)
      )
      SELECT id, strftime(day, '%Y%m%d'), strftime(day, '%Y%m'), year(day),
        round(year(day) + dayofyear(day) / 365.0, 4),
        c1 || 'GOV', c1, c1, '', '', '', '', 'GOV', '', '',
        c2 || 'GOV', c2, c2, '', '', '', '', 'GOV', '', '',
        1, root || '0', root || '0', root, 1 + (CAST(root AS INTEGER) > 4)::INT
            + (CAST(root AS INTEGER) > 9)::INT + (CAST(root AS INTEGER) > 14)::INT,
        {goldstein}[root], mentions, greatest(1, mentions // 3), mentions + 1,
        round(random() * 10 - 6, 4),
        {", ".join(geo)}, {", ".join(geo)}, {", ".join(geo)},
        strftime(day, '%Y%m%d') || '120000',
        'https://news.example.com/' || strftime(day, '%Y/%m/%d') || '/story-' || id
      FROM base
    ) TO '{{out}}' (FORMAT csv, DELIMITER '\t', HEADER false, QUOTE '', ESCAPE '');
    """


def generate(rows: int, out: Path, zipped: bool = False, seed: float = 0.26) -> Path:
    """Write `rows` synthetic rows to `out` (and `out`.zip with --zip); returns the file."""
    import duckdb

    con = duckdb.connect(config={"preserve_insertion_order": False})
    con.execute(query(rows, seed).replace("{out}", str(out).replace("'", "''")))
    con.close()
    if not zipped:
        return out
    target = out.with_name(out.name + ".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.write(out, out.name)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--zip", action="store_true", help="also write OUT.zip")
    parser.add_argument("--seed", type=float, default=0.26, help="DuckDB setseed, in [-1, 1]")
    args = parser.parse_args(argv)
    print(generate(args.rows, args.out, args.zip, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
