"""Git revisions: resolve a revision safely and read a timeline's files as they were there.

Runs git (no shell, no pager, no prompt, a timeout) and returns bytes; parsing is load.py's.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from orbitwatch.files.walk import EVENTS_DIR, SETTINGS_FILE, SILENCES_FILE, is_event_path
from orbitwatch.model.errors import OrbitError


def _git_timeout() -> float:
    try:
        return float(os.environ.get("ORBIT_GIT_TIMEOUT", "60"))
    except ValueError:
        return 60.0


def _git(root: Path, args: list[str], input_data: bytes | None = None) -> bytes:
    """Run git with arguments as data: no shell, no pager, no prompt, a timeout."""
    import subprocess

    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "GIT_OPTIONAL_LOCKS": "0",
    }
    try:
        result = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=root,
            env=env,
            input=input_data,
            stdin=None if input_data is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=_git_timeout(),
            check=False,
        )
    except FileNotFoundError:
        raise OrbitError("git is not installed (needed to read a revision)") from None
    except subprocess.TimeoutExpired:
        raise OrbitError(
            f"git did not answer within {_git_timeout():g} s (git {args[0]}); "
            "set ORBIT_GIT_TIMEOUT to wait longer"
        ) from None
    except OSError as exc:
        raise OrbitError(f"cannot run git: {exc.strerror}") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _GitFailed(message[-1] if message else f"git {args[0]} failed")
    return result.stdout


class _GitFailed(OrbitError):
    pass


_resolved: dict[tuple[str, str], str] = {}


def forget_revisions() -> None:
    """Revisions move between runs (a new commit); resolve afresh for each command."""
    _resolved.clear()


def resolve_revision(root: Path, revision: str) -> str:
    """The commit hash a revision names, or a clear error; a leading '-' is never an option."""
    if not revision or revision.startswith("-"):
        raise OrbitError(f"'{revision}' is not a revision: revisions may not start with '-'")
    if "\x00" in revision or "\n" in revision:
        raise OrbitError(f"{revision!r} is not a revision")
    try:
        _git(root, ["rev-parse", "--is-inside-work-tree"])
    except _GitFailed:
        raise OrbitError(
            f"{root} is not in a git repository, so '{revision}' cannot be read",
            hint="Give two timeline folders instead, or run git init.",
        ) from None
    key = (os.path.abspath(root), revision)
    if key in _resolved:  # each revision is resolved once; only its hash is used afterwards
        return _resolved[key]
    try:
        out = _git(
            root, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"]
        )
    except _GitFailed:
        raise OrbitError(f"'{revision}' does not name a commit in {root}") from None
    commit = out.decode().strip()
    if not re.fullmatch(r"[0-9a-f]{40}([0-9a-f]{24})?", commit):
        raise OrbitError(f"git answered {commit!r} for '{revision}'; expected a commit hash")
    _resolved[key] = commit
    return commit


@dataclass(frozen=True, slots=True)
class RevisionListing:
    """A timeline's files at a commit as blob hashes: what changed between two commits is
    which (path, blob) pairs differ, without reading a byte of content."""

    commit: str
    settings: str | None  # the blob of orbit.toml, None if absent
    events: list[tuple[str, str]]  # (path relative to the timeline root, blob hash), path order
    silences: str | None = None  # the blob of silences.toml, None if absent


def repository_prefix(root: Path) -> str:
    """The timeline root's path inside its repository ('' at the top, else 'a/b/')."""
    return _git(root, ["rev-parse", "--show-prefix"]).decode("utf-8").strip()


def list_revision(root: Path, commit: str, prefix: str | None = None) -> RevisionListing:
    """The blobs of orbit.toml and the event files at a commit (one ls-tree); `prefix` is
    repository_prefix(root) when the caller knows it already."""
    if prefix is None:
        prefix = repository_prefix(root)
    listing = _git(
        root,
        [
            "ls-tree",
            "-r",
            "-z",
            "--full-tree",
            commit,
            "--",
            f"{prefix}{SETTINGS_FILE}",
            f"{prefix}{SILENCES_FILE}",
            f"{prefix}{EVENTS_DIR}",
        ],
    )
    settings: str | None = None
    silences: str | None = None
    events: list[tuple[str, str]] = []
    for entry in listing.split(b"\x00"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, blob = meta.decode().split()
        rel = name.decode("utf-8", "surrogateescape")[len(prefix) :]
        if kind != "blob" or mode == "120000":  # symbolic links are not followed in a revision
            continue
        if rel == SETTINGS_FILE:
            settings = blob
        elif rel == SILENCES_FILE:
            silences = blob
        elif is_event_path(rel):
            events.append((rel, blob))
    return RevisionListing(commit, settings, events, silences)


Change = tuple[str, "str | None"]  # (path relative to the root, its new blob; None: gone)


def tree_changes(root: Path, pairs: list[tuple[str, str]], prefix: str) -> list[list[Change]]:
    """What changed in orbit.toml, silences.toml and the event files from the first commit
    of each pair to the second, for many pairs with one `git diff-tree --stdin` (no rename
    detection: a rename is a removal and an addition). A symbolic link or a submodule is
    'gone', as list_revision leaves them out."""
    if not pairs:
        return []
    lines = "".join(f"{new} {old}\n" for old, new in pairs).encode()
    paths = [f":(top,literal){prefix}{name}" for name in (SETTINGS_FILE, SILENCES_FILE, EVENTS_DIR)]
    raw = _git(
        root, ["diff-tree", "--stdin", "--always", "-r", "-z", "--no-renames", "--", *paths], lines
    )
    found: list[list[Change]] = []
    tokens = raw.split(b"\x00")
    position = 0
    while position < len(tokens):
        token = tokens[position]
        position += 1
        if not token:
            continue
        if not token.startswith(b":"):  # the header of the next pair
            found.append([])
            continue
        _, mode, _, blob, _ = token[1:].decode().split(" ")
        rel = tokens[position].decode("utf-8", "surrogateescape")[len(prefix) :]
        position += 1
        gone = mode in ("000000", "120000", "160000") or set(blob) == {"0"}
        found[-1].append((rel, None if gone else blob))
    if len(found) != len(pairs):
        raise OrbitError(f"git diff-tree answered {len(found)} of {len(pairs)} commits")
    return found


def cat_blobs(root: Path, hashes: list[str]) -> list[bytes]:
    """The contents of blobs, in order, from one `git cat-file --batch`."""
    contents = cat_objects(root, hashes)
    missing = [name for name, data in zip(hashes, contents, strict=True) if data is None]
    if missing:
        raise OrbitError(f"git has no object {missing[0]}")
    return [data for data in contents if data is not None]


def cat_objects(root: Path, names: list[str]) -> list[bytes | None]:
    """The contents of objects named by hash or `commit:path`, in order, from one
    `git cat-file --batch`; None for a name git does not know."""
    if not names:
        return []
    raw = _git(root, ["cat-file", "--batch"], ("\n".join(names) + "\n").encode())
    contents: list[bytes | None] = []
    position = 0
    for _ in names:
        newline = raw.index(b"\n", position)
        header = raw[position:newline].split()
        start = newline + 1
        if len(header) != 3 or header[-1] in (b"missing", b"ambiguous"):
            contents.append(None)
            position = start
            continue
        size = int(header[2])
        contents.append(raw[start : start + size])
        position = start + size + 1
    return contents


def run_git(root: Path, args: list[str]) -> bytes:
    """git's output for arguments given as data (see _git); a failure is an OrbitError."""
    return _git(root, args)
