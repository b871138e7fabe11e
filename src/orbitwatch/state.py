"""The digest's state file: an exclusive lock beside it, a strict loader, an atomic save.

Knows the file format and nothing about alerts; refuses any file it cannot trust (exit 78).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from orbitwatch.errors import ExitStatus, OrbitError
from orbitwatch.fsio import atomic_write

FORMAT = "orbitwatch-digest-state"
VERSION = 1


@dataclass(frozen=True)
class DigestState:
    sent: dict[str, str] = field(default_factory=dict)  # fingerprint -> first sent (ISO time)
    pending: dict[str, object] | None = None  # {"digest": id, "fingerprints": [...], "started"}
    last_run: str | None = None
    # fingerprint -> {"first_suppressed": ISO time, "cause": silenced | inhibited,
    # "silence": id, "inhibited_by": fingerprint}: caught, never delivered, never lost
    suppressed: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        document: dict[str, object] = {
            "format": FORMAT,
            "version": VERSION,
            "last_run": self.last_run,
            "pending": self.pending,
            "sent": {fp: {"first_sent": when} for fp, when in sorted(self.sent.items())},
        }
        if self.suppressed:  # written only when used: older orbits read the file as before
            document["suppressed"] = dict(sorted(self.suppressed.items()))
        return (json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


class StateUnusable(OrbitError):
    """The state file cannot be used. `path` lets the caller name, in the hint, the command
    that starts afresh (see recovery_hint): this module knows no command-line options."""

    def __init__(self, path: Path, why: str):
        super().__init__(
            f"state file {path} is unusable: {why}",
            ExitStatus.STATE_UNUSABLE,
            hint=recovery_hint(path, "a baseline run (which records every alert in force)"),
        )
        self.path = path


def recovery_hint(path: Path, fresh_start: str) -> str:
    """How to recover an unusable state file; `fresh_start` says how to start afresh."""
    return (
        "orbitwatch will not guess: a reset would re-send every alert, a skip could lose "
        "some.\n"
        f"Recover by restoring the previous generation (cp {path}.prev {path}) if it is\n"
        f"sound, or start afresh without a flood: mv {path} {path}.broken && "
        f"{fresh_start}"
    )


def unusable(path: Path, why: str) -> StateUnusable:
    return StateUnusable(path, why)


def load_state(path: Path, fresh_start: bool = False) -> DigestState:
    """The state in FILE; an empty state only when neither FILE nor FILE.prev exists (or, with
    fresh_start, for a baseline run, which records everything and so cannot flood)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if Path(f"{path}.prev").exists() and not fresh_start:
            raise unusable(path, f"it is missing but {path}.prev exists") from None
        return DigestState()
    except OSError as exc:
        raise unusable(path, exc.strerror or str(exc)) from None
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise unusable(path, f"not valid JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise unusable(path, "not an orbitwatch digest state")
    if document.get("version") != VERSION:
        raise unusable(
            path, f"format version {document.get('version')!r}, this orbit reads version {VERSION}"
        )
    sent = document.get("sent")
    pending = document.get("pending")
    if not isinstance(sent, dict) or not all(
        isinstance(k, str) and isinstance(v, dict) and isinstance(v.get("first_sent"), str)
        for k, v in sent.items()
    ):
        raise unusable(path, "its 'sent' table is malformed")
    if pending is not None and not (
        isinstance(pending, dict)
        and isinstance(pending.get("digest"), str)
        and isinstance(pending.get("fingerprints"), list)
    ):
        raise unusable(path, "its 'pending' entry is malformed")
    last_run = document.get("last_run")
    return DigestState(
        {k: v["first_sent"] for k, v in sent.items()},
        pending,
        last_run if isinstance(last_run, str) else None,
        _suppressed(path, document.get("suppressed", {})),
    )


SUPPRESSION_CAUSES = ("silenced", "inhibited")


def _suppressed(path: Path, table: object) -> dict[str, dict[str, str]]:
    """The optional 'suppressed' table (absent in files written before silences existed)."""
    if not isinstance(table, dict) or not all(
        isinstance(k, str)
        and isinstance(v, dict)
        and isinstance(v.get("first_suppressed"), str)
        and v.get("cause") in SUPPRESSION_CAUSES
        and all(isinstance(x, str) for x in v.values())
        for k, v in table.items()
    ):
        raise unusable(path, "its 'suppressed' table is malformed")
    return {k: dict(v) for k, v in table.items()}


def save_state(path: Path, state: DigestState) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write(path, state.to_bytes(), mode=0o600, keep_previous=True)


class StateLock:
    """An exclusive flock on FILE.lock (never deleted), waiting up to `wait` seconds.

    `busy_hint` ends the message when the lock stays held (the caller's way to wait longer)."""

    def __init__(self, path: Path, wait: float, busy_hint: str = ""):
        self.path = Path(f"{path}.lock")
        self.wait = wait
        self.busy_hint = busy_hint
        self.fd: int | None = None

    def __enter__(self) -> StateLock:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise unusable(self.path, exc.strerror or str(exc)) from None
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(self.fd)
                    self.fd = None
                    raise OrbitError(
                        f"another orbit digest holds {self.path}; try again later"
                        + (f" ({self.busy_hint})" if self.busy_hint else ""),
                        ExitStatus.BUSY,
                    ) from None
                time.sleep(0.05)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def default_state_path(root: Path) -> Path:
    """Under the user's state folder (XDG_STATE_HOME), one file per timeline; never /tmp."""
    import hashlib

    import platformdirs

    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    folder = Path(platformdirs.user_state_dir("orbitwatch", appauthor=False))
    return folder / f"digest-{root.resolve().name}-{key}.json"
