"""New event files: fields -> a stable TOML document (tomli-w), slugs, paths (import: importing.py).

Builds and validates text; the file system work goes through fsio.py. Never prints.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

# The import half lives in importing.py; these names stay importable from here for callers.
from orbitwatch.model.acts import ACT_NAMES, act_kind, valid_acts
from orbitwatch.model.countries import lookup, suggest
from orbitwatch.model.dates import DateError, parse_partial
from orbitwatch.model.errors import Problem, UsageError, did_you_mean
from orbitwatch.model.event import Event, PartialDate, Precision
from orbitwatch.model.schema import EVENT_KEYS
from orbitwatch.text.words import plural
from orbitwatch.timeline.check import ID_RE, check_event

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings

KEY_ORDER = EVENT_KEYS  # the schema's order: scalars first, then the tables
MAX_SLUG = 60


def transliterate(text: str) -> str:
    """ASCII for any script (anyascii); each CJK ideograph is a syllable of its own, so Chinese
    titles become words ('zhong-guo'), not one run of letters."""
    from anyascii import anyascii

    return "".join(
        f" {anyascii(ch)} " if unicodedata.name(ch, "").startswith("CJK") else anyascii(ch)
        for ch in text
    )


def slugify(title: str) -> str:
    """ASCII, lower-case, words joined by '-', at most 60 characters; 'event' if nothing is left."""
    # an apostrophe joins its word ("Russia's" is 'russias', never 'russia-s')
    words = re.findall(r"[a-z0-9]+", re.sub(r"['’ʼ`]", "", transliterate(title).lower()))
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


TABLE_ORDER = ("acts", "sources", "signal")  # as the example files: acts, then sources


def to_toml(fields: Mapping[str, object]) -> str:
    """Stable TOML in the example files' style: keys first, lists on one line, then each
    [[acts]] and [[sources]] table, then [signal]. Multi-line strings read best, but TOML folds
    CR LF into LF inside them, so a document holding a carriage return is written with escaped
    single-line strings instead."""
    doc = document(fields)
    multiline = not _has_cr(doc)
    lines: list[str] = []
    tables: dict[str, list[tuple[str, Mapping[str, object]]]] = {}
    for key, value in doc.items():
        if isinstance(value, dict):
            tables[key] = [(f"[{key}]", value)]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables[key] = [(f"[[{key}]]", item) for item in value]
        elif key == "summary" and multiline and isinstance(value, str) and "\n" not in value:
            lines.append(f"{key} = {_folded(value)}")
        else:
            lines.append(f"{key} = {_toml_value(value, multiline)}")
    for key in sorted(tables, key=lambda k: (TABLE_ORDER + (k,)).index(k)):
        for header, table in tables[key]:
            lines += ["", header]
            for name, value in table.items():
                if isinstance(value, dict):  # [signal.XX] below [signal]
                    lines += ["", f"{header[:-1]}.{name}]"]
                    lines += [f"{k} = {_toml_value(v, multiline)}" for k, v in value.items()]
                else:
                    lines.append(f"{name} = {_toml_value(value, multiline)}")
    return "\n".join(lines) + "\n"


def _folded(text: str, width: int = 96) -> str:
    """A long one-line string as the example files write a summary: a multi-line string whose
    lines end in a backslash (TOML joins them again), broken at spaces."""
    quoted = _toml_value(text, False)[1:-1]  # tomli-w's escapes, without the quotes
    if len(quoted) <= width - 10:
        return f'"{quoted}"'
    lines, current = [], ""
    for word in quoted.split(" "):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current + " \\")
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    folded = '"""' + "\n".join(lines) + '"""'
    import tomllib

    # runs of spaces at a break would be lost: then the plain one-line form
    return folded if tomllib.loads(f"x = {folded}")["x"] == text else f'"{quoted}"'


def _toml_value(value: object, multiline: bool) -> str:
    """One value as TOML (tomli-w's quoting and dates); a list inline, on one line."""
    import tomli_w

    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item, False) for item in value) + "]"
    written = tomli_w.dumps({"x": value}, multiline_strings=multiline)
    return written.removeprefix("x = ").removesuffix("\n")


def event_path(root: Path, date: PartialDate, slug: str) -> Path:
    """events/YYYY/<date>-<slug>.toml, always under the timeline's events/ folder."""
    name = f"{date.iso()}-{slug}.toml"
    # the write seam (fsio) checks that it stays inside: a planted link is refused there
    return root / "events" / f"{date.start.year:04d}" / name


