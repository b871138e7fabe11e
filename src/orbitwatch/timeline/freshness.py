"""Which index entries still hold for the event files on disk: git's word, stat keys and the
tree signature.

In a git work tree, git says which files are the ones its index records (their content is the
blob id it holds) and which differ or are untracked; an entry holds while its content key is
that blob id. Other files, and every file outside git, are judged by stat: an entry holds while
the file's (size, mtime_ns, ctime_ns, inode) is the one stored. The tree signature, one hash of
what was asked (git's answers and the stats taken), proves at once that every entry holds.
Reads file metadata, git's index and ours; never a file's content.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from orbitwatch.files.walk import EVENTS_DIR, event_files, listed_event_files
from orbitwatch.git.worktree import WorkTreeState, work_tree_state

if TYPE_CHECKING:
    from orbitwatch.timeline.index import Index

StatTuple = tuple[int, int, int, int]  # (size, mtime_ns, ctime_ns, inode)


@dataclass(frozen=True)
class Survey:
    """The event files of a timeline as found now, in path order: where to read each, its
    path relative to the root, the stat taken (None when git vouches for its content, or it
    could not be stat-ed), the blob id git vouches for ('' when none), the walk's findings,
    and the tree signature (None when a file could not be stat-ed)."""

    files: list[str]
    rels: list[str]
    keys: list[StatTuple | None]
    blobs: list[str]
    odd: list[tuple[str, str]]
    signature: str | None
    by_git: bool = False
    plain: str = ""  # the digest of git's answer when it lists plain event files only


def survey(root: Path | str, use_git: bool = True, plain: str | None = None) -> Survey:
    """The event files and what proves each entry fresh: git's answer when the root is in a
    git work tree and git answers without doubt, else a walk and a stat of every file.
    `plain` is the digest of an earlier git answer found plain (Survey.plain): the same
    answer is read without a look at each entry."""
    base = os.path.abspath(root)
    if use_git and not os.path.islink(os.path.join(base, EVENTS_DIR)):
        state = work_tree_state(Path(base), EVENTS_DIR, _git_timeout())
        if state is not None:
            found = git_survey(base, state, plain == state.digest)
            if found is not None:
                return found
    return walk_survey(base)


def _git_timeout() -> float:
    try:
        return max(1.0, float(os.environ.get("ORBIT_GIT_TIMEOUT", "60")))
    except ValueError:
        return 60.0


def walk_survey(base: str) -> Survey:
    """Walk events/ and stat every file (the way outside git)."""
    files, odd = event_files(os.path.join(base, EVENTS_DIR), base)
    cut = len(base.rstrip(os.sep)) + 1  # a root of '/' keeps the 'e' of /events
    rels = (
        [f[cut:] for f in files] if os.sep == "/" else [f[cut:].replace(os.sep, "/") for f in files]
    )
    keys = stat_all(files)
    return Survey(files, rels, keys, [""] * len(rels), odd, tree_signature(rels, keys))


# A tracked regular file at stage 0 with a SHA-1 blob id, as `ls-files -s -v` lists it (tag H:
# neither assume-unchanged nor skip-worktree); its path starts at a fixed offset.
_PLAIN_ENTRY = re.compile("H 100(?:644|755) [0-9a-f]{40} 0\t")
_PATH_AT = len("H 100644 ") + 40 + len(" 0\t")


def git_survey(base: str, state: WorkTreeState, known_plain: bool = False) -> Survey | None:
    """The survey from git's answer: files git tracks and finds unchanged are vouched for by
    their blob id; changed, untracked, unmerged, assume-unchanged and skip-worktree files are
    stat-ed. None (walk instead) for what git does not list as the walk reads it: symbolic
    links, submodules, nested repositories, files that are no longer regular."""
    text = state.entries.decode("utf-8", "surrogateescape")
    entries = text.split("\0")
    if entries[-1] == "":
        entries.pop()
    if known_plain or all(map(_PLAIN_ENTRY.match, entries)):  # no loop in Python
        all_plain = True  # (known: these very bytes were found plain before)
        tracked = [entry[_PATH_AT:] for entry in entries]
        tracked_blobs = [entry[9:49] for entry in entries]
    else:
        parsed = _tracked(entries)
        if parsed is None:
            return None
        all_plain, (tracked, tracked_blobs) = False, parsed
    if state.changed:
        where = {rel: at for at, rel in enumerate(tracked)}
        for rel in state.changed:
            if rel in where:
                tracked_blobs[where[rel]] = ""
    if any(rel.endswith("/") for rel in state.untracked):
        return None  # a nested repository git does not enter, but the walk does
    common = known_plain or (  # every tracked path an event file the walk would read
        text.isascii()
        and "/." not in text
        and "/#" not in text
        and ".toml/" not in text
        and text.count(".toml\0") == len(entries)
        and text.count("\t" + EVENTS_DIR + "/") == len(entries)
    )
    odd: list[tuple[str, str]] = []
    plain = ""
    if common and not state.untracked:
        rels, blobs = tracked, tracked_blobs
        plain = state.digest if all_plain else ""
    else:
        vouched = dict(zip(tracked, tracked_blobs, strict=True))
        for rel in state.untracked:
            vouched[rel] = ""
        listed = listed_event_files(vouched, base)
        if listed is None:
            return None
        rels, odd = listed
        rels.sort()
        blobs = [vouched[rel] for rel in rels]
    prefix = base.rstrip(os.sep) + os.sep
    if os.sep == "/":
        files = [prefix + rel for rel in rels]
    else:
        files = [prefix + rel.replace("/", os.sep) for rel in rels]
    stats = _stat_unvouched(files, rels, blobs)
    if stats is None:
        return None
    keys, kept, stated, unreadable = stats
    if not all(kept):
        files = [item for item, keep in zip(files, kept, strict=True) if keep]
        rels = [item for item, keep in zip(rels, kept, strict=True) if keep]
        keys = [item for item, keep in zip(keys, kept, strict=True) if keep]
        blobs = [item for item, keep in zip(blobs, kept, strict=True) if keep]
    import hashlib

    signature = None
    if not unreadable:
        digest = hashlib.sha256(f"git\0{state.digest}\0".encode())
        digest.update("\0".join(stated).encode("utf-8", "surrogateescape"))
        signature = "git:" + digest.hexdigest()
    return Survey(files, rels, keys, blobs, odd, signature, by_git=True, plain=plain)


def _tracked(entries: list[str]) -> tuple[list[str], list[str]] | None:
    """(paths, the blob id git vouches for or '') of `ls-files -s -v` entries; None for a
    symbolic link or a submodule (the walk decides what they hold)."""
    tracked: list[str] = []
    blobs: list[str] = []
    for entry in entries:
        head, _, rel = entry.partition("\t")
        fields = head.split(" ")
        if len(fields) != 4 or fields[1] in ("120000", "160000"):
            return None
        plain = fields[0] == "H" and fields[3] == "0"  # else only stat can tell
        if tracked and tracked[-1] == rel:  # an unmerged file: one entry per stage
            blobs[-1] = ""
            continue
        tracked.append(rel)
        blobs.append(fields[2] if plain else "")
    return tracked, blobs


def _stat_unvouched(
    files: list[str], rels: list[str], blobs: list[str]
) -> tuple[list[StatTuple | None], list[bool], list[str], bool] | None:
    """lstat the files git does not vouch for: (stats, which still exist, 'path\\0stat' of
    each for the signature, whether one could not be stat-ed); None when one is no longer a
    regular file (a link, a folder or a special file: the walk words it)."""
    keys: list[StatTuple | None] = [None] * len(rels)
    stated: list[str] = []
    kept = [True] * len(rels)
    unreadable = False
    for position in [at for at, blob in enumerate(blobs) if not blob] if "" in blobs else ():
        try:
            found = os.lstat(files[position])
        except FileNotFoundError:
            kept[position] = False  # gone (deleted, or not checked out): not an event file
            continue
        except OSError:
            unreadable = True  # parsed (and its problem said) every time: no signature
            continue
        if not stat.S_ISREG(found.st_mode):
            return None
        now = (found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino)
        keys[position] = now
        stated.append(f"{rels[position]}\0{stat_key(now)}")
    return keys, kept, stated, unreadable


def stat_all(paths: list[str]) -> list[StatTuple | None]:
    """stat every file. Serial on purpose: measured, threads were slower (the GIL is taken
    back after every short system call), 0.37 s with 2 threads against 0.34 s for 100,000."""
    found: list[StatTuple | None] = []
    stat_of = os.stat  # follows the symbolic links the walker accepted, so target edits count
    for path in paths:
        try:
            st = stat_of(path)
            found.append((st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
        except OSError:
            found.append(None)
    return found


def stat_key(found: StatTuple) -> str:
    """The index's text form of a file's stat: 'size:mtime_ns:ctime_ns:inode'."""
    return f"{found[0]}:{found[1]}:{found[2]}:{found[3]}"


def tree_signature(rels: Sequence[str], keys: Sequence[StatTuple | None]) -> str | None:
    """One hash of every (path, stat) of the walk; None when a file could not be stat-ed.
    Equal to the one stored when the index last matched the tree file for file, it proves the
    index still does, without a lookup per file."""
    import hashlib
    import marshal

    if any(key is None for key in keys):
        return None
    digest = hashlib.sha256("\0".join(rels).encode("utf-8", "surrogateescape"))  # no name has NUL
    digest.update(marshal.dumps(list(keys)))
    return digest.hexdigest()


def freshness(db: Index, found: Survey) -> tuple[set[str], list[int], dict[str, str]]:
    """(paths whose entry is fresh, positions to parse, the index's stat keys; {} when the
    tree signature proves every entry fresh without asking). An entry is fresh when git
    vouches for the content it was parsed from, or else when its file's stat is the one
    stored; positions to parse get their stat taken (the row stored for them needs it)."""
    rels, keys, blobs = found.rels, found.keys, found.blobs
    if found.signature is not None and db.signature() == found.signature:
        return set(rels), [], {}  # the index holds exactly these files, each as it is now
    fresh: set[str] = set()
    todo: list[int] = []
    entries = db.entries()
    for position, (rel, key, blob) in enumerate(zip(rels, keys, blobs, strict=True)):
        have = entries.get(rel)
        if have is None:
            todo.append(position)
        elif blob and have[1] == blob:
            fresh.add(rel)
        else:
            if key is None and blob:  # git's blob is not the one parsed: a filter, or a change
                key = keys[position] = _stat_one(found.files[position])
            if key is not None and have[0] == stat_key(key):
                fresh.add(rel)
            else:
                todo.append(position)
    for position in todo:
        if keys[position] is None:
            keys[position] = _stat_one(found.files[position])
    return fresh, todo, {rel: have[0] for rel, have in entries.items()}


def _stat_one(path: str) -> StatTuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def settle(
    db: Index,
    signature: str | None,
    changed: list[tuple[object, ...]],
    removed: list[str],
    parsed_any: bool,
    known: dict[str, str],
) -> str | None:
    """Write the last entries; the tree signature when the index now holds every file as it
    is (stored with the entries, in one transaction), else None."""
    if signature is None:
        if changed or removed:
            db.update(changed, removed)
        return None
    if changed or removed:
        return signature if db.update(changed, removed, signature) else None
    if parsed_any or known:  # written in batches, or found unchanged file by file
        db.set_signature(signature)
    return signature  # (else the signature proved it, and is stored already)
