"""The layout of a timeline folder and the walk of its events/: which files are event files.

One filter (`is_event_path`) decides for a folder on disk and for a git revision alike; this
module lists paths and never reads or parses a file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from orbitwatch.model.errors import OrbitError, Problem
from orbitwatch.text.tomlpos import file_kind

SETTINGS_FILE = "orbit.toml"
SILENCES_FILE = "silences.toml"  # versioned beside orbit.toml (silences.py reads it)
EVENTS_DIR = "events"
EVENT_SUFFIX = ".toml"
# Names starting with these are skipped, files and folders alike: hidden files and folders,
# and editor debris (emacs '#x.toml#', vim '.x.toml.swp', backups 'x.toml~' never end in .toml).
SKIPPED_FIRST = ".#"
LEFTOVER = "warning: leftover temporary file from an interrupted write; not read (safe to delete)"


# A name the file system encoding could not decode (C locale without UTF-8 mode) carries
# surrogate escapes: it could be neither stored, compared nor shown as text, so it is not read.
_UNDECODABLE = re.compile("[\udc80-\udcff]")
UNDECODABLE = (
    "a name that is not text in this locale's encoding; not read (rename it to ASCII, or run "
    "in a UTF-8 locale or with PYTHONUTF8=1)"
)


def is_skipped(name: str) -> bool:
    """A file or folder name the walk never enters or reads."""
    return not name or name[0] in SKIPPED_FIRST


def is_event_file_name(name: str) -> bool:
    return name.endswith(EVENT_SUFFIX) and not is_skipped(name)


def is_event_path(rel: str) -> bool:
    """Whether a '/'-separated path below the timeline root (events/2022/a.toml) is an event
    file: inside events/, no skipped folder on the way, an event file name at the end."""
    parts = rel.split("/")
    return (
        len(parts) >= 2
        and parts[0] == EVENTS_DIR
        and is_event_file_name(parts[-1])
        and not any(is_skipped(part) for part in parts[1:-1])
    )


def _is_leftover(name: str) -> bool:
    """Our own temporaries (write.py): reported, so an interrupted write does not go unseen."""
    return name.startswith(".import-") or (name[0] == "." and name.endswith(".tmp"))


def event_files(base: str, root: str | None = None) -> tuple[list[str], list[tuple[str, str]]]:
    """(paths of event files under base, [(path, why it was not read)]).

    Skipped names (is_skipped) are passed over, except that our own leftover temporaries are
    reported. Only regular files are read; a symbolic link only when it resolves to a regular
    file inside the timeline. Unsorted walk, sorted result: sorting per folder costs more than
    the walk.
    """
    found: list[str] = []
    odd: list[tuple[str, str]] = []
    inside = os.path.realpath(root or os.path.dirname(base)) + os.sep
    pending = [base]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:  # the hot loop of every warm run: tests inlined
                    name = entry.name
                    if not name.isascii() and _UNDECODABLE.search(name):
                        odd.append((entry.path, UNDECODABLE))
                    elif name[0] in SKIPPED_FIRST:  # is_skipped (scandir never yields '')
                        if _is_leftover(name):
                            odd.append((entry.path, LEFTOVER))
                    elif name.endswith(EVENT_SUFFIX):  # is_event_file_name
                        if entry.is_file(follow_symlinks=False):
                            found.append(entry.path)
                        elif entry.is_dir(follow_symlinks=False):
                            odd.append((entry.path, "a folder named like an event file; not read"))
                        else:
                            why = _why_not_read(entry, inside)
                            if why:
                                odd.append((entry.path, why))
                            else:
                                found.append(entry.path)
                    elif entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
        except OSError as exc:
            odd.append((folder, f"cannot read folder: {exc.strerror}"))
    found.sort()
    return found, odd


def listed_event_files(
    rels: Iterable[str], base: str
) -> tuple[list[str], list[tuple[str, str]]] | None:
    """What the walk of events/ would find, from a list of the files below the root (paths
    relative to `base`, '/'-separated, as git lists them): (event paths relative to the root,
    [(path, why it was not read)]). Whether each is a regular file is the caller's to check.
    None when a list cannot say what the walk would: a folder named like an event file, or a
    name that is not text."""
    found: list[str] = []
    odd: dict[str, str] = {}
    prefix = EVENTS_DIR + "/"
    for rel in rels:
        if not rel.startswith(prefix):
            continue
        if rel.endswith(EVENT_SUFFIX) and rel.isascii():  # the common case, tested whole
            if "/." not in rel and "/#" not in rel and ".toml/" not in rel:
                found.append(rel)
                continue
        elif not rel.isascii() and _UNDECODABLE.search(rel):
            return None
        parts = rel.split("/")
        for position in range(1, len(parts)):
            name = parts[position]
            if not name:
                return None
            if name[0] in SKIPPED_FIRST:  # the walk never enters or reads it
                if _is_leftover(name):
                    odd.setdefault(os.path.join(base, *parts[: position + 1]), LEFTOVER)
                break
            if position < len(parts) - 1:
                if name.endswith(EVENT_SUFFIX):
                    return None  # a folder named like an event file: the walk reports it
            elif name.endswith(EVENT_SUFFIX):
                found.append(rel)
    return found, sorted(odd.items())


def _why_not_read(entry: os.DirEntry[str], inside: str) -> str:
    """'' for a file the walk reads, else the reason it does not."""
    if entry.is_file(follow_symlinks=False):
        return ""
    if entry.is_symlink():
        target = os.path.realpath(entry.path)
        if not target.startswith(inside):
            return "a symbolic link that leaves the timeline; not read"
        if not os.path.isfile(target):
            return "a symbolic link to something that is not a regular file; not read"
        return ""
    kind = "a special file"
    try:
        kind = file_kind(entry.stat(follow_symlinks=False).st_mode)
    except OSError:
        pass
    return f"not a regular file ({kind}); not read"


def odd_problems(odd: list[tuple[str, str]], show: Callable[[str], str]) -> list[Problem]:
    """The walk's findings as Problems (leftover temporaries are warnings)."""
    problems = []
    for path, why in odd:
        if why.startswith("warning: "):
            problems.append(Problem(show(path), 1, 1, why[len("warning: ") :], severity="warning"))
        else:
            problems.append(Problem(show(path), 1, 1, why))
    return problems


