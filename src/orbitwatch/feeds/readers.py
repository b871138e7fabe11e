"""The feed formats: telling GDELT 2.0, GDELT 1.0 and ICEWS files apart, unpacking a zip to a
plain file, and the DuckDB read_csv + SELECT that turns one file into store rows. No writing.

GDELT 2.0 events export (*.export.CSV): 61 tab-separated columns, no header. GDELT 1.0 daily
export: 57 columns before April 2013, 58 (SOURCEURL added) after; both share GDELT 2.0's first
35 columns (id, date, the two actors, event codes, Goldstein, mentions, sources, articles,
tone). ICEWS Dataverse .tab: a header row of 20 named columns, countries as English names.
Values are read as typed columns so that a bad date or number rejects its row with its line
number (DuckDB's store_rejects) instead of failing the file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from orbitwatch.feeds import codes
from orbitwatch.feeds.codes import ROOTS
from orbitwatch.model.errors import OrbitError

GDELT2_COLUMNS = 61
GDELT1_COLUMNS = (57, 58)
ICEWS_HEADER: tuple[str, ...] = (
    "Event ID", "Event Date", "Source Name", "Source Sectors", "Source Country",
    "Event Text", "CAMEO Code", "Intensity", "Target Name", "Target Sectors",
    "Target Country", "Story ID", "Sentence Number", "Publisher", "City", "District",
    "Province", "Country", "Latitude", "Longitude",
)  # fmt: skip

# GDELT's column names (codebook order) for the columns orbit reads, by 0-based index.
GDELT_NAMES: dict[int, str] = {
    0: "GLOBALEVENTID",
    1: "SQLDATE",
    5: "Actor1Code",
    7: "Actor1CountryCode",
    8: "Actor1KnownGroupCode",
    15: "Actor2Code",
    17: "Actor2CountryCode",
    18: "Actor2KnownGroupCode",
    26: "EventCode",
    28: "EventRootCode",
    30: "GoldsteinScale",
    31: "NumMentions",
    32: "NumSources",
    33: "NumArticles",
    57: "SOURCEURL",  # GDELT 1.0 (58 columns)
    60: "SOURCEURL",  # GDELT 2.0
}
_GDELT_TYPES = {0: "BIGINT", 1: "DATE", 30: "DOUBLE", 31: "INTEGER", 32: "INTEGER", 33: "INTEGER"}
_ICEWS_TYPES = {"Event ID": "BIGINT", "Event Date": "DATE", "Intensity": "DOUBLE"}
KINDS = ("gdelt2", "gdelt1", "icews")


class FeedFileError(OrbitError):
    """One input file cannot be imported at all (unknown format, broken zip, ...)."""


@dataclass(frozen=True, slots=True)
class Kind:
    source: str  # 'gdelt2' | 'gdelt1' | 'icews' | 'empty' (no rows: nothing to read)
    columns: int  # of the first line


def sniff(path: Path, shown: str) -> Kind:
    """The format of a plain (unzipped) file, from its first line."""
    try:
        with open(path, "rb") as handle:
            first = handle.readline(1 << 20)
    except OSError as exc:
        raise FeedFileError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    if not first.strip():
        return Kind("empty", 0)
    fields = first.removeprefix(b"\xef\xbb\xbf").rstrip(b"\r\n").split(b"\t")
    if tuple(f.decode("utf-8", "replace").strip() for f in fields) == ICEWS_HEADER:
        return Kind("icews", len(fields))
    if len(fields) == GDELT2_COLUMNS:
        return Kind("gdelt2", len(fields))
    if len(fields) in GDELT1_COLUMNS:
        return Kind("gdelt1", len(fields))
    raise FeedFileError(
        f"{shown}: not a feed file orbit reads: its first line has {len(fields)} "
        "tab-separated columns",
        hint="orbit reads GDELT 2.0 event exports (61 columns), GDELT 1.0 daily exports "
        "(57 or 58) and ICEWS .tab files (a header row starting 'Event ID').",
    )


def unzip_to(path: Path, shown: str, target: Path) -> None:
    """The zip's one member, streamed to `target` (its CRC checked at the end)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            if len(members) != 1:
                raise FeedFileError(
                    f"{shown}: a feed zip holds one file; this one holds {len(members)}"
                )
            with archive.open(members[0]) as source, open(target, "wb") as sink:
                while chunk := source.read(1 << 20):
                    sink.write(chunk)
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        raise FeedFileError(f"{shown}: broken or truncated zip file ({exc})") from None
    except NotImplementedError as exc:
        raise FeedFileError(f"{shown}: unsupported zip file ({exc})") from None


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _csv(path: Path, columns: dict[str, str], rejects: str, header: bool, date: str) -> str:
    spec = "{" + ", ".join(f"{_quote(n)}: {_quote(t)}" for n, t in columns.items()) + "}"
    # an empty id or date is a bad row (a cast error with its line), not a NULL
    keys = ", ".join(_quote(n) for n, t in columns.items() if t == "DATE" or n in KEY_COLUMNS)
    return (
        f"read_csv({_quote(str(path))}, delim='\\t', quote='', escape='', "
        f"header={'true' if header else 'false'}, columns={spec}, auto_detect=false, "
        f"dateformat={_quote(date)}, force_not_null=[{keys}], "
        f"ignore_errors=true, store_rejects=true, rejects_table={_quote(rejects)}, "
        f"rejects_scan={_quote(rejects + '_scan')}, max_line_size=4194304)"
    )