def chosen_path(root: Path, date: PartialDate, event_id: str, existing: Sequence[Event]) -> Path:
    """events/YYYY/<id>.toml for an id the analyst chose: checked like every id, and new."""
    if not ID_RE.match(event_id):
        raise UsageError(
            f"id {event_id!r}: an id is letters, digits, '.', '_' or '-' (at most 200), "
            "starting with a letter or digit"
        )
    for event in existing:
        if event.id == event_id:
            raise UsageError(f"id {event_id!r} is already in the timeline ({event.path})")
    path = root / "events" / f"{date.start.year:04d}" / f"{event_id}.toml"
    if path.exists():
        raise UsageError(f"id {event_id!r}: {path.name} already exists")
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
    return check_event(
        path_shown,
        text,
        raw,
        default_id,
        settings.tags,
        blocs=settings.blocs or (),
        declared=settings.countries,
    )


def near_duplicate(event: Event, existing: Iterable[Event]) -> Event | None:
    """An existing event on the same date with a near-identical title (ratio >= 0.9) that does
    not say the opposite ('quits' and 'joins' differ by a few letters and mean two events)."""
    title = event.title.casefold()
    for other in existing:
        if (
            other.date == event.date
            and difflib.SequenceMatcher(None, title, other.title.casefold()).ratio() >= 0.9
            and not opposite_titles(title, other.title.casefold())
        ):
            return other
    return None


# Verbs that say opposite things of one subject, as (one side, the other side); a title that
# differs from another by a verb of each side (or by a negation) reports another event.
OPPOSITE_VERBS = (
    ("join enter", "quit leave exit withdraw"),
    ("accept approve ratify endorse", "reject veto decline refuse"),
    ("open reopen", "close shut"),
    ("lift", "impose"),
    ("raise increase expand extend boost", "lower reduce cut curb decrease shrink"),
    ("allow permit", "ban block bar forbid"),
    ("confirm admit", "deny"),
    ("support back", "oppose"),
    ("start begin launch resume restore", "end stop halt suspend sever"),
    ("win", "lose"),
    ("grant", "revoke"),
    ("agree", "refuse"),
    ("arrive", "depart"),
    ("deploy", "withdraw"),
    ("rise", "fall"),
    ("sign", "annul"),
)
NEGATIONS = frozenset("not no never without cannot won't don't doesn't didn't isn't".split())
_IRREGULAR = {"left": "leave", "withdrew": "withdraw", "withdrawn": "withdraw", "won": "win",
              "lost": "lose", "began": "begin", "begun": "begin", "rose": "rise", "risen": "rise",
              "fell": "fall", "fallen": "fall", "shut": "shut", "cut": "cut", "quit": "quit",
              "backed": "back"}  # fmt: skip
_SIDE = {
    verb: (number, side)
    for number, pair in enumerate(OPPOSITE_VERBS)
    for side, verbs in enumerate(pair)
    for verb in verbs.split()
}


