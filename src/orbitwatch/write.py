"""New event files: fields -> a stable TOML document (tomli-w), slugs, paths; import parsing.

Builds and validates text; the file system work goes through fsio.py. Never prints.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from orbitwatch.check import check_event
from orbitwatch.dates import DateError, parse_partial
from orbitwatch.errors import Problem
from orbitwatch.model import Event, PartialDate, Precision
from orbitwatch.settings import Settings

KEY_ORDER = (
    "id",
    "date",
    "end",
    "title",
    "summary",
    "countries",
    "actors",
    "tags",
    "status",
    "warn",
    "sources",
    "signal",
)
MAX_SLUG = 60
CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    # Kazakh, Kyrgyz, Tajik, Ukrainian, Belarusian letters
    "ә": "a", "ғ": "gh", "қ": "q", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
    "ї": "yi", "є": "ye", "ґ": "g", "ў": "u", "ҷ": "j", "ӣ": "i", "ӯ": "u", "ҳ": "h", "ҡ": "k",
}  # fmt: skip


def slugify(title: str) -> str:
    """ASCII, lower-case, words joined by '-', at most 60 characters; 'event' if nothing is left."""
    text = "".join(CYRILLIC.get(ch, ch) for ch in title.lower())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", text)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > MAX_SLUG:
            if not slug:
                slug = word[:MAX_SLUG]
            break
        slug = candidate
    return slug or "event"


def toml_date(date: PartialDate) -> object:
    return date.start if date.precision is Precision.DAY else date.iso()


def document(fields: Mapping[str, object]) -> dict[str, object]:
    """Fields in the stable key order, empties dropped."""
    ordered: dict[str, object] = {}
    for key in KEY_ORDER:
        value = fields.get(key)
        if value in (None, "", [], {}, ()):
            continue
        ordered[key] = value
    return ordered


def _has_cr(value: object) -> bool:
    if isinstance(value, str):
        return "\r" in value
    if isinstance(value, dict):
        return any(_has_cr(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_cr(v) for v in value)
    return False


def to_toml(fields: Mapping[str, object]) -> str:
    """Stable TOML. Multi-line strings read best, but TOML folds CR LF into LF inside them, so
    a document holding a carriage return is written with escaped single-line strings instead."""
    import tomli_w

    doc = document(fields)
    return tomli_w.dumps(doc, multiline_strings=not _has_cr(doc))


def event_path(root: Path, date: PartialDate, slug: str) -> Path:
    """events/YYYY/<date>-<slug>.toml, always under the timeline's events/ folder."""
    name = f"{date.iso()}-{slug}.toml"
    path = root / "events" / f"{date.start.year:04d}" / name
    assert path.resolve().is_relative_to((root / "events").resolve())
    return path


def free_path(path: Path) -> Path:
    """The path itself, or the first numbered sibling (-2, -3, ...) that does not exist."""
    if not path.exists():
        return path
    for number in range(2, 10_000):
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(path)


def validate(
    path_shown: str, text: str, default_id: str, settings: Settings
) -> tuple[Event | None, list[Problem]]:
    """The same checks as `orbit check`, on text not yet written."""
    import tomllib

    raw = tomllib.loads(text)
    return check_event(path_shown, text, raw, default_id, settings.tags)


def near_duplicate(event: Event, existing: Iterable[Event]) -> Event | None:
    """An existing event on the same date with a near-identical title (ratio >= 0.9)."""
    title = event.title.casefold()
    for other in existing:
        if (
            other.date == event.date
            and difflib.SequenceMatcher(None, title, other.title.casefold()).ratio() >= 0.9
        ):
            return other
    return None


# -- import ---------------------------------------------------------------------------------

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
OWN_MAP = {
    name: name
    for name in (
        "id",
        "date",
        "end",
        "title",
        "summary",
        "countries",
        "actors",
        "tags",
        "status",
        "warn",
        "source_titles",
        "source_publishers",
        "source_urls",
        "source_authors",
        "source_dates",
        "signal_stance",
        "signal_weight",
        "signal_note",
    )
}
IGNORED = {"stance", "weight", "rules", "path", "precision", "reading", "schema_version"}
TARGETS = set(OWN_MAP) | {"publisher", "source_title", "source_url", "ignore"}


