"""The timeline's own history in git: the commits of the current branch, the commit a moment
(a date or a revision) names, the day each event file entered the timeline, every revision of
one file. Reads git's log through gitrev.py; parsing event files is load.py's; never prints.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from orbitwatch.files.walk import EVENTS_DIR, SETTINGS_FILE
from orbitwatch.git.revisions import cat_objects, repository_prefix, resolve_revision, run_git
from orbitwatch.model.dates import (
    DAYS_RANGE,
    MONTH_WORDS,
    DateError,
    in_range,
    parse_iso,
    parse_written,
    relative_day,
)
from orbitwatch.model.errors import OrbitError

# One log record: a marker, then the fields split by a separator. A commit's subject and names
# may hold any control byte (\x01, \x1f), so both carry a nonce drawn for each run: committed
# text cannot foresee it.
FIELDS = ("%H", "%cs", "%an", "%ae", "%cn", "%ce", "%s")
STATUS = {"A": "added", "M": "modified", "R": "renamed", "C": "copied", "D": "deleted"}


@dataclass(frozen=True, slots=True)
class Commit:
    hash: str
    day: dt.date  # the committer date, as written in the committer's own time zone
    author: str
    author_email: str
    committer: str
    committer_email: str
    subject: str
    written: str = ""  # the committer day as git wrote it, when no date can hold it (10000-01-01)

    @property
    def short(self) -> str:
        return self.hash[:10]

    @property
    def day_text(self) -> str:
        """The committer day for people: as git wrote it (a year past 9999 included)."""
        return self.written or self.day.isoformat()


@dataclass(frozen=True, slots=True)
class Change:
    """What one commit did to one file; paths are relative to the timeline root."""

    status: str  # added | modified | renamed | copied | deleted
    path: str  # the path after the commit (for a deletion: the path removed)
    old_path: str = ""  # the path before a rename or copy


def _commit(header: str, separator: str) -> Commit:
    hash_, day, author, author_email, committer, committer_email, subject = header.split(
        separator, 6
    )
    try:
        parsed, written = dt.date.fromisoformat(day), ""
    except ValueError:  # a committer date past year 9999 (git takes @253402300800): the end
        parsed, written = dt.date.max, day  # of time for ordering, its own text for people
    return Commit(hash_, parsed, author, author_email, committer, committer_email, subject, written)


def _log(
    root: Path, args: list[str], name_status: bool = True
) -> list[tuple[Commit, list[Change]]]:
    """`git log`, parsed: each commit with its changes below the timeline (with name_status)."""
    prefix = repository_prefix(root)
    nonce = secrets.token_hex(8)
    mark, separator = f"%x01{nonce}%x02", f"%x1f{nonce}%x1f"
    log_format = mark + separator.join(FIELDS)
    options = ["-z", f"--format={log_format}", *(["--name-status"] if name_status else [])]
    raw = run_git(root, ["--literal-pathspecs", "log", *options, *args])
    found: list[tuple[Commit, list[Change]]] = []
    for record in raw.decode("utf-8", "surrogateescape").split(f"\x01{nonce}\x02")[1:]:
        header, _, rest = record.partition("\x00")
        tokens = [token.lstrip("\n") for token in rest.split("\x00")]
        changes: list[Change] = []
        position = 0
        while position < len(tokens):
            letter = tokens[position][:1]
            if letter not in STATUS:
                position += 1
                continue
            paths = tokens[position + 1 : position + (3 if letter in "RC" else 2)]
            position += 1 + len(paths)
            if paths and all(p.startswith(prefix) for p in paths):
                rels = [p[len(prefix) :] for p in paths]
                old = rels[0] if len(rels) == 2 else ""
                changes.append(Change(STATUS[letter], rels[-1], old))
        found.append((_commit(header.strip("\n"), f"\x1f{nonce}\x1f"), changes))
    return found


def branch_commits(root: Path, tip: str = "HEAD") -> list[Commit]:
    """The commits of the branch that ends at `tip`, following first parents, oldest first:
    the states the branch itself went through (a merged branch's own commits are not)."""
    commit = resolve_revision(root, tip)
    log = _log(root, ["--first-parent", "--reverse", commit, "--"], name_status=False)
    return [c for c, _ in log]


def commit_info(root: Path, revision: str) -> Commit:
    commit = resolve_revision(root, revision)
    return _log(root, ["-1", commit, "--"], name_status=False)[0][0]


def moment_day(text: str, today: dt.date) -> dt.date | None:
    """The day a moment names when it is a date (the last day of a month or year, 'today',
    '30d'), else None: the text is then a revision. A date that reads as a revision too (a
    four-digit year is also a short hash) is a date."""
    relative = relative_day(text, today)
    if relative is not None:
        return relative
    iso = parse_iso(text.strip())
    if iso is not None:
        return iso.last_day
    if MONTH_WORDS.search(text) and re.search(r"(?<!\d)\d{4}(?!\d)", text):
        try:
            return parse_written(text).last_day
        except DateError:
            return None
    return None


@dataclass(frozen=True, slots=True)
class KnownAt:
    """A moment of the timeline's history: the commit that was current, and the day it
    stands for (the date given, or the commit's own day for a revision)."""

    text: str
    commit: Commit
    day: dt.date


def known_at(root: Path, text: str, today: dt.date) -> KnownAt:
    """The last commit on the current branch dated on or before a date, or a revision; a
    day outside the days orbit works with (given, or a revision's) is an error."""
    try:
        day = moment_day(text, today)
    except DateError as exc:
        raise OrbitError(str(exc)) from None
    if day is None:
        commit = commit_info(root, text)
        if not in_range(commit.day, commit.day):
            raise OrbitError(
                f"commit {commit.short} is dated {commit.day_text}, outside {DAYS_RANGE}",
                hint="Give a date instead: the last commit on or before it is read.",
            )
        return KnownAt(text, commit, commit.day)
    if not in_range(day, day):
        raise OrbitError(f"{day.isoformat()} is outside {DAYS_RANGE}")
    commits = branch_commits(root)
    chosen = [c for c in commits if c.day <= day]
    if not chosen:
        first = commits[0]
        raise OrbitError(
            f"no commit of this branch is dated on or before {day.isoformat()}: the first "
            f"commit ({first.short}) is from {first.day.isoformat()}",
            hint=f"Give a date on or after {first.day.isoformat()}.",
        )
    return KnownAt(text, chosen[-1], day)


def entered(root: Path, tip: str = "HEAD") -> dict[str, Commit]:
    """For each event file at `tip` (path relative to the timeline root), the commit of the
    branch that first added it, following renames; a file deleted and added back keeps its
    first commit."""
    commit = resolve_revision(root, tip)
    origin: dict[str, Commit] = {}
    gone: dict[str, Commit] = {}
    log = _log(root, ["--first-parent", "--reverse", "-M", commit, "--", EVENTS_DIR])
    for current, changes in log:
        for change in changes:
            if change.status == "added":
                origin[change.path] = gone.pop(change.path, current)
            elif change.status == "deleted" and change.path in origin:
                gone[change.path] = origin.pop(change.path)
            elif change.status == "renamed":
                origin[change.path] = origin.pop(change.old_path, current)
            elif change.status == "copied":
                origin[change.path] = current
    return origin


@dataclass(frozen=True, slots=True)
class FileRevision:
    """One commit that touched a file, with the file's and orbit.toml's content after it
    (None for a deletion, or when orbit.toml was absent)."""

    commit: Commit
    change: Change
    content: bytes | None
    settings: bytes | None


def file_history(root: Path, rel: str, tip: str = "HEAD") -> list[FileRevision]:
    """Every commit that touched one event file, following renames, oldest first; contents
    read with one `git cat-file --batch`."""
    commit = resolve_revision(root, tip)
    log = _log(root, ["--follow", "-M", commit, "--", rel])
    touched = [(c, changes[0]) for c, changes in reversed(log) if changes]
    prefix = repository_prefix(root)
    names: list[str] = []
    for c, change in touched:
        if change.status != "deleted":
            names.append(f"{c.hash}:{prefix}{change.path}")
        names.append(f"{c.hash}:{prefix}{SETTINGS_FILE}")
    contents = iter(cat_objects(root, names))
    return [
        FileRevision(
            c, change, None if change.status == "deleted" else next(contents), next(contents)
        )
        for c, change in touched
    ]
