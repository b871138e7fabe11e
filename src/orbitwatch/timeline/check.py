"""Validation of event files: raw TOML tables -> Event values plus located Problems.

Small functions, each checking one thing; nothing here reads files or prints.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field

from orbitwatch.model import countries
from orbitwatch.model import countries as iso
from orbitwatch.model.acts import ACT_NAMES, act_kind, valid_acts
from orbitwatch.model.dates import DAYS_RANGE, DateError, in_range, parse_iso
from orbitwatch.model.errors import Problem, did_you_mean
from orbitwatch.model.event import Act, Event, PartialDate, SignalOverride, Source

# The known keys come from the one event schema; these names stay importable from here.
from orbitwatch.model.schema import (
    ACT_KEYS,
    EVENT_KEYS,
    SIGNAL_KEYS,
    SOURCE_KEYS,
    STANCES,
    STATUSES,
    is_stance,
    is_status,
)
from orbitwatch.text.chars import not_plain
from orbitwatch.text.tomlpos import (
    bad_character,
    find_key_line,
    first_content_line,
    refused_anywhere,
)

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
URL_RE = re.compile(r"^https?://[^\s/]+", re.IGNORECASE)
MAX_TEXT = 100_000


@dataclass
class EventChecker:
    """Turns one parsed event table into an Event, collecting every problem on the way."""

    path: str
    text: str
    raw: Mapping[str, object]
    tags_vocabulary: Mapping[str, str] | None = None
    problems: list[Problem] = field(default_factory=list)
    event_path: str = ""  # the path an Event records (relative to the root); default: path
    blocs: Collection[str] = ()  # the bloc names orbit.toml declares, for acts
    declared: Mapping[str, str] = field(default_factory=dict)  # orbit.toml's [countries]
    clean: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        # A parsed string holds only the file's own characters unless an escape (a backslash)
        # makes others: a file with neither refused characters nor backslashes needs no scan
        # per value, only the newline test of single-line fields.
        self.clean = "\\" not in self.text and not refused_anywhere(self.text)

    def bad(self, value: str, single_line: bool) -> str:
        """bad_character, skipped where the whole file's text was clean."""
        if self.clean and not (single_line and "\n" in value):
            return ""
        return bad_character(value, allow_newlines=not single_line)

    def problem(self, key: str, message: str, table: str | None = None, index: int = 0) -> None:
        line, col = find_key_line(self.text, key, table, index)
        name = f"{table}.{key}" if table and key else (table or key)
        self.problems.append(Problem(self.path, line, col, message, field=name))

    def run(self, default_id: str) -> Event | None:
        raw = self.raw
        for key in raw:
            if key not in EVENT_KEYS:
                self.problem(key, f"unknown key '{key}'{did_you_mean(key, EVENT_KEYS)}")
        for key in ("date", "title"):
            if key not in raw:
                self.problems.append(
                    Problem(self.path, 1, 1, f"missing required key '{key}'", field=key)
                )
        date = self.partial_date("date", raw.get("date"))
        end = self.partial_date("end", raw.get("end")) if "end" in raw else None
        if date is not None and end is not None and end.first_day < date.first_day:
            self.problem("end", f"'end' ({end.iso()}) is before 'date' ({date.iso()})")
        before = len(self.problems)
        title = self.text_value("title", raw.get("title", ""), single_line=True)
        if "title" in raw and len(self.problems) == before and not title.strip():
            self.problem("title", "'title' is empty")
        summary = self.text_value("summary", raw.get("summary", ""), single_line=False)
        countries = self.countries(raw.get("countries", []))
        actors = self.string_list("actors", raw.get("actors", []))
        tags = self.tags(raw.get("tags", []))
        status = raw.get("status", "occurred")
        if not isinstance(status, str) or status not in STATUSES:
            shown = status if isinstance(status, str) else repr(status)
            hint = did_you_mean(str(status), STATUSES)
            self.problem(
                "status", f"'status' is '{shown}'{hint}; use one of " + ", ".join(STATUSES)
            )
        sources = self.sources(raw.get("sources", []))
        signal, country_signals = self.signal(raw.get("signal"), countries)
        acts = self.acts(raw.get("acts", []), countries) if "acts" in raw else ()
        warn = self.warn(raw.get("warn")) if "warn" in raw else None
        event_id = default_id
        if "id" not in raw and (odd := not_plain(default_id)):
            message = f"the file name holds {odd} and cannot be an id; rename the file "
            message += "(letters, digits, '.', '_', '-') or pin an id: id = \"...\""
            self.problems.append(Problem(self.path, 1, 1, message, field="id"))
        if "id" in raw:
            pinned = raw["id"]
            if not isinstance(pinned, str) or not ID_RE.match(pinned):
                self.problem(
                    "id",
                    "'id' must be letters, digits, '.', '_' or '-' (at most 200), "
                    "starting with a letter or digit",
                )
            else:
                event_id = pinned
        if self.problems or date is None or not is_status(status):
            return None
        return Event(
            id=event_id,
            path=self.event_path or self.path,
            line=first_content_line(self.text),
            date=date,
            end=end,
            title=title.strip(),
            summary=summary.strip(),
            countries=countries,
            actors=actors,
            tags=tags,
            status=status,
            sources=sources,
            signal=signal,
            warn=warn,
            pinned_id="id" in raw,
            acts=acts,
            country_signals=country_signals,
        )

    # -- one check a field -------------------------------------------------------------------

    def partial_date(
        self, key: str, value: object, table: str | None = None, index: int = 0
    ) -> PartialDate | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            self.problem(
                key,
                f"'{key}' is a date-time; give a date: {value.date().isoformat()}",
                table,
                index,
            )
            return None
        if isinstance(value, dt.date):
            parsed = PartialDate.day(value.year, value.month, value.day)
        elif isinstance(value, str):
            try:
                found = parse_iso(value.strip())
            except DateError as exc:
                self.problem(key, f"'{key}': {exc}", table, index)
                return None
            if found is None:
                shape = 'use a TOML date (2022-05-16) or "2022-05" / "2022"'
                self.problem(key, f"'{key}' is '{value}'; {shape}", table, index)
                return None
            parsed = found
        else:
            self.problem(key, f"'{key}' must be a date, not {_type_name(value)}", table, index)
            return None
        if not in_range(parsed.first_day, parsed.last_day):
            self.problem(key, f"'{key}' {parsed.iso()} is outside {DAYS_RANGE}", table, index)
            return None
        return parsed

    def text_value(
        self, key: str, value: object, single_line: bool, table: str | None = None, index: int = 0
    ) -> str:
        if not isinstance(value, str):
            self.problem(key, f"'{key}' must be a string, not {_type_name(value)}", table, index)
            return ""
        bad = self.bad(value, single_line)
        if bad:
            self.problem(key, f"'{key}' contains {bad}", table, index)
            return ""
        if len(value) > MAX_TEXT:
            self.problem(key, f"'{key}' is longer than {MAX_TEXT} characters", table, index)
            return ""
        return value

    def string_list(self, key: str, value: object) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(key, f"'{key}' must be a list of strings")
            return ()
        items: list[str] = []
        for item in value:
            bad = self.bad(item, single_line=True)
            if bad:
                self.problem(key, f"'{key}' item {item!r} contains {bad}")
            elif not item.strip():
                self.problem(key, f"'{key}' has an empty item")
            else:
                items.append(item.strip())
        return tuple(items)

    def countries(self, value: object) -> tuple[str, ...]:

        codes = self.string_list("countries", value)
        good: list[str] = []
        for code in codes:
            if countries.is_code(code, self.declared):
                good.append(code)
                continue
            resolved = countries.lookup(code, self.declared)
            if resolved is not None:
                self.problem(
                    "countries",
                    f"country '{code}' must be written as its ISO 3166-1 alpha-2 code '{resolved}'",
                )
            elif countries.is_user_assigned(code):
                self.problem(
                    "countries",
                    f"country code '{code}' is user-assigned; declare it under [countries] in "
                    f'orbit.toml ({code} = "Name")',
                )
            else:
                self.problem("countries", f"unknown country code '{code}' (not ISO 3166-1 alpha-2)")
        return tuple(dict.fromkeys(good))

    def tags(self, value: object) -> tuple[str, ...]:
        tags = self.string_list("tags", value)
        if self.tags_vocabulary is not None:
            for tag in tags:
                if tag not in self.tags_vocabulary:
                    hint = did_you_mean(tag, self.tags_vocabulary)
                    self.problem(
                        "tags", f"unknown tag '{tag}'{hint}; declare it under [tags] in orbit.toml"
                    )
        return tuple(dict.fromkeys(tags))

    def sources(self, value: object) -> tuple[Source, ...]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem("sources", "'sources' must be [[sources]] tables")
            return ()
        result: list[Source] = []
        for index, table in enumerate(value):
            for key in table:
                if key not in SOURCE_KEYS:
                    self.problem(
                        key,
                        f"unknown key '{key}' in [[sources]]{did_you_mean(key, SOURCE_KEYS)}",
                        "sources",
                        index,
                    )
            texts = {
                key: self.text_value(key, table.get(key, ""), True, "sources", index)
                for key in ("title", "publisher", "url", "author")
            }
            url = texts["url"]
            if url and not URL_RE.match(url):
                self.problem(
                    "url",
                    f"source url '{url}' must start with http:// or https://",
                    "sources",
                    index,
                )
            if not (texts["title"] or texts["url"] or texts["publisher"]):
                self.problem(
                    "", "a [[sources]] entry needs a title, publisher or url", "sources", index
                )
            date = self.partial_date("date", table.get("date"), "sources", index)
            result.append(Source(texts["title"], texts["publisher"], url, texts["author"], date))
        return tuple(result)

    def signal(
        self, value: object, countries: tuple[str, ...]
    ) -> tuple[SignalOverride | None, tuple[SignalOverride, ...]]:
        """[signal] (every listed country) and [signal.XX] tables (one country each)."""
        if value is None:
            return None, ()
        if not isinstance(value, dict):
            self.problem("signal", "'signal' must be a table: [signal]")
            return None, ()

        shared = {k: v for k, v in value.items() if not isinstance(v, dict)}
        own: list[SignalOverride] = []
        for code, table in value.items():
            if not isinstance(table, dict):
                continue
            where = f"signal.{code}"
            if not iso.is_code(code, self.declared):
                resolved = iso.lookup(code, self.declared)
                hint = f"; write [signal.{resolved}]" if resolved else ""
                self.problem("", f"[signal.{code}]: unknown country code '{code}'{hint}", where)
                continue
            if code not in countries:
                self.problem(
                    "", f"[signal.{code}]: '{code}' is not in 'countries'; add it there", where
                )
                continue
            reading = self.signal_table(table, where, code)
            if reading is not None:
                own.append(reading)
        default = self.signal_table(shared, "signal", "") if shared else None
        return default, tuple(own)

    def signal_table(
        self, value: Mapping[str, object], where: str, country: str
    ) -> SignalOverride | None:
        for key in value:
            if key not in SIGNAL_KEYS:
                hint = did_you_mean(key, SIGNAL_KEYS)
                if country == "" and len(key) == 2 and key.isupper():
                    hint = f" (for one country's reading write [signal.{key}])"
                self.problem(key, f"unknown key '{key}' in [{where}]{hint}", where)
        stance = value.get("stance")
        weight = value.get("weight", 1)
        ok = True
        if stance not in STANCES:
            self.problem(
                "stance", f"[{where}] stance is {stance!r}; use away, toward or neutral", where
            )
            ok = False
        if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 5:
            self.problem(
                "weight", f"[{where}] weight is {weight!r}; use a whole number 1 to 5", where
            )
            ok = False
        note = self.text_value("note", value.get("note", ""), False, where)
        if not ok or not isinstance(weight, int) or not is_stance(stance):
            return None
        return SignalOverride(stance, weight, note, country)

    def acts(self, value: object, countries: tuple[str, ...]) -> tuple[Act, ...]:

        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem("acts", "'acts' must be [[acts]] tables")
            return ()
        result: list[Act] = []
        for index, table in enumerate(value):
            before = len(self.problems)
            for key in table:
                if key not in ACT_KEYS:
                    self.problem(
                        key,
                        f"unknown key '{key}' in [[acts]]{did_you_mean(key, ACT_KEYS)}",
                        "acts",
                        index,
                    )
            missing = [key for key in ("by", "act", "to") if key not in table]
            for key in missing:
                self.problem("", f"[[acts]] number {index + 1} needs '{key}'", "acts", index)
            if missing:
                continue
            by = self.parties("by", table["by"], index, countries)
            to = self.parties("to", table["to"], index, countries)
            act_text = table["act"]
            kind = act_kind(act_text) if isinstance(act_text, str) else None
            if kind is None:
                shown = act_text if isinstance(act_text, str) else repr(act_text)
                self.problem(
                    "act",
                    f"unknown act '{shown}'{did_you_mean(str(shown).lower(), ACT_NAMES)}; use a "
                    "CAMEO root category or a CAMEO code such as '163'; the acts (orbit acts): "
                    + valid_acts(),
                    "acts",
                    index,
                )
            both = sorted(set(by) & set(to))
            if both:
                self.problem(
                    "to",
                    f"[[acts]] number {index + 1}: {', '.join(both)} acts toward itself; an act "
                    "needs two different parties",
                    "acts",
                    index,
                )
            note = self.text_value("note", table.get("note", ""), True, "acts", index)
            if len(self.problems) == before and kind is not None:
                result.append(Act(by, kind[0].name, to, kind[1], note.strip()))
        return tuple(result)

    def parties(
        self, key: str, value: object, index: int, countries: tuple[str, ...]
    ) -> tuple[str, ...]:
        """`by` or `to` of an act: a code or a list of codes; each a country or a bloc."""

        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(v, str) for v in items):
            self.problem(
                key, f"'{key}' must be a country code or bloc, or a list of them", "acts", index
            )
            return ()
        found: list[str] = []
        for item in items:
            code = item.strip()
            if code in self.blocs:
                found.append(code)
            elif iso.is_code(code, self.declared):
                if code not in countries:
                    self.problem(
                        key,
                        f"[[acts]] '{key}' names '{code}', which is not in 'countries'; add it "
                        "there",
                        "acts",
                        index,
                    )
                found.append(code)
            elif (resolved := iso.lookup(code, self.declared)) is not None:
                self.problem(
                    key,
                    f"[[acts]] '{key}': write the country '{code}' as its ISO 3166-1 alpha-2 "
                    f"code '{resolved}'",
                    "acts",
                    index,
                )
            else:
                hint = did_you_mean(code, tuple(self.blocs))
                declared = "; declare blocs under [blocs] in orbit.toml" if not hint else ""
                if iso.is_user_assigned(code):
                    declared = "; declare user-assigned codes under [countries] in orbit.toml"
                self.problem(
                    key,
                    f"[[acts]] '{key}': '{code}' is neither a country code nor a declared "
                    f"bloc{hint}{declared}",
                    "acts",
                    index,
                )
        return tuple(dict.fromkeys(found))

    def warn(self, value: object) -> tuple[int, ...] | None:
        if (
            not isinstance(value, list)
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            or not all(0 < v < 3660 for v in value)
        ):
            self.problem("warn", "'warn' must be a list of days before the event, e.g. [14, 7, 1]")
            return None
        return tuple(sorted(set(value), reverse=True))