@dataclass
class Row:
    number: int
    values: dict[str, object] = field(default_factory=dict)


@dataclass
class ImportProblem:
    row: int
    field: str
    message: str


def read_rows(data: str, fmt: str) -> list[Row]:
    """Rows of an import file as column -> value; CSV row numbers count the header as row 1."""
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(data, newline=""))
        return [Row(index + 2, dict(row)) for index, row in enumerate(reader)]
    if fmt == "jsonl":
        rows = []
        for index, line in enumerate(data.splitlines(), start=1):
            if line.strip():
                value = json.loads(line)
                rows.append(Row(index, value if isinstance(value, dict) else {"_": value}))
        return rows
    document_value = json.loads(data)
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
    from orbitwatch.countries import lookup

    problems: list[ImportProblem] = []
    gathered: dict[str, list[object]] = {}
    for column, value in row.values.items():
        target = mapping.get(column) or OWN_MAP.get(column) or ACLED_MAP.get(column)
        if column in ("sources", "signal") and target is None:
            target = column
        if column is None:
            problems.append(ImportProblem(row.number, "row", "more cells than the header row"))
            continue
        if target is None:
            continue  # reported once for the whole file by unknown_columns()
        if target == "ignore":
            continue
        gathered.setdefault(target, []).append(_unformula(value))
    fields: dict[str, object] = {}

    def first(name: str) -> object:
        values = [v for v in gathered.get(name, []) if v not in (None, "")]
        return values[0] if values else None

    raw_date = first("date")
    date: PartialDate | None = None
    if raw_date is None:
        problems.append(ImportProblem(row.number, "date", "missing"))
    else:
        try:
            date = parse_partial(str(raw_date))
            fields["date"] = toml_date(date)
        except DateError as exc:
            problems.append(ImportProblem(row.number, "date", str(exc)))
    if first("end") is not None:
        try:
            fields["end"] = toml_date(parse_partial(str(first("end"))))
        except DateError as exc:
            problems.append(ImportProblem(row.number, "end", str(exc)))
    summary = first("summary")
    title = first("title")
    if title is None and summary:
        sentence = re.split(r"(?<=[.!?])\s", str(summary).strip(), maxsplit=1)[0]
        title = sentence if len(sentence) <= 140 else sentence[:139] + "…"
    fields["title"] = "" if title is None else str(title)
    fields["summary"] = "" if summary is None else str(summary)
    codes: list[str] = []
    for value in gathered.get("countries", []):
        for name in _split(value):
            code = lookup(name) if name else None
            if code is None:
                problems.append(ImportProblem(row.number, "countries", f"unknown country {name!r}"))
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
    return fields, problems


def _sources(gathered: Mapping[str, list[object]], first: object) -> list[dict[str, object]]:
    given = [v for v in gathered.get("sources", []) if isinstance(v, list)]
    if given:
        sources = []
        for item in given[0]:
            if isinstance(item, dict):
                entry = {k: v for k, v in item.items() if v not in (None, "")}
                if "date" in entry:
                    try:
                        entry["date"] = toml_date(parse_partial(str(entry["date"])))
                    except DateError:
                        pass
                sources.append(entry)
        return sources
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


def unknown_columns(rows: Sequence[Row], mapping: Mapping[str, str]) -> list[ImportProblem]:
    """Each column that maps to no field, once, at the first row that has it."""
    seen: set[str] = set()
    problems = []
    for row in rows:
        for column in row.values:
            if column is None or column in seen:
                continue
            seen.add(column)
            known = (
                mapping.get(column)
                or OWN_MAP.get(column)
                or ACLED_MAP.get(column)
                or column in ("sources", "signal", "_")
                or column in IGNORED
            )
            if not known:
                problems.append(
                    ImportProblem(
                        row.number,
                        column,
                        "unknown column; map it with "
                        f"--map '{column}=FIELD' or --map '{column}=ignore'",
                    )
                )
    return problems


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column or target not in TARGETS:
            raise ValueError(
                f"--map {pair!r}: write COLUMN=FIELD, FIELD one of " + ", ".join(sorted(TARGETS))
            )
        mapping[column] = target
    return mapping