KEY_COLUMNS = ("c0", "Event ID")
_ROOTS_SQL = "(" + ", ".join(_quote(root) for root in ROOTS) + ")"


def gdelt_columns(count: int) -> dict[str, str]:
    return {f"c{i}": _GDELT_TYPES.get(i, "VARCHAR") for i in range(count)}


def gdelt_select(path: Path, source: str, count: int, rejects: str) -> str:
    """Store rows (plus `month`) from a GDELT file read as `count` columns."""
    url = "r.c60" if count == GDELT2_COLUMNS else ("r.c57" if count == 58 else "NULL")
    scan = _csv(path, gdelt_columns(count), rejects, False, "%Y%m%d")
    countries, groups = _map(codes.cameo_countries()), _map(codes.KNOWN_GROUP_BLOCS)
    return f"""
    SELECT {_quote(source)} AS source, CAST(r.c0 AS VARCHAR) AS event_id, r.c1 AS day,
        COALESCE({countries}[r.c7], {groups}[r.c8]) AS actor1,
        COALESCE({countries}[r.c17], {groups}[r.c18]) AS actor2,
        COALESCE(r.c7, r.c8, r.c5) AS actor1_raw, COALESCE(r.c17, r.c18, r.c15) AS actor2_raw,
        r.c26 AS cameo,
        CASE WHEN r.c28 IN {_ROOTS_SQL} THEN r.c28 END AS root,
        r.c30 AS goldstein, r.c31 AS mentions, r.c32 AS sources, r.c33 AS articles,
        CAST({url} AS VARCHAR) AS url, CAST(NULL AS VARCHAR) AS story,
        strftime(r.c1, '%Y-%m') AS month
    FROM {scan} AS r
    """


def icews_columns() -> dict[str, str]:
    return {name: _ICEWS_TYPES.get(name, "VARCHAR") for name in ICEWS_HEADER}


def icews_select(path: Path, rejects: str) -> str:
    scan = _csv(path, icews_columns(), rejects, True, "%Y-%m-%d")
    names, blocs = _map(codes.icews_countries()), _map(codes.ICEWS_BLOC_NAMES)
    return f"""
    SELECT 'icews' AS source, CAST(r."Event ID" AS VARCHAR) AS event_id, r."Event Date" AS day,
        CASE WHEN r."Source Country" IS NULL THEN {blocs}[lower(r."Source Name")]
            ELSE {names}[lower(r."Source Country")] END AS actor1,
        CASE WHEN r."Target Country" IS NULL THEN {blocs}[lower(r."Target Name")]
            ELSE {names}[lower(r."Target Country")] END AS actor2,
        COALESCE(r."Source Country", r."Source Name") AS actor1_raw,
        COALESCE(r."Target Country", r."Target Name") AS actor2_raw,
        r."CAMEO Code" AS cameo,
        CASE WHEN left(r."CAMEO Code", 2) IN {_ROOTS_SQL} THEN left(r."CAMEO Code", 2) END
            AS root,
        r."Intensity" AS goldstein, CAST(NULL AS INTEGER) AS mentions,
        CAST(NULL AS INTEGER) AS sources, CAST(NULL AS INTEGER) AS articles,
        CAST(NULL AS VARCHAR) AS url, r."Story ID" AS story,
        strftime(r."Event Date", '%Y-%m') AS month
    FROM {scan} AS r
    """


def _map(table: Mapping[str, str]) -> str:
    """A DuckDB MAP literal: a lookup per row without a join (joins made the partitioned
    COPY run out of its memory limit)."""
    return "MAP {" + ", ".join(f"{_quote(k)}: {_quote(v)}" for k, v in sorted(table.items())) + "}"


def column_name(source: str, index: int) -> str:
    """A column's name in the source's codebook, for messages ('SQLDATE (column 2)')."""
    if source == "icews":
        name = ICEWS_HEADER[index] if 0 <= index < len(ICEWS_HEADER) else f"column {index + 1}"
    else:
        name = GDELT_NAMES.get(index, f"column {index + 1}")
    return f"{name} (column {index + 1})" if not name.startswith("column") else name