def _verb(word: str) -> str:
    """The base form of a known verb ('quits', 'quitting', 'closed' -> quit, quit, close)."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    candidates = [word]
    for suffix, bases in _SUFFIXES:
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            candidates += [stem + ending for ending in bases] + [stem[:-1]] * (suffix != "s")
    return next((base for base in candidates if base in _SIDE), "")


# -s, -es, -ies; -ed, -d (closed), -ied; -ing, -ing for a dropped e; a doubled consonant
# (banned, quitting) is the stem less its last letter
_SUFFIXES = (("ies", ("y",)), ("ied", ("y",)), ("es", ("",)), ("s", ("",)), ("ed", ("", "e")),
             ("ing", ("", "e")))  # fmt: skip


def opposite_titles(first: str, second: str) -> bool:
    """Whether two similar titles differ by a negation or by verbs of opposite sides."""
    one, two = (set(re.findall(r"\w+(?:'\w+)?", t)) for t in (first, second))
    only_one, only_two = one - two, two - one
    if (only_one | only_two) & NEGATIONS:
        return True
    sides_one = {_SIDE[v] for v in map(_verb, only_one) if v}
    sides_two = {_SIDE[v] for v in map(_verb, only_two) if v}
    return any((n, 1 - side) in sides_two for n, side in sides_one)


@dataclass
class PlannedFile:
    path: Path
    text: str
    event: Event


@dataclass(frozen=True)
class NewEvent:
    """What `orbit add` was given, before any checking."""

    date: str
    title: str
    end: str | None = None
    summary: str = ""
    countries: Sequence[str] = ()
    actors: Sequence[str] = ()
    tags: Sequence[str] = ()
    status: str = "occurred"
    source_url: str | None = None
    source_title: str | None = None
    publisher: str | None = None
    stance: str | None = None
    weight: int | None = None
    acts: Sequence[str] = ()  # "AM reduce CSTO": by, act, to; '+' joins several parties
    act_notes: Sequence[str] = ()  # the note of each act, in order
    author: str | None = None  # the source's author
    source_date: str | None = None  # the source's date, any precision
    event_id: str | None = None  # the id (and file name) chosen instead of <date>-<slug>


def act_fields(text: str, settings: Settings) -> tuple[dict[str, object], list[str]]:
    """One `--act "BY ACT TO"` as an [[acts]] table, and the country codes it names."""

    words = text.split()
    if len(words) != 3:
        raise UsageError(
            f"act {text!r}: write BY ACT TO, e.g. 'AM reduce CSTO' ('+' joins parties: KZ+KG)"
        )
    if act_kind(words[1]) is None:
        raise UsageError(
            f"act {text!r}: unknown act '{words[1]}'{did_you_mean(words[1].lower(), ACT_NAMES)}",
            hint=f"The acts (orbit acts): {valid_acts()}; or a CAMEO code such as '163'.",
        )
    blocs = settings.blocs or {}
    countries: list[str] = []

    def parties(side: str) -> object:
        found: list[str] = []
        for name in side.split("+"):
            if name in blocs:
                found.append(name)
                continue
            code = lookup(name, settings.countries)
            if code is None:
                raise UsageError(
                    f"act {text!r}: '{name}' is neither a country nor a bloc declared in orbit.toml"
                )
            found.append(code)
            countries.append(code)
        return found[0] if len(found) == 1 else found

    by, to = parties(words[0]), parties(words[2])
    return {"by": by, "act": words[1], "to": to}, countries


def new_acts(new: NewEvent, settings: Settings) -> tuple[list[dict[str, object]], list[str]]:
    """The [[acts]] tables, each with its note, and the country codes they name."""
    if len(new.act_notes) > len(new.acts):
        raise UsageError(
            f"{plural(len(new.act_notes), 'act note')} for {plural(len(new.acts), 'act')}: "
            "each note belongs to the act written in the same place"
        )
    acts, codes = [], []
    for index, text in enumerate(new.acts):
        act, named = act_fields(text, settings)
        if index < len(new.act_notes) and new.act_notes[index]:
            act["note"] = new.act_notes[index]
        acts.append(act)
        codes.extend(named)
    return acts, codes


def new_source(new: NewEvent) -> dict[str, object]:
    """The one [[sources]] table, in the example files' key order (empty: none)."""
    try:
        source_date = parse_partial(new.source_date) if new.source_date else None
    except DateError as exc:
        raise UsageError(f"source date: {exc}") from None
    return {
        key: value
        for key, value in (
            ("title", new.source_title),
            ("publisher", new.publisher),
            ("author", new.author),
            ("url", new.source_url),
            ("date", toml_date(source_date) if source_date else None),
        )
        if value
    }


def plan_add(
    new: NewEvent, root: Path, existing: Sequence[Event], settings: Settings, show: object = str
) -> tuple[PlannedFile | None, list[Problem]]:
    """The file `orbit add` would write, checked like `orbit check`, or why it cannot be.

    Raises UsageError for input that never reaches a file (dates, countries, duplicates).
    """

    # Messages name the event's fields, never a command's options: the CLI may reword them.
    if (new.stance is None) != (new.weight is None):
        raise UsageError("a signal needs both a stance and a weight (or neither)")
    try:
        date = parse_partial(new.date)
    except DateError as exc:
        raise UsageError(f"date: {exc}") from None
    try:
        end = parse_partial(new.end) if new.end else None
    except DateError as exc:
        raise UsageError(f"end: {exc}") from None
    codes = []
    for name in new.countries:
        code = lookup(name, settings.countries)
        if code is None:
            raise UsageError(
                f"country {name!r}: unknown country{suggest(name, settings.countries)}; use an "
                "ISO code, a name, or a code declared under [countries] in orbit.toml"
            )
        codes.append(code)
    acts, named = new_acts(new, settings)
    codes.extend(named)  # every country an act names is one the event involves
    fields: dict[str, object] = {
        "date": toml_date(date), "end": toml_date(end) if end else None, "title": new.title,
        "summary": new.summary, "countries": list(dict.fromkeys(codes)),
        "actors": list(new.actors), "tags": list(new.tags), "status": new.status,
    }  # fmt: skip
    if acts:
        fields["acts"] = acts
    source = new_source(new)
    if source:
        fields["sources"] = [source]
    if new.stance is not None:
        fields["signal"] = {"stance": new.stance, "weight": new.weight}
    try:
        text = to_toml(fields)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"cannot write this event: {exc}") from None
    if new.event_id is not None:
        path = chosen_path(root, date, new.event_id, existing)
    else:
        path = free_path(event_path(root, date, slugify(new.title)))
    event, problems = validate(show(path), text, path.stem, settings)  # type: ignore[operator]
    if problems or event is None:
        return None, problems
    twin = near_duplicate(event, existing)
    if twin is not None:
        raise UsageError(
            f"not written: a duplicate of {twin.id} ({twin.path}): same date, near-identical title"
        )
    return PlannedFile(path, text, event), []
