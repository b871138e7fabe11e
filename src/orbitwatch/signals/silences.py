"""silences.toml: silences and acknowledgements of alerts, versioned with the timeline.

Parses and validates the file into Silence values plus located Problems, edits its text (new
tables appended, `until` set in place, comments kept), and decides which alerts of a digest are
silenced or inhibited. No files are written here (the app layer writes through fsio).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from orbitwatch.model.errors import OrbitError, Problem, UsageError, did_you_mean
from orbitwatch.query.alerts import AlertMatcher, parse_matcher
from orbitwatch.signals.inhibit import inhibited
from orbitwatch.text.tomlpos import KeyLines, bad_character, parse_toml

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings
    from orbitwatch.model.alert import Alert
    from orbitwatch.model.event import Event

    pass

TABLE = "silence"
# An acknowledgement takes some 125 bytes: an event file's 1 MiB cap would stop a team's acks
# at about 8,000 (every edit refused, every ack ignored); 8 MiB holds some 65,000.
MAX_SILENCES_BYTES = 8 * 1024 * 1024
SILENCE_KEYS = ("id", "matcher", "until", "reason", "by", "created")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
HEADER_RE = re.compile(r"^\s*\[\[\s*silence\s*\]\]\s*(#.*)?$")
UNTIL_RE = re.compile(r"^\s*until\s*=")
FILE_HEAD = (
    "# Silences and acknowledgements of orbit alerts; review them like any change.\n"
    "# A silence stops matching alerts from being delivered until its `until` day; an\n"
    "# acknowledgement is a silence of one fingerprint without `until`. See docs/cron.md.\n"
)


@dataclass(frozen=True, slots=True)
class Silence:
    id: str
    matcher: AlertMatcher
    until: dt.date | None  # the day it ends (inactive from that day on); None: no expiry (ack)
    reason: str
    by: str
    created: dt.date | None = None
    line: int = 1

    @property
    def is_ack(self) -> bool:
        return self.until is None and self.matcher.fingerprint is not None

    def active(self, on: dt.date) -> bool:
        return self.until is None or on < self.until


@dataclass(frozen=True, slots=True)
class Expiry:
    """A silence whose `until` has passed: harmless, but worth saying once."""

    silence_id: str
    until: dt.date
    problem: Problem  # the warning, located at its `until` line


@dataclass(frozen=True, slots=True)
class SilenceFile:
    path: str  # as shown in diagnostics
    text: str  # '' when the file does not exist
    silences: tuple[Silence, ...]  # the valid ones, in file order
    tables: tuple[Mapping[str, object], ...] = ()  # the table each valid one was read from
    expiries: tuple[Expiry, ...] = ()  # the valid ones expired on the day it was read for

    def get(self, silence_id: str) -> Silence | None:
        return next((s for s in self.silences if s.id == silence_id), None)


@dataclass
class _Reader:
    path: str
    text: str
    problems: list[Problem]
    _lines: KeyLines | None = None

    def line_of(self, key: str, index: int | None) -> tuple[int, int]:
        """Where a key of the index-th [[silence]] (of the top level when None) is; the text is
        scanned once per file, whatever the number of tables (linear in the file)."""
        if self._lines is None:
            self._lines = KeyLines(self.text)
        return self._lines.find(key, TABLE if index is not None else None, index or 0)

    def problem(self, key: str, message: str, index: int | None, severity: str = "error") -> None:
        line, col = self.line_of(key, index)
        self.problems.append(Problem(self.path, line, col, message, severity))


def parse_silences(
    path: str,
    text: str,
    today: dt.date,
    raw: Mapping[str, object] | None = None,
    earlier: SilenceFile | None = None,
) -> tuple[SilenceFile, list[Problem]]:
    """The valid silences of the file and a located problem for everything else. An expired
    silence is not among the problems: it is a warning kept in the file's `expiries`, which
    `check` shows every time and a digest says once (its state records what it said). `raw` is
    the text already parsed, if it was; a table equal to one `earlier` read as valid is not
    checked again (reading an edit back)."""
    reader = _Reader(path, text, [])
    if raw is None:
        _, raw, problems = parse_toml(text, path)  # the guards of every file orbit reads
        if raw is None:
            reader.problems.extend(problems)
            return SilenceFile(path, text, ()), reader.problems
    for key in raw:
        if key != TABLE:
            hint = did_you_mean(key, (TABLE,))
            reader.problem(key, f"unknown key '{key}'{hint}; silences are [[silence]] tables", None)
    tables = raw.get(TABLE, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        reader.problem(TABLE, "'silence' must be [[silence]] tables", None)
        return SilenceFile(path, text, ()), reader.problems
    silences: list[Silence] = []
    valid: list[Mapping[str, object]] = []
    known = (
        dict(zip((s.id for s in earlier.silences), earlier.tables, strict=True)) if earlier else {}
    )
    reused = {s.id: s for s in earlier.silences} if earlier else {}
    expiries: list[Expiry] = []
    seen: set[str] = set()
    for index, table in enumerate(tables):
        table_id = table.get("id")
        if isinstance(table_id, str) and known.get(table_id) == table:
            silence: Silence | None = replace(reused[table_id], line=reader.line_of("", index)[0])
        else:
            silence = _silence(reader, table, index)
        if silence is None:
            continue
        if silence.id in seen:
            reader.problem("id", f"duplicate silence id '{silence.id}'", index)
            continue
        seen.add(silence.id)
        if silence.until is not None and not silence.active(today):
            line, col = reader.line_of("until", index)
            message = (
                f"silence '{silence.id}' expired on {silence.until}; it no longer silences "
                "anything (remove it when the team no longer needs the record)"
            )
            warning = Problem(path, line, col, message, "warning")
            expiries.append(Expiry(silence.id, silence.until, warning))
        silences.append(silence)
        valid.append(table)
    found = SilenceFile(path, text, tuple(silences), tuple(valid), tuple(expiries))
    return found, reader.problems


def expiries_to_say(
    found: SilenceFile, said: Mapping[str, str]
) -> tuple[list[Problem], dict[str, str]]:
    """(the expiry warnings not yet said, what has then been said): `said` maps a silence id
    to the `until` day its expiry was said for. A silence extended and expired again is a new
    expiry; one no longer expired (or removed) is forgotten."""
    now = {e.silence_id: e.until.isoformat() for e in found.expiries}
    new = [e.problem for e in found.expiries if said.get(e.silence_id) != now[e.silence_id]]
    return new, now


def _is_date(value: object) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _silence(reader: _Reader, table: Mapping[str, object], index: int) -> Silence | None:
    """One [[silence]] table, or None (with its problems) when it cannot be used."""
    before = len(reader.problems)
    for key in table:
        if key not in SILENCE_KEYS:
            hint = did_you_mean(key, SILENCE_KEYS)
            reader.problem(key, f"unknown key '{key}' in [[silence]]{hint}", index)
    silence_id = table.get("id")
    if not isinstance(silence_id, str) or not ID_RE.match(silence_id):
        message = f"[[silence]] number {index + 1} needs an 'id' (letters, digits, '.', '_', '-')"
        reader.problem("id" if "id" in table else "", message, index)
        return None
    name = f"silence '{silence_id}'"
    matcher = None
    text = table.get("matcher")
    if not isinstance(text, str):
        reader.problem("", f"{name} needs a 'matcher', e.g. matcher = \"country:KG\"", index)
    else:
        try:
            matcher = parse_matcher(text)
        except UsageError as exc:
            reader.problem("matcher", f"{name}: bad matcher: {exc.message}", index)
    until = table.get("until")
    if until is not None and not _is_date(until):
        reader.problem("until", f"{name}: until must be a date, e.g. until = 2022-06-30", index)
    elif until is None and matcher is not None and matcher.fingerprint is None:
        reader.problem(
            "",
            f"{name} needs 'until': only an acknowledgement (matcher = \"fingerprint:...\") "
            "may have no expiry",
            index,
        )
    for key in ("reason", "by"):
        value = table.get(key)
        if not isinstance(value, str) or not value.strip() or bad_character(value, False):
            reader.problem(key if key in table else "", f"{name} needs a one-line '{key}'", index)
    created = table.get("created")
    if created is not None and not _is_date(created):
        reader.problem("created", f"{name}: created must be a date", index)
    if len(reader.problems) > before or matcher is None:
        return None
    line, _ = reader.line_of("", index)
    return Silence(
        silence_id,
        matcher,
        until if _is_date(until) else None,  # type: ignore[arg-type]
        str(table["reason"]).strip(),
        str(table["by"]).strip(),
        created if _is_date(created) else None,  # type: ignore[arg-type]
        line,
    )


# -- editing the file -----------------------------------------------------------------------


def new_id(matcher: str, by: str, today: dt.date, taken: Collection[str]) -> str:
    """A short id, stable for the same input and never one already in the file."""
    for attempt in range(1000):
        seed = f"{matcher}\x1f{by}\x1f{today.isoformat()}\x1f{attempt}"
        candidate = "s-" + hashlib.sha256(seed.encode()).hexdigest()[:6]
        if candidate not in taken:
            return candidate
    raise OrbitError("cannot find a free silence id")  # pragma: no cover


def ack_id(fingerprint: str) -> str:
    return "ack-" + fingerprint.split("-", 1)[-1][:8]


def append_silence(text: str, fields: Mapping[str, object]) -> str:
    """The file's text with one more [[silence]] table at the end (comments kept)."""
    import tomli_w

    body = tomli_w.dumps({k: fields[k] for k in SILENCE_KEYS if fields.get(k) is not None})
    head = text if text.strip() else FILE_HEAD
    if not head.endswith("\n"):
        head += "\n"
    return f"{head}\n[[silence]]\n{body}"


