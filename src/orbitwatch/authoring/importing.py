"""Import: rows of CSV, JSON or JSON Lines (ACLED columns, our own exports) -> event files.

Reads text handed to it, checks every row like `orbit check`, and plans the files to write;
writing goes through the caller (app/authoring.py and fsio.py). Never prints.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from orbitwatch.authoring.write import (
    PlannedFile,
    event_path,
    near_duplicate,
    slugify,
    to_toml,
    toml_date,
    validate,
)
from orbitwatch.model.countries import lookup
from orbitwatch.model.dates import DateError, parse_partial
from orbitwatch.model.schema import IMPORT_COLUMNS
from orbitwatch.text import strictcsv, strictjson
from orbitwatch.timeline.check import ID_RE

if TYPE_CHECKING:
    from orbitwatch.authoring.write import PlannedFile
    from orbitwatch.config.settings import Settings
    from orbitwatch.model.event import Event, PartialDate

ACLED_MAP = {
    "event_date": "date",
    "country": "countries",
    "actor1": "actors",
    "actor2": "actors",
    "notes": "summary",
    "source": "publisher",
    "event_type": "tags",
    "sub_event_type": "tags",
}
OWN_MAP = {column: column for column in IMPORT_COLUMNS}  # our own columns, from the schema
IGNORED = {
    "stance", "weight", "rules", "path", "precision", "reading", "readings", "schema_version",
}  # fmt: skip
TARGETS = set(OWN_MAP) | {"publisher", "source_title", "source_url", "ignore"}


@dataclass
class Row:
    number: int
    values: dict[str, object] = field(default_factory=dict)
    from_csv: bool = False  # only our CSV export guards formulas with a leading quote


@dataclass
class ImportProblem:
    row: int  # 0: the whole column, or the whole file (`field` names the column)
    field: str
    message: str


def column_target(column: str, mapping: Mapping[str, str]) -> str | None:
    """The field a column feeds ('ignore': skip it), or None for an unknown column. Headers
    match case-insensitively (`Date` is `date`); an exact --map entry wins."""
    if column in mapping:
        return mapping[column]
    key = column.strip().casefold()
    folded = {given.strip().casefold(): target for given, target in mapping.items()}
    if key in folded:
        return folded[key]
    found = OWN_MAP.get(key) or ACLED_MAP.get(key) or ("ignore" if key in (*IGNORED, "_") else None)
    return key if key in ("sources", "signal", "acts") else found


def read_rows(data: str, fmt: str) -> list[Row]:
    """Rows of an import file as column -> value; CSV row numbers count the header as row 1."""
    if fmt == "csv":
        table = strictcsv.dict_rows(data)
        return [Row(index + 2, dict(row), from_csv=True) for index, row in enumerate(table)]
    if fmt == "jsonl":
        rows = []
        for index, line in enumerate(data.splitlines(), start=1):
            if line.strip():
                value = strictjson.loads(line)
                rows.append(Row(index, value if isinstance(value, dict) else {"_": value}))
        return rows
    document_value = strictjson.loads(data)
    items = document_value.get("events", []) if isinstance(document_value, dict) else document_value
    if not isinstance(items, list):
        raise ValueError('expected a list of events or {"events": [...]}')
    return [
        Row(index + 1, item if isinstance(item, dict) else {"_": item})
        for index, item in enumerate(items)
    ]


def _split(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    text = "" if value is None else str(value)
    return [part.strip() for part in text.split(";")] if text.strip() else []


def _unformula(value: object) -> object:
    """Undo our CSV formula guard: a leading ' before = + - @ tab or CR."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def row_fields(
    row: Row, mapping: Mapping[str, str], today: dt.date
) -> tuple[dict[str, object], list[ImportProblem]]:
    """One import row as event fields (before validation), or its problems."""
    problems = [
        ImportProblem(row.number, str(column), f"{token} is not a number JSON allows")
        for column, value in row.values.items()
        for token in strictjson.non_finite(value)
    ]
    gathered = _gather(row, mapping, problems)
    if problems:
        return {}, problems
    fields: dict[str, object] = {}

    def first(name: str) -> object:
        values = [v for v in gathered.get(name, []) if v not in (None, "")]
        return values[0] if values else None

    _dates(row.number, first, fields, problems)
    summary = first("summary")
    title = first("title")
    if title is None and summary:
        sentence = re.split(r"(?<=[.!?])\s", str(summary).strip(), maxsplit=1)[0]
        title = sentence if len(sentence) <= 140 else sentence[:139] + "…"
    fields["title"] = "" if title is None else str(title)
    fields["summary"] = "" if summary is None else str(summary)
    _lists(row.number, gathered, fields, problems)
    if first("status") is not None:
        fields["status"] = str(first("status"))
    if first("id") is not None:
        fields["id"] = str(first("id"))
    warn = first("warn")
    if warn is not None:
        try:
            fields["warn"] = [int(w) for w in _split(warn)] if not isinstance(warn, list) else warn
        except ValueError:
            problems.append(ImportProblem(row.number, "warn", f"not a list of days: {warn!r}"))
    fields["sources"] = _sources(gathered, first)
    if fields["sources"] is None:
        problems.append(ImportProblem(row.number, "sources", SOURCES_SHAPE))
    acts = _acts(row.number, first, problems)
    if acts:
        fields["acts"] = acts
    _signal(row.number, first, fields, problems)
    return fields, problems


