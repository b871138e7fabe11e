"""Find the timeline root and read its orbit.toml and events/ into values and Problems.

Reads files; never prints. Every failure of one file becomes a located Problem and the rest load.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from orbitwatch.check import check_duplicates, check_event
from orbitwatch.errors import OrbitError, Problem
from orbitwatch.model import Event, sort_events
from orbitwatch.settings import Settings, parse_settings

try:  # the compiled tomli is several times faster and raises the same errors
    import tomli as toml_parser
except ImportError:  # pragma: no cover - tomli is optional
    import tomllib as toml_parser

MAX_FILE_BYTES = 1024 * 1024
SETTINGS_FILE = "orbit.toml"
EVENTS_DIR = "events"
DEBRIS = re.compile(r"(^\.|^#.*#$|~$|\.sw[a-p]$|\.tmp$|\.orig$|\.rej$)")
TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)$")


@dataclass(frozen=True)
class Timeline:
    root: Path
    settings: Settings
    events: list[Event]
    problems: list[Problem] = field(default_factory=list)


def find_root(explicit: str | None, environ: Mapping[str, str], cwd: Path) -> Path:
    """--root, else ORBIT_ROOT, else the nearest folder upward holding orbit.toml or events/."""
    for given, origin in ((explicit, "--root"), (environ.get("ORBIT_ROOT"), "ORBIT_ROOT")):
        if given:
            root = Path(given)
            if not root.is_dir():
                raise OrbitError(f"{origin} {given}: no such folder")
            return root
    for folder in (cwd, *cwd.parents):
        if (folder / SETTINGS_FILE).is_file() or (folder / EVENTS_DIR).is_dir():
            return folder
    raise OrbitError(
        f"no timeline here: no {SETTINGS_FILE} or {EVENTS_DIR}/ in {cwd} or any folder above it",
        hint="Use --root DIR or set ORBIT_ROOT, or create one with: orbit init DIR",
    )


def display_path(path: Path, cwd: Path | None = None) -> str:
    """The path as the user should see it: relative to the working folder when inside it."""
    cwd = cwd or Path.cwd()
    try:
        return path.absolute().relative_to(cwd.absolute()).as_posix()
    except ValueError:
        return str(path)


def read_toml(path: Path, shown: str, data: bytes | None = None
              ) -> tuple[str, dict[str, object] | None, list[Problem]]:
    """(text, table, problems) for one TOML file; table is None when it cannot be used."""
    if data is None:
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            return "", None, [Problem(shown, 1, 1, f"cannot read: {exc.strerror or exc}")]
    if len(data) > MAX_FILE_BYTES:
        return "", None, [Problem(shown, 1, 1, f"file is larger than {MAX_FILE_BYTES} bytes")]
    if b"\x00" in data:
        line, col = _position(data, data.index(b"\x00"))
        return "", None, [Problem(shown, line, col, "file contains a NUL byte (binary file?)")]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        return "", None, [Problem(shown, line, col, "file is not valid UTF-8")]
    try:
        table = toml_parser.loads(text)
    except toml_parser.TOMLDecodeError as exc:
        message = str(exc)
        line, col = 1, 1
        m = TOML_POSITION.search(message)
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            message = message[: m.start()].rstrip()
        elif "(at end of document)" in message:
            line = text.count("\n") + 1
            col = len(text.rsplit("\n", 1)[-1]) + 1
            message = message.replace("(at end of document)", "").rstrip()
        return text, None, [Problem(shown, line, col, f"invalid TOML: {message}")]
    except (ValueError, RecursionError, MemoryError) as exc:
        return text, None, [Problem(shown, 1, 1, f"invalid TOML: {type(exc).__name__}")]
    return text, table, []


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    col = offset - (before.rfind(b"\n") + 1) + 1
    return line, col


def event_files(root: Path) -> list[Path]:
    """Every *.toml under events/, any depth, in a stable order; dotfiles and debris skipped."""
    base = root / EVENTS_DIR
    found: list[Path] = []
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".toml") and not DEBRIS.search(name):
                found.append(Path(folder) / name)
    return found


def load_settings(root: Path, show: Callable[[Path], str] = display_path
                  ) -> tuple[Settings, list[Problem]]:
    path = root / SETTINGS_FILE
    if not path.exists():
        return Settings(), []
    shown = show(path)
    text, raw, problems = read_toml(path, shown)
    if raw is None:
        return Settings(path=shown), problems
    settings, more = parse_settings(shown, text, raw)
    return settings, problems + more


def parse_event_file(
    path: Path, shown: str, settings: Settings, data: bytes | None = None
) -> tuple[Event | None, list[Problem]]:
    text, raw, problems = read_toml(path, shown, data)
    if raw is None:
        return None, problems
    return check_event(shown, text, raw, path.stem, settings.tags)


def load_timeline(
    root: Path, only: Iterable[Path] | None = None, show: Callable[[Path], str] = display_path
) -> Timeline:
    """The whole timeline (or only the given files): sorted events, problems in path order."""
    settings, problems = load_settings(root, show)
    files = list(only) if only is not None else event_files(root)
    events: list[Event] = []
    for path in files:
        event, file_problems = parse_event_file(path, show(path), settings)
        problems.extend(file_problems)
        if event is not None:
            events.append(event)
    events, duplicates = check_duplicates(events)
    problems.extend(duplicates)
    problems.sort(key=lambda p: (p.path, p.line, p.col))
    return Timeline(root, settings, sort_events(events), problems)


# -- git revisions --------------------------------------------------------------------------

GIT_TIMEOUT = 120


def _git(root: Path, args: list[str], input_data: bytes | None = None) -> bytes:
    """Run git with arguments as data: no shell, no pager, no prompt, a timeout."""
    import subprocess

    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "PAGER": "cat",
           "GIT_OPTIONAL_LOCKS": "0"}
    try:
        result = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args], cwd=root, env=env, input=input_data,
            stdin=None if input_data is not None else subprocess.DEVNULL,
            capture_output=True, timeout=GIT_TIMEOUT, check=False,
        )
    except FileNotFoundError:
        raise OrbitError("git is not installed (needed to read a revision)") from None
    except subprocess.TimeoutExpired:
        raise OrbitError(f"git did not answer within {GIT_TIMEOUT} s: git {args[0]}") from None
    except OSError as exc:
        raise OrbitError(f"cannot run git: {exc.strerror}") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _GitFailed(message[-1] if message else f"git {args[0]} failed")
    return result.stdout


class _GitFailed(OrbitError):
    pass


def resolve_revision(root: Path, revision: str) -> str:
    """The commit hash a revision names, or a clear error; a leading '-' is never an option."""
    if not revision or revision.startswith("-"):
        raise OrbitError(f"'{revision}' is not a revision: revisions may not start with '-'")
    if "\x00" in revision or "\n" in revision:
        raise OrbitError(f"{revision!r} is not a revision")
    try:
        _git(root, ["rev-parse", "--is-inside-work-tree"])
    except _GitFailed:
        raise OrbitError(f"{root} is not in a git repository, so '{revision}' cannot be read",
                         hint="Give two timeline folders instead, or run git init.") from None
    try:
        out = _git(root, ["rev-parse", "--verify", "--quiet", "--end-of-options",
                          f"{revision}^{{commit}}"])
    except _GitFailed:
        raise OrbitError(f"'{revision}' does not name a commit in {root}") from None
    return out.decode().strip()


def load_revision(root: Path, revision: str) -> Timeline:
    """The timeline as it was at a revision, read with ls-tree and one cat-file --batch."""
    commit = resolve_revision(root, revision)
    prefix = _git(root, ["rev-parse", "--show-prefix"]).decode("utf-8").strip()
    listing = _git(root, ["ls-tree", "-r", "-z", "--full-tree", commit, "--",
                          f"{prefix}{SETTINGS_FILE}", f"{prefix}{EVENTS_DIR}"])
    blobs: list[tuple[str, str]] = []  # (path relative to the timeline root, blob hash)
    for entry in listing.split(b"\x00"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, blob = meta.decode().split()
        rel = name.decode("utf-8", "surrogateescape")[len(prefix):]
        if kind != "blob" or mode == "120000":
            continue
        leaf = rel.rsplit("/", 1)[-1]
        if rel == SETTINGS_FILE or (rel.endswith(".toml") and not DEBRIS.search(leaf)
                                    and not any(part.startswith(".")
                                                for part in rel.split("/")[1:])):
            blobs.append((rel, blob))
    contents = _cat_blobs(root, [blob for _, blob in blobs])
    label = revision
    settings = Settings()
    problems: list[Problem] = []
    by_path = dict(zip((rel for rel, _ in blobs), contents, strict=True))
    if SETTINGS_FILE in by_path:
        shown = f"{label}:{SETTINGS_FILE}"
        text, raw, problems = read_toml(root / SETTINGS_FILE, shown, by_path[SETTINGS_FILE])
        if raw is not None:
            settings, more = parse_settings(shown, text, raw)
            problems = problems + more
    events: list[Event] = []
    for rel, data in by_path.items():
        if rel == SETTINGS_FILE:
            continue
        event, file_problems = parse_event_file(root / rel, f"{label}:{rel}", settings, data)
        problems.extend(file_problems)
        if event is not None:
            events.append(event)
    events, duplicates = check_duplicates(events)
    problems.extend(duplicates)
    problems.sort(key=lambda p: (p.path, p.line, p.col))
    return Timeline(root, settings, sort_events(events), problems)


def _cat_blobs(root: Path, hashes: list[str]) -> list[bytes]:
    if not hashes:
        return []
    raw = _git(root, ["cat-file", "--batch"], ("\n".join(hashes) + "\n").encode())
    contents: list[bytes] = []
    position = 0
    for _ in hashes:
        newline = raw.index(b"\n", position)
        header = raw[position:newline].split()
        size = int(header[2])
        start = newline + 1
        contents.append(raw[start:start + size])
        position = start + size + 1
    return contents
