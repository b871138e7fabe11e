"""Use cases of `silence add|list|expire`, `ack` and `alerts --suppressed`: silences.toml.

Edits are read-modify-write under a lock on the timeline folder, checked by parsing the new
text, and written through the atomic write seam (fsio). Returns values; never prints.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from orbitwatch.app.context import Workspace, note_temporaries, state_path
from orbitwatch.digest.state import load_state
from orbitwatch.files.atomic import atomic_write
from orbitwatch.files.lock import lock_exclusive
from orbitwatch.files.walk import SILENCES_FILE
from orbitwatch.git.revisions import cat_blobs, list_revision
from orbitwatch.model.dates import RELATIVE, DateError, parse_partial, shift_months, today
from orbitwatch.model.errors import OrbitError, Unusable, UsageError, did_you_mean
from orbitwatch.query.alerts import parse_matcher
from orbitwatch.signals.alerts import alerts
from orbitwatch.signals.readings import readings
from orbitwatch.signals.silences import (
    MAX_SILENCES_BYTES,
    SilenceFile,
    SilenceList,
    SilenceRow,
    SuppressedAlert,
    SuppressedList,
    ack_id,
    append_silence,
    new_id,
    parse_silences,
    set_until,
    silenced_by,
)
from orbitwatch.text.tomlpos import read_toml
from orbitwatch.timeline.load import display_path

if TYPE_CHECKING:
    from orbitwatch.model.alert import Alert
    from orbitwatch.model.errors import Problem
    from orbitwatch.model.event import Event
    from orbitwatch.signals.silences import Silence, SilenceFile


def silences_path(workspace: Workspace) -> Path:

    return workspace.root() / SILENCES_FILE


def today_of(workspace: Workspace) -> dt.date:

    return today(workspace.environ)


def load_silences(workspace: Workspace, note: bool = True) -> SilenceFile:
    """silences.toml (empty when absent); its problems reported. Invalid silences are left
    out: the alerts they meant to catch are delivered rather than lost."""

    path = silences_path(workspace)
    if workspace.known() is not None:
        return _committed_silences(workspace, path, note)
    shown = display_path(path, workspace.cwd)
    if note:
        note_temporaries(workspace, path)
    if not path.exists():
        return SilenceFile(shown, "", ())
    text, raw, problems = read_toml(path, shown, max_bytes=MAX_SILENCES_BYTES)
    found = SilenceFile(shown, text, ())
    if raw is not None:
        found, problems = parse_silences(shown, text, today_of(workspace), raw)
    if note:
        workspace.note(problems)
    return found


def _committed_silences(workspace: Workspace, path: Path, note: bool) -> SilenceFile:
    """silences.toml as committed at `--known-at` (a reading of the past takes every file from
    its commit, as `--replay` does each day): empty when the commit has none; its problems
    located at COMMIT:silences.toml, as the replay words them."""

    known = workspace.known()
    assert known is not None
    root = workspace.root()
    shown = f"{known.commit.short}:{SILENCES_FILE}"
    blob = list_revision(root, known.commit.hash).silences
    if blob is None:
        return SilenceFile(shown, "", ())
    (data,) = cat_blobs(root, [blob])
    text, raw, problems = read_toml(path, shown, data, max_bytes=MAX_SILENCES_BYTES)
    found = SilenceFile(shown, text, ())
    if raw is not None:
        found, problems = parse_silences(shown, text, known.day, raw)
    if note:
        workspace.note(problems)
    return found


def check_silences(workspace: Workspace) -> list[Problem]:
    """The problems of silences.toml (none when it does not exist), for `orbit check`."""

    path = silences_path(workspace)
    if not path.exists():
        return []
    shown = display_path(path, workspace.cwd)
    text, raw, problems = read_toml(path, shown, max_bytes=MAX_SILENCES_BYTES)
    if raw is None:
        return problems
    found, problems = parse_silences(shown, text, today_of(workspace), raw)
    return [*problems, *(e.problem for e in found.expiries)]


def _readable_silences(workspace: Workspace) -> tuple[SilenceFile, list[Problem]]:
    """silences.toml for an edit: Unusable (78) when it exists but cannot be read as text
    (not a regular file, not UTF-8, a NUL byte, over the size or line caps), since rewriting
    it would lose every silence in it; the file is left as it is."""
    path = silences_path(workspace)
    shown = display_path(path, workspace.cwd)
    if not os.path.lexists(path):
        return SilenceFile(shown, "", ()), []
    text, raw, problems = read_toml(path, shown, max_bytes=MAX_SILENCES_BYTES)
    if raw is None and not text:
        first = problems[0]
        raise Unusable(
            f"{first.path}:{first.line}:{first.col}: {first.message}; "
            f"orbit will not rewrite {shown}",
            hint="orbit leaves it as it is: rewriting it would lose every silence in it. "
            "Fix the file or move it away, then try again.",
        )
    if raw is None:
        return SilenceFile(shown, text, ()), problems
    return parse_silences(shown, text, today_of(workspace), raw)


@contextmanager
def _editing(workspace: Workspace, wait: float = 10) -> Iterator[SilenceFile]:
    """The current file, under an exclusive lock on the timeline folder (no lock file is left
    in the repository), so two edits at once never lose one."""
    root = workspace.root()
    fd = os.open(root, os.O_RDONLY)
    try:
        lock_exclusive(fd, wait, f"another orbit is editing {root}/silences.toml")
        note_temporaries(workspace, silences_path(workspace))
        current, problems = _readable_silences(workspace)
        if current.text:
            errors = [p for p in problems if p.severity == "error"]
            if errors:
                raise OrbitError(
                    f"{current.path} has problems; fix them first (orbit check lists them)",
                    hint="\n".join(p.render() for p in errors[:5]),
                )
        yield current
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _save(workspace: Workspace, current: SilenceFile, text: str, silence_id: str) -> Silence:
    """Write the new text after checking that it parses and holds the silence (the tables the
    edit left as they were are not checked again)."""

    path = silences_path(workspace)
    data = text.encode("utf-8")
    _, raw, problems = read_toml(path, str(path), data, MAX_SILENCES_BYTES)
    if raw is not None:
        checked, problems = parse_silences(str(path), text, today_of(workspace), raw, current)
    silence = checked.get(silence_id) if raw is not None else None
    if silence is None or any(p.severity == "error" for p in problems):
        raise OrbitError(f"refusing to write {path}: the edit would not read back")
    atomic_write(path, data, mode=0o644, within=workspace.root())
    return silence


def who(workspace: Workspace, by: str | None) -> str:
    """--by, else git config user.name in the timeline, else a usage error."""
    import subprocess

    if by and by.strip():
        return by.strip()
    try:
        result = subprocess.run(
            ["git", "config", "user.name"],
            cwd=workspace.root(),
            capture_output=True,
            text=True,
            timeout=5,
            stdin=subprocess.DEVNULL,
        )
        name = result.stdout.strip() if result.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        name = ""
    if not name:
        raise UsageError(
            "who is silencing? git config user.name is not set",
            hint="Set it (git config user.name 'Your Name') or give --by NAME.",
        )
    return name


def until_day(text: str, today: dt.date) -> dt.date:
    """A relative date forward from today (30d, 2w, 6m, 1y) or an ISO date after today."""

    lowered = text.strip().lower()
    m = RELATIVE.match(lowered)
    try:
        if m:
            count, unit = int(m.group(1)), m.group(2)
            if unit in "dw":
                day = today + dt.timedelta(days=count * (7 if unit == "w" else 1))
            else:
                day = shift_months(today, count * (12 if unit == "y" else 1))
        else:
            day = parse_partial(text).first_day
    except (DateError, OverflowError, ValueError) as exc:
        raise UsageError(f"--until {text!r}: {exc}; write e.g. 30d, 2w, 6m or 2022-06-30") from None
    if day <= today:
        raise UsageError(f"--until {text!r} is not after today ({today.isoformat()})")
    return day


def add_silence(
    workspace: Workspace, matcher: str, until: str, reason: str, by: str | None
) -> Silence:
    """A new silence in silences.toml; returns it (with its new id)."""

    parsed = parse_matcher(matcher)
    today = today_of(workspace)
    day = until_day(until, today)
    if not reason.strip():
        raise UsageError("a silence needs a reason the team can read: --reason TEXT")
    author = who(workspace, by)
    with _editing(workspace) as current:
        silence_id = new_id(parsed.text, author, today, {s.id for s in current.silences})
        fields = {
            "id": silence_id,
            "matcher": matcher.strip(),
            "until": day,
            "reason": reason.strip(),
            "by": author,
            "created": today,
        }
        return _save(workspace, current, append_silence(current.text, fields), silence_id)


def expire_silence(workspace: Workspace, silence_id: str) -> Silence:
    """End a silence (or an acknowledgement) today: `until` becomes today."""

    today = today_of(workspace)
    with _editing(workspace) as current:
        silence = current.get(silence_id)
        if silence is None:
            known = [s.id for s in current.silences]
            raise UsageError(
                f"no silence with id '{silence_id}'{did_you_mean(silence_id, known)}",
                hint="List them with: orbit silence list",
            )
        if not silence.active(today):
            raise UsageError(f"silence '{silence_id}' already expired on {silence.until}")
        return _save(workspace, current, set_until(current.text, silence_id, today), silence_id)


def ack(workspace: Workspace, fingerprint: str, reason: str, by: str | None) -> Silence:
    """Acknowledge one alert: a silence of its fingerprint without expiry."""

    full = resolve_fingerprint(workspace, fingerprint)
    if not reason.strip():
        raise UsageError("an acknowledgement needs a reason: --reason TEXT")
    author = who(workspace, by)
    today = today_of(workspace)
    with _editing(workspace) as current:
        for silence in current.silences:
            if silence.is_ack and silence.matcher.fingerprint == full and silence.active(today):
                raise UsageError(f"{full} is already acknowledged ({silence.id} by {silence.by})")
        silence_id = ack_id(full)
        taken = {s.id for s in current.silences}
        suffix = 2
        while silence_id in taken:
            silence_id, suffix = f"{ack_id(full)}-{suffix}", suffix + 1
        fields = {
            "id": silence_id,
            "matcher": f"fingerprint:{full}",
            "reason": reason.strip(),
            "by": author,
            "created": today,
        }
        return _save(workspace, current, append_silence(current.text, fields), silence_id)


def _alerts_today(workspace: Workspace) -> tuple[list[Alert], dict[str, Event]]:

    timeline = workspace.load()
    on = today_of(workspace)
    reading_of = readings(timeline.events, timeline.settings, on)
    found = alerts(timeline.events, reading_of, timeline.settings, on)
    return found, {e.id: e for e in timeline.events}


def resolve_fingerprint(workspace: Workspace, text: str) -> str:
    """A whole fingerprint, or any unique prefix of one in force today (with or without
    'v1-', at least 4 hex digits: the short fingerprint `orbit alerts` and the digest show);
    an ambiguous or unknown prefix is a usage error listing the candidates."""
    import re

    text = text.strip()
    if re.fullmatch(r"v1-[0-9a-f]{20}", text):
        return text
    prefix = text.lower() if text.startswith("v1-") else f"v1-{text.lower()}"
    if not re.fullmatch(r"v1-[0-9a-f]{4,20}", prefix):
        raise UsageError(
            f"{text!r} is not a fingerprint (at least 4 of its hex digits, e.g. the short "
            "fingerprint orbit alerts shows)"
        )
    in_force = {a.fingerprint: a for a in _alerts_today(workspace)[0]}
    matching = sorted(fp for fp in in_force if fp.startswith(prefix))
    if len(matching) == 1:
        return matching[0]
    if matching:
        why, candidates = "is ambiguous; it matches", [in_force[fp] for fp in matching]
    else:
        why, candidates = "matches no alert in force; the alerts in force are", [*in_force.values()]
    if not candidates:
        raise UsageError(f"fingerprint {text!r} matches no alert: no alert is in force")
    shown = sorted(candidates, key=lambda a: (-a.date.toordinal(), a.fingerprint))
    lines = [f"  {a.short}  {a.date.isoformat()}  {a.kind} {a.country}  {a.subject}" for a in shown]
    more = len(lines) - CANDIDATES_SHOWN
    lines = lines[:CANDIDATES_SHOWN] + ([f"  ... and {more} more"] if more > 0 else [])
    raise UsageError(
        f"fingerprint {text!r} {why}:\n" + "\n".join(lines),
        hint="Give more digits (orbit alerts shows each alert's short fingerprint).",
    )


CANDIDATES_SHOWN = 20  # an unknown prefix lists the newest alerts in force, up to this many


def list_silences(workspace: Workspace, only_active: bool = False) -> SilenceList:
    """Every silence with its status and what it suppresses among the alerts in force today."""
    current = load_silences(workspace)
    today = today_of(workspace)
    in_force, by_id = _alerts_today(workspace) if current.silences else ([], {})
    rows = []
    for silence in current.silences:
        active = silence.active(today)
        if only_active and not active:
            continue
        status = ("ack" if silence.is_ack else "active") if active else "expired"
        caught = tuple(a for a in in_force if active and silence.matcher.matches(a))
        rows.append(SilenceRow(silence, status, caught))
    return SilenceList(rows, today, by_id)


def silence_marks(workspace: Workspace, alerts: list[Alert]) -> dict[str, Silence]:
    """fingerprint -> the silence or acknowledgement active today that matches it."""

    silences = load_silences(workspace).silences
    known = workspace.known()
    today = known.day if known is not None else today_of(workspace)  # the day alerts are read
    marks = {}
    for alert in alerts:
        found = silenced_by(alert, silences, today)
        if found is not None:
            marks[alert.fingerprint] = found
    return marks


def suppressed_alerts(workspace: Workspace, state_option: str | None) -> SuppressedList:
    """The alerts the digest recorded as suppressed in its state file (--state, else
    ORBIT_STATE, else the user's default state file), with what caught them."""

    path = state_path(workspace, state_option if state_option is not None else "")
    assert path is not None  # an option of '' always names a file
    state = load_state(path)
    in_force, by_id = _alerts_today(workspace) if state.suppressed else ([], {})
    alert_of = {a.fingerprint: a for a in in_force}
    silences = load_silences(workspace, note=False) if state.suppressed else None
    rows = []
    for fingerprint, record in state.suppressed.items():
        silence_id = record.get("silence", "")
        found = silences.get(silence_id) if silences is not None and silence_id else None
        rows.append(
            SuppressedAlert(
                fingerprint,
                alert_of.get(fingerprint),
                record["cause"],
                silence_id,
                found.reason if found is not None else "",
                record.get("inhibited_by", ""),
                record["first_suppressed"],
            )
        )
    rows.sort(key=lambda r: (-(r.alert.date.toordinal() if r.alert else 0), r.fingerprint))
    return SuppressedList(path, rows, by_id)
