"""The digest's state file: an exclusive lock beside it, a strict loader, an atomic save.

Knows the file format and nothing about alerts; refuses any file it cannot trust (exit 78).
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from orbitwatch.files.atomic import Place, atomic_write
from orbitwatch.files.lock import acquire, release
from orbitwatch.model.errors import Unusable
from orbitwatch.text.tomlpos import file_kind

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
    # silence id -> the `until` day whose expiry this state's digest has said (once)
    expired_silences: dict[str, str] = field(default_factory=dict)

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
        if self.expired_silences:
            document["expired_silences"] = dict(sorted(self.expired_silences.items()))
        return (json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


class StateUnusable(Unusable):
    """The state file cannot be used. `path` lets the caller name, in the hint, the command
    that starts afresh (see recovery_hint): this module knows no command-line options."""

    def __init__(self, path: Path, why: str):
        super().__init__(
            f"state file {path} is unusable: {why}",
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
    fresh_start, for a baseline run, which records everything and so cannot flood).

    Exactly the schema is accepted (see SCHEMA_KEYS): an integer version, strings where
    strings belong, no NaN or Infinity, no lone surrogate, no key this orbit does not know (a
    rewrite would drop it silently); anything else is StateUnusable (78), the file untouched."""
    try:
        data = _read_regular(path)
    except FileNotFoundError:
        if Path(f"{path}.prev").exists() and not fresh_start:
            raise unusable(path, f"it is missing but {path}.prev exists") from None
        return DigestState()
    except OSError as exc:
        raise unusable(path, exc.strerror or str(exc)) from None
    document = _parse(path, data)
    sent = document.get("sent")
    if not isinstance(sent, dict) or not all(
        isinstance(v, dict) and set(v) == {"first_sent"} and isinstance(v["first_sent"], str)
        for v in sent.values()
    ):
        raise unusable(path, "its 'sent' table is malformed")
    last_run = document.get("last_run")
    if last_run is not None and not isinstance(last_run, str):
        raise unusable(path, "its 'last_run' is not a time")
    return DigestState(
        {k: v["first_sent"] for k, v in sent.items()},
        _pending(path, document.get("pending")),
        last_run,
        _suppressed(path, document.get("suppressed", {})),
        _expired(path, document.get("expired_silences", {})),
    )


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file; a FIFO, socket, device or folder is StateUnusable, found
    with fstat on a descriptor opened non-blocking (opening a FIFO would wait for a writer)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as stream:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise unusable(path, f"not a regular file ({file_kind(mode)})")
        return stream.read()


# The keys of the file and of its entries; 'suppressed' and 'expired_silences' are optional
# (added by silences; written only when used).
SCHEMA_KEYS = {"format", "version", "last_run", "pending", "sent", "suppressed", "expired_silences"}
PENDING_KEYS = {"digest", "fingerprints", "started"}
SUPPRESSED_KEYS = {"first_suppressed", "cause", "silence", "inhibited_by"}


def _no_constant(token: str) -> object:
    raise ValueError(f"{token} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is out of range")
    return value