def _gather(
    row: Row, mapping: Mapping[str, str], problems: list[ImportProblem]
) -> dict[str, list[object]]:
    """The row's values by the field each column maps to, in column order."""
    gathered: dict[str, list[object]] = {}
    for column, value in row.values.items():
        if column is None:
            problems.append(ImportProblem(row.number, "row", "more cells than the header row"))
            continue
        target = column_target(column, mapping)
        if target is None:
            continue  # reported once for the whole file by unknown_columns()
        if target == "ignore":
            continue
        gathered.setdefault(target, []).append(_unformula(value) if row.from_csv else value)
    return gathered


def _dates(
    row: int,
    first: Callable[[str], object],
    fields: dict[str, object],
    problems: list[ImportProblem],
) -> None:

    raw_date = first("date")
    date: PartialDate | None = None
    if raw_date is None:
        problems.append(ImportProblem(row, "date", "missing"))
    else:
        try:
            date = parse_partial(str(raw_date))
            fields["date"] = toml_date(date)
        except DateError as exc:
            problems.append(ImportProblem(row, "date", str(exc)))
    if first("end") is not None:
        try:
            fields["end"] = toml_date(parse_partial(str(first("end"))))
        except DateError as exc:
            problems.append(ImportProblem(row, "end", str(exc)))


def _lists(
    row: int,
    gathered: Mapping[str, list[object]],
    fields: dict[str, object],
    problems: list[ImportProblem],
) -> None:
    """countries (as ISO codes), actors and tags (slugged when written as prose)."""

    codes: list[str] = []
    for value in gathered.get("countries", []):
        for name in _split(value):
            code = lookup(name) if name else None
            if code is None:
                problems.append(ImportProblem(row, "countries", f"unknown country {name!r}"))
            elif code not in codes:
                codes.append(code)
    fields["countries"] = codes
    for name in ("actors", "tags"):
        items: list[str] = []
        for value in gathered.get(name, []):
            for item in _split(value):
                if name == "tags" and (" " in item or item != item.lower()):
                    item = slugify(item)  # ACLED's "Peaceful protest" -> peaceful-protest
                if item and item not in items:
                    items.append(item)
        fields[name] = items


def _signal(
    row: int,
    first: Callable[[str], object],
    fields: dict[str, object],
    problems: list[ImportProblem],
) -> None:
    """[signal] from a table (JSON), or signal_* columns, plus our export's country_signals."""
    signal = first("signal")
    if isinstance(signal, dict):
        fields["signal"] = {k: v for k, v in signal.items() if v not in (None, "")}
    elif first("signal_stance") is not None:
        try:
            weight = int(str(first("signal_weight") or "1"))
        except ValueError:
            weight = 0
        fields["signal"] = {
            "stance": str(first("signal_stance")),
            "weight": weight,
            "note": str(first("signal_note") or ""),
        }
        if not fields["signal"]["note"]:  # type: ignore[index]
            del fields["signal"]["note"]  # type: ignore[attr-defined]
    own = _json_cell(first("country_signals"), row, "country_signals", problems)
    if isinstance(own, dict) and own:
        signal_table = fields.setdefault("signal", {})
        if isinstance(signal_table, dict):
            signal_table.update(own)