def relative_to_root(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> str:
    """The path relative to the timeline root, with '/' (as events record it)."""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    return rel.replace(os.sep, "/")


def find_root(
    explicit: str | None,
    environ: Mapping[str, str],
    cwd: Path,
    explicit_name: str = "the root folder",
    hint: str = "Set ORBIT_ROOT, or create one with: orbit init DIR",
) -> Path:
    """The explicit folder, else ORBIT_ROOT, else the nearest folder upward holding orbit.toml
    or events/. `explicit_name` and `hint` word the errors (the CLI names its option)."""
    for given, origin in ((explicit, explicit_name), (environ.get("ORBIT_ROOT"), "ORBIT_ROOT")):
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
        hint=hint,
    )


def display_path(path: Path, cwd: Path | None = None) -> str:
    """The path as the user should see it: relative to the working folder when inside it."""
    base = os.path.abspath(cwd or os.getcwd())
    full = os.path.abspath(path)
    prefix = base.rstrip(os.sep) + os.sep
    if full.startswith(prefix):
        return full[len(prefix) :]
    return str(path)


def shown_relative(root: Path, show: Callable[[Path], str] = display_path) -> Callable[[str], str]:
    """How a path relative to the root is shown (relative to the working folder by default)."""
    base = os.path.abspath(root)
    if show is not display_path:
        return lambda rel: show(Path(base) / rel)
    # The common case, without a Path object per file.
    cwd = os.path.abspath(os.getcwd())
    if base == cwd:
        prefix = ""
    elif base.startswith(cwd.rstrip(os.sep) + os.sep):
        prefix = base[len(cwd.rstrip(os.sep)) + 1 :] + os.sep
    else:
        prefix = str(root).rstrip(os.sep) + os.sep
    return lambda rel: prefix + rel