class DuplicateKey(ValueError):
    """A JSON object names one key twice: json.loads would keep the last, silently."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key if len(key) <= 80 else key[:80] + "..."


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    document: dict[str, object] = {}
    for key, value in pairs:
        if key in document:
            raise DuplicateKey(key)
        document[key] = value
    return document


def _parse(path: Path, data: bytes) -> dict[str, object]:
    """The document, strictly: valid UTF-8 JSON within Python's limits, the known format."""
    try:
        document = json.loads(
            data.decode("utf-8"),
            parse_constant=_no_constant,
            parse_float=_finite,
            object_pairs_hook=_unique_keys,
        )
    except DuplicateKey as exc:
        raise unusable(
            path, f"duplicate key {exc.key!r} (which one counts would be a guess)"
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError, digits beyond the limit
        raise unusable(path, f"not valid JSON ({exc})") from None
    except RecursionError:
        raise unusable(path, "not valid JSON (nested too deeply)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise unusable(path, "not an orbitwatch digest state")
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        shown = repr(version) if not isinstance(version, int) or version < 10**6 else "(huge)"
        raise unusable(path, f"format version {shown}, this orbit reads version {VERSION}")
    unknown = sorted(set(document) - SCHEMA_KEYS)
    if unknown:
        raise unusable(path, f"unknown key {unknown[0]!r} (a rewrite would lose it)")
    surrogate = _lone_surrogate(document)
    if surrogate:
        raise unusable(path, f"it holds a lone surrogate in {surrogate}")
    return document


def _lone_surrogate(value: object, where: str = "the file") -> str:
    """Where a string (key or value) holds a lone surrogate, which no UTF-8 file can hold."""
    if isinstance(value, str):
        return "" if not any("\ud800" <= ch <= "\udfff" for ch in value) else where
    if isinstance(value, dict):
        for key, item in value.items():
            found = _lone_surrogate(key, f"a key of {where}") or _lone_surrogate(item, where)
            if found:
                return found
    if isinstance(value, list):
        return next((f for f in (_lone_surrogate(v, where) for v in value) if f), "")
    return ""


def _pending(path: Path, pending: object) -> dict[str, object] | None:
    if pending is None:
        return None
    if not (
        isinstance(pending, dict)
        and set(pending) <= PENDING_KEYS
        and isinstance(pending.get("digest"), str)
        and isinstance(pending.get("fingerprints"), list)
        and all(isinstance(f, str) for f in pending["fingerprints"])
        and isinstance(pending.get("started", ""), str)
    ):
        raise unusable(path, "its 'pending' entry is malformed")
    return pending


SUPPRESSION_CAUSES = ("silenced", "inhibited")


def _suppressed(path: Path, table: object) -> dict[str, dict[str, str]]:
    """The optional 'suppressed' table (absent in files written before silences existed)."""
    if not isinstance(table, dict) or not all(
        isinstance(v, dict)
        and set(v) <= SUPPRESSED_KEYS
        and isinstance(v.get("first_suppressed"), str)
        and v.get("cause") in SUPPRESSION_CAUSES
        and all(isinstance(x, str) for x in v.values())
        for v in table.values()
    ):
        raise unusable(path, "its 'suppressed' table is malformed")
    return {k: dict(v) for k, v in table.items()}


def _expired(path: Path, table: object) -> dict[str, str]:
    """The optional 'expired_silences' table: silence id -> the ISO day it expired on."""
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise unusable(path, "its 'expired_silences' table is malformed")
    return dict(table)


def save_state(path: Path, state: DigestState) -> None:
    atomic_write(path, state.to_bytes(), mode=0o600, keep_previous=True, folder_mode=0o700)


class StateLock:
    """An exclusive flock on FILE.lock (never deleted), waiting up to `wait` seconds.

    `busy_hint` ends the message when the lock stays held (the caller's way to wait longer)."""

    def __init__(self, path: Path, wait: float, busy_hint: str = ""):
        self.state = path
        self.path = Path(f"{path}.lock")
        self.wait = wait
        self.busy_hint = busy_hint
        self.fd: int | None = None

    def __enter__(self) -> StateLock:
        # the folder is reached without following a planted link (LinkRefused, exit 2), and
        # neither the state file nor its lock may be a link: refused before anything is sent
        with Place(self.state, create=True, mode=0o700) as place:
            place.refuse_link()
            try:
                self.fd = os.open(
                    self.path.name,
                    os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                    0o600,
                    dir_fd=place.fd,
                )
            except OSError as exc:
                raise unusable(self.path, exc.strerror or str(exc)) from None
        opened, self.fd = self.fd, None  # acquire closes it when the lock is busy
        self.fd = acquire(
            opened,
            self.wait,
            f"another orbit digest holds {self.path}; try again later"
            + (f" ({self.busy_hint})" if self.busy_hint else ""),
        )
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        if self.fd is not None:
            release(self.fd)
            self.fd = None


def default_state_path(root: Path) -> Path:
    """Under the user's state folder (XDG_STATE_HOME), one file per timeline; never /tmp."""
    import hashlib

    import platformdirs

    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    folder = Path(platformdirs.user_state_dir("orbitwatch", appauthor=False))
    return folder / f"digest-{root.resolve().name}-{key}.json"