def set_until(text: str, silence_id: str, day: dt.date) -> str:
    """The file's text with the silence's `until` set to `day`, in place; OrbitError when the
    table cannot be found in the text (written in an unusual form)."""
    import tomllib

    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if HEADER_RE.match(line)] + [len(lines)]
    for start, end in zip(starts, starts[1:], strict=False):
        block = "".join(lines[start + 1 : end])
        if silence_id not in block:
            continue  # not this table: spares a parse per table (thousands of acks)
        try:
            table = tomllib.loads(block)
        except tomllib.TOMLDecodeError:
            continue
        if table.get("id") != silence_id:
            continue
        new_line = f"until = {day.isoformat()}\n"
        found = [i for i in range(start + 1, end) if UNTIL_RE.match(lines[i])]
        if found:
            lines[found[0]] = new_line
        else:
            after = next(
                (i for i in range(start + 1, end) if re.match(r"^\s*id\s*=", lines[i])), start
            )
            lines.insert(after + 1, new_line)
        return "".join(lines)
    raise OrbitError(f"cannot find silence '{silence_id}' as a [[silence]] table; edit it by hand")


# -- what a digest suppresses ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Suppression:
    alert: Alert
    cause: str  # silenced | inhibited
    silence: str = ""  # the id of the silence that caught it
    inhibited_by: str = ""  # the fingerprint of the alert that inhibited it