def _json_cell(value: object, row: int, column: str, problems: list[ImportProblem]) -> object:
    """A CSV cell holding JSON (our export's acts and country_signals), or the value itself."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        problems.append(ImportProblem(row, column, "not valid JSON"))
        return None


def _acts(
    row: int, first: Callable[[str], object], problems: list[ImportProblem]
) -> list[dict[str, object]]:
    """[[acts]] from an `acts` list (our exports) or from by/act/to columns (one act a row)."""
    given = _json_cell(first("acts"), row, "acts", problems)
    if isinstance(given, list):
        return [
            {k: v for k, v in item.items() if v not in (None, "")}
            for item in given
            if isinstance(item, dict)
        ]
    if given is not None:
        problems.append(ImportProblem(row, "acts", "must be a list of {by, act, to} tables"))
        return []
    parts = {name: first(name) for name in ("by", "act", "to", "act_note")}
    if all(parts[name] is None for name in ("by", "act", "to")):
        return []
    missing = [name for name in ("by", "act", "to") if parts[name] in (None, "")]
    if missing:
        problems.append(ImportProblem(row, missing[0], "an act needs by, act and to"))
        return []
    act: dict[str, object] = {
        "by": _parties(parts["by"]),
        "act": str(parts["act"]),
        "to": _parties(parts["to"]),
    }
    if parts["act_note"]:
        act["note"] = str(parts["act_note"])
    return [act]


def _parties(value: object) -> object:
    items = [item for item in re.split(r"[;,]", str(value)) if item.strip()]
    return items[0].strip() if len(items) == 1 else [item.strip() for item in items]


SOURCES_SHAPE = 'expected a list of tables ([{"title": ..., "url": ...}])'


def _sources(gathered: Mapping[str, list[object]], first: object) -> list[dict[str, object]] | None:
    """The row's sources; None when a sources value is not a list of tables."""

    def as_list(value: object) -> object:
        # our CSV export carries the sources whole as JSON too: a ';' in a title survives
        if isinstance(value, str) and value.startswith("["):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    given = [v for v in map(as_list, gathered.get("sources", [])) if v not in (None, "")]
    if given:
        given_sources: list[dict[str, object]] = []
        if not isinstance(given[0], list) or not all(isinstance(i, dict) for i in given[0]):
            return None
        for item in given[0]:
            if isinstance(item, dict):
                kept = {k: v for k, v in item.items() if v not in (None, "")}
                if "date" in kept:
                    try:
                        kept["date"] = toml_date(parse_partial(str(kept["date"])))
                    except DateError:
                        pass
                given_sources.append(kept)
        return given_sources
    columns = {
        "title": [*gathered.get("source_titles", []), *gathered.get("source_title", [])],
        "publisher": [*gathered.get("source_publishers", []), *gathered.get("publisher", [])],
        "url": [*gathered.get("source_urls", []), *gathered.get("source_url", [])],
        "author": gathered.get("source_authors", []),
        "date": gathered.get("source_dates", []),
    }
    split = {
        key: (_split(values[0]) if values and values[0] not in (None, "") else [])
        for key, values in columns.items()
    }
    count = max((len(v) for v in split.values()), default=0)
    sources = []
    for index in range(count):
        entry: dict[str, object] = {}
        for key in ("title", "publisher", "author", "url", "date"):
            items = split[key]
            if index < len(items) and items[index]:
                entry[key] = items[index]
        if "date" in entry:
            try:
                entry["date"] = toml_date(parse_partial(str(entry["date"])))
            except DateError:
                pass
        if entry:
            sources.append(entry)
    return sources


def unknown_columns(
    rows: Sequence[Row], mapping: Mapping[str, str], map_option: str = "a mapping"
) -> list[ImportProblem]:
    """Each column that maps to no field, once, at the first row that has it. `map_option`
    names the way to give a mapping in the message (the CLI names its option)."""
    seen: set[str] = set()
    problems = []
    for row in rows:
        for column in row.values:
            if column is None or column in seen:
                continue
            seen.add(column)
            if column_target(column, mapping) is None:
                problems.append(
                    ImportProblem(
                        0,
                        column,
                        "unknown column; map it with "
                        f"{map_option} '{column}=FIELD' or {map_option} '{column}=ignore'",
                    )
                )
    return problems