def _type_name(value: object) -> str:
    return {
        str: "a string", int: "an integer", float: "a number", bool: "a boolean",
        list: "a list", dict: "a table", dt.date: "a date", dt.datetime: "a date-time",
        dt.time: "a time",
    }.get(type(value), type(value).__name__)  # fmt: skip


def check_event(
    path: str,
    text: str,
    raw: Mapping[str, object],
    default_id: str,
    tags_vocabulary: Mapping[str, str] | None = None,
    event_path: str = "",
    blocs: Collection[str] = (),
    declared: Mapping[str, str] | None = None,
) -> tuple[Event | None, list[Problem]]:
    checker = EventChecker(
        path,
        text,
        raw,
        tags_vocabulary,
        event_path=event_path,
        blocs=blocs,
        declared=declared or {},
    )
    event = checker.run(default_id)
    return event, checker.problems


def check_duplicates(
    events: Iterable[Event], show: Callable[[str], str] = str
) -> tuple[list[Event], list[Problem]]:
    """Keep the first event of each id (in path order); a problem for each later one."""
    first_by_id: dict[str, Event] = {}
    kept: list[Event] = []
    problems: list[Problem] = []
    for event in sorted(events, key=lambda e: e.path):
        other = first_by_id.get(event.id)
        if other is not None:
            problems.append(duplicate_problem(show, event.path, event.id, other.path))
            continue
        first_by_id[event.id] = event
        kept.append(event)
    return kept, problems


def duplicate_problem(show: Callable[[str], str], path: str, event_id: str, first: str) -> Problem:
    return Problem(
        show(path), 1, 1, f"duplicate id '{event_id}': also used by {show(first)}", field="id"
    )