def suppress(
    alerts: Sequence[Alert], silences: Sequence[Silence], settings: Settings, on: dt.date
) -> tuple[list[Alert], list[Suppression]]:
    """(to deliver, suppressed) among the alerts of one digest: silenced first (an active
    silence matches), then inhibited (a more severe alert of the same digest, silenced or not,
    makes it noise)."""

    active = [s for s in silences if s.active(on)]
    caught = {}
    for alert in alerts:
        hit = next((s for s in active if s.matcher.matches(alert)), None)
        if hit is not None:
            caught[alert.fingerprint] = Suppression(alert, "silenced", silence=hit.id)
    by = inhibited(alerts, settings.inhibit_rules(), settings)
    deliver, suppressed = [], []
    for alert in alerts:
        if alert.fingerprint in caught:
            suppressed.append(caught[alert.fingerprint])
        elif alert.fingerprint in by:
            suppressed.append(Suppression(alert, "inhibited", inhibited_by=by[alert.fingerprint]))
        else:
            deliver.append(alert)
    return deliver, suppressed


def silenced_by(alert: Alert, silences: Sequence[Silence], on: dt.date) -> Silence | None:
    """The first silence (acknowledgements included) active on `on` that matches the alert."""
    return next((s for s in silences if s.active(on) and s.matcher.matches(alert)), None)


@dataclass(frozen=True)
class SilenceRow:
    silence: Silence
    status: str  # active | expired | ack (an acknowledgement in force)
    suppresses: tuple[Alert, ...]  # the alerts in force today it matches (none once expired)


@dataclass(frozen=True)
class SilenceList:
    rows: list[SilenceRow]  # in file order
    today: dt.date
    by_id: dict[str, Event]


@dataclass(frozen=True)
class SuppressedAlert:
    fingerprint: str
    alert: Alert | None  # None when the alert is no longer in force
    cause: str  # silenced | inhibited
    silence_id: str  # the silence that caught it ('' when inhibited)
    reason: str  # that silence's reason, when it is still in silences.toml
    inhibited_by: str  # the fingerprint of the alert that inhibited it ('' when silenced)
    first_suppressed: str  # ISO time of the run that recorded it


@dataclass(frozen=True)
class SuppressedList:
    state_path: Path
    rows: list[SuppressedAlert]  # newest alert first, then fingerprint
    by_id: dict[str, Event]