def per_column(
    problems: Sequence[ImportProblem], rows: Sequence[Row], mapping: Mapping[str, str]
) -> list[ImportProblem]:
    """One message for a field every row fails (no date column; a column of bad values; its
    distinct messages, at most three) instead of one per row; then the rows' problems."""
    numbers = {row.number for row in rows}
    failing: dict[str, list[str]] = {}
    for problem in problems:
        if problem.row:
            failing.setdefault(problem.field, []).append(problem.message)
    fed = {column_target(str(c), mapping) for row in rows for c in row.values if c is not None}
    whole: list[ImportProblem] = []
    for name in [n for n in failing if {p.row for p in problems if p.field == n} == numbers]:
        distinct = list(dict.fromkeys(failing[name]))
        if name == "date" and "date" not in fed:
            whole.append(ImportProblem(0, name, "no column gives the date; name one 'date' "
                                       "(any case) or map one to date"))  # fmt: skip
        elif len(numbers) > 1:
            more = f"; and {len(distinct) - 3} more" if len(distinct) > 3 else ""
            listed = "; ".join(distinct[:3]) + more
            whole.append(ImportProblem(0, name, f"refused in all {len(numbers)} rows: {listed}"))
    done = {p.field for p in whole}
    rows_left = sorted((p for p in problems if p.row and p.field not in done), key=lambda p: p.row)
    return [*(p for p in problems if not p.row), *whole, *rows_left]


def parse_mapping(pairs: Sequence[str], map_option: str = "mapping") -> dict[str, str]:
    """COLUMN=FIELD pairs as a mapping; ValueError (naming `map_option`) for a bad pair."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column or target not in TARGETS:
            raise ValueError(
                f"{map_option} {pair!r}: write COLUMN=FIELD, FIELD one of "
                + ", ".join(sorted(TARGETS))
            )
        mapping[column] = target
    return mapping


@dataclass
class ImportPlan:
    files: list[PlannedFile] = field(default_factory=list)
    skipped: list[tuple[int, Event, Event]] = field(default_factory=list)  # row, new, existing
    problems: list[ImportProblem] = field(default_factory=list)


def plan_import(
    rows: Sequence[Row],
    mapping: Mapping[str, str],
    root: Path,
    existing: Sequence[Event],
    settings: Settings,
    today: dt.date,
    show: object = str,
    map_option: str = "a mapping",
) -> ImportPlan:
    """Every row checked like `orbit check`, paths chosen, duplicates set aside; writes nothing."""

    plan = ImportPlan(problems=unknown_columns(rows, mapping, map_option))
    taken: set[Path] = set()
    known_ids = {e.id for e in existing}
    for row in rows:
        fields, row_problems = row_fields(row, mapping, today)
        plan.problems.extend(row_problems)
        if row_problems:
            continue
        date = parse_partial(str(fields["date"]))
        wanted = fields.get("id")
        if isinstance(wanted, str) and ID_RE.match(wanted) and wanted not in known_ids:
            path = root / "events" / f"{date.start.year:04d}" / f"{wanted}.toml"
            fields.pop("id")  # the file name carries it
        else:
            path = event_path(root, date, slugify(str(fields.get("title", ""))))
        base, number = path, 2
        while path.exists() or path in taken:
            path = base.with_name(f"{base.stem}-{number}{base.suffix}")
            number += 1
        try:
            text = to_toml(fields)
        except (TypeError, ValueError) as exc:
            plan.problems.append(ImportProblem(row.number, "value", str(exc)))
            continue
        event, checked = validate(show(path), text, path.stem, settings)  # type: ignore[operator]
        plan.problems.extend(
            ImportProblem(row.number, p.field or "event", p.message) for p in checked
        )
        if event is None:
            continue
        twin = near_duplicate(event, [*existing, *(f.event for f in plan.files)])
        if twin is not None:
            plan.skipped.append((row.number, event, twin))
            continue
        if event.id in known_ids:
            plan.problems.append(ImportProblem(row.number, "id", f"'{event.id}' is already used"))
            continue
        known_ids.add(event.id)
        taken.add(path)
        plan.files.append(PlannedFile(path, text, event))
    plan.problems = per_column(plan.problems, rows, mapping)
    return plan
