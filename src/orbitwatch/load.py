"""Find the timeline root and read its orbit.toml and events/ into values and Problems.

Reads files; never prints. Every failure of one file becomes a located Problem and the rest load.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from orbitwatch.check import check_duplicates, check_event
from orbitwatch.errors import OrbitError, Problem
from orbitwatch.model import Event, Prefilter, sort_events
from orbitwatch.settings import Settings, parse_settings


def _toml_parser():  # type: ignore[no-untyped-def]
    """The compiled tomli where installed (several times faster, same errors), else tomllib."""
    try:
        import tomli as parser
    except ImportError:  # pragma: no cover - tomli is a dependency, tomllib the fallback
        import tomllib as parser
    return parser


MAX_FILE_BYTES = 1024 * 1024
MAX_LINE_BYTES = 16 * 1024  # some one-line inputs make TOML parsers take seconds
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
    parsed: int = 0  # files parsed this time (the rest came from the index)
    partial: bool = False  # a prefilter left out events that cannot match the query


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
    base = os.path.abspath(cwd or os.getcwd())
    full = os.path.abspath(path)
    prefix = base.rstrip(os.sep) + os.sep
    if full.startswith(prefix):
        return full[len(prefix) :]
    return str(path)


def read_toml(
    path: Path, shown: str, data: bytes | None = None
) -> tuple[str, dict[str, object] | None, list[Problem]]:
    """(text, table, problems) for one TOML file; table is None when it cannot be used.

    Caps come before parsing: only a regular file is read (opened non-blocking, so a FIFO can
    never hang us), at most MAX_FILE_BYTES + 1 bytes, and no line over MAX_LINE_BYTES. Whatever
    the parser raises becomes a located problem.
    """
    if data is None:
        try:
            data = _read_regular(path)
        except OSError as exc:
            return "", None, [Problem(shown, 1, 1, f"cannot read: {exc.strerror or exc}")]
        except _NotRegular as exc:
            return "", None, [Problem(shown, 1, 1, str(exc))]
    if len(data) > MAX_FILE_BYTES:
        return "", None, [Problem(shown, 1, 1, f"file is larger than {MAX_FILE_BYTES} bytes")]
    if b"\x00" in data:
        line, col = _position(data, data.index(b"\x00"))
        return "", None, [Problem(shown, line, col, "file contains a NUL byte (binary file?)")]
    if len(data) > MAX_LINE_BYTES:
        start = 0
        for number, line_bytes in enumerate(data.split(b"\n"), start=1):
            if len(line_bytes) > MAX_LINE_BYTES:
                return (
                    "",
                    None,
                    [
                        Problem(
                            shown,
                            number,
                            1,
                            f"line {number} is longer than "
                            f"{MAX_LINE_BYTES} bytes; split it (TOML multi-line "
                            'strings: """...""")',
                        )
                    ],
                )
            start += len(line_bytes) + 1
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        return "", None, [Problem(shown, line, col, "file is not valid UTF-8")]
    toml_parser = _toml_parser()
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
    except RecursionError:
        return text, None, [Problem(shown, 1, 1, "invalid TOML: nested too deeply")]
    except Exception as exc:  # noqa: BLE001 - the parser may raise anything on hostile input
        return text, None, [Problem(shown, 1, 1, f"invalid TOML ({type(exc).__name__})")]
    return text, table, []


class _NotRegular(Exception):
    pass


def _read_regular(path: Path) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _NotRegular(f"not a regular file ({_kind(info.st_mode)}); not read")
        # Ask for the size fstat gives plus one byte: a short read is the end of the file, so
        # no second read (and no 1 MiB buffer per file) is needed in the usual case.
        want = min(info.st_size, MAX_FILE_BYTES) + 1
        data = os.read(fd, want)
        if len(data) < want:
            return data
        chunks = [data]  # the file grew since fstat: read on, up to the cap
        remaining = MAX_FILE_BYTES + 1 - len(data)
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return name
    return "not a file"


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    col = offset - (before.rfind(b"\n") + 1) + 1
    return line, col


def _event_file_names(
    base: str, root: str | None = None
) -> tuple[list[str], list[tuple[str, str]]]:
    """(paths of *.toml event files under base, [(path, why it was not read)]).

    Names starting with '.' or '#' are skipped (editor debris never ends in '.toml'), except
    that our own leftover temporaries are reported. Only regular files are read; a symbolic
    link only when it resolves to a regular file inside the timeline. Unsorted walk, sorted
    result: sorting per folder costs more than the walk.
    """
    found: list[str] = []
    odd: list[tuple[str, str]] = []
    inside = os.path.realpath(root or os.path.dirname(base)) + os.sep
    pending = [base]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    name = entry.name
                    if name[0] in ".#":
                        if name.startswith(".import-") or (
                            name[0] == "." and name.endswith(".tmp")
                        ):
                            odd.append(
                                (
                                    entry.path,
                                    "warning: leftover temporary file from an "
                                    "interrupted write; not read (safe to delete)",
                                )
                            )
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        if name.endswith(".toml"):
                            odd.append((entry.path, "a folder named like an event file; not read"))
                        else:
                            pending.append(entry.path)
                    elif name.endswith(".toml"):
                        if entry.is_file(follow_symlinks=False):
                            found.append(entry.path)
                        elif entry.is_symlink():
                            target = os.path.realpath(entry.path)
                            if not target.startswith(inside):
                                odd.append(
                                    (
                                        entry.path,
                                        "a symbolic link that leaves the timeline; not read",
                                    )
                                )
                            elif not os.path.isfile(target):
                                odd.append(
                                    (
                                        entry.path,
                                        "a symbolic link to something that is "
                                        "not a regular file; not read",
                                    )
                                )
                            else:
                                found.append(entry.path)
                        else:
                            kind = "a special file"
                            try:
                                kind = _kind(entry.stat(follow_symlinks=False).st_mode)
                            except OSError:
                                pass
                            odd.append((entry.path, f"not a regular file ({kind}); not read"))
        except OSError as exc:
            odd.append((folder, f"cannot read folder: {exc.strerror}"))
    found.sort()
    return found, odd


def _odd_problems(odd: list[tuple[str, str]], show: Callable[[str], str]) -> list[Problem]:
    problems = []
    for path, why in odd:
        if why.startswith("warning: "):
            problems.append(Problem(show(path), 1, 1, why[len("warning: ") :], severity="warning"))
        else:
            problems.append(Problem(show(path), 1, 1, why))
    return problems


def load_settings(
    root: Path, show: Callable[[Path], str] = display_path
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
    path: Path, shown: str, settings: Settings, data: bytes | None = None, rel: str = ""
) -> tuple[Event | None, list[Problem]]:
    """One event file: the Event (its path is `rel`, relative to the root) or its problems."""
    text, raw, problems = read_toml(path, shown, data)
    if raw is None:
        return None, problems
    stem = (
        os.path.basename(str(path))[: -len(".toml")]
        if str(path).endswith(".toml")
        else os.path.basename(str(path))
    )
    return check_event(
        shown, text, raw, stem, settings.tags, event_path=rel or shown, blocs=settings.blocs or ()
    )


def relative_to_root(root: Path, path: Path | str) -> str:
    """The path relative to the timeline root, with '/' (as events record it)."""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    return rel.replace(os.sep, "/")


def load_timeline(
    root: Path,
    only: Iterable[Path] | None = None,
    show: Callable[[Path], str] = display_path,
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
    prefilter: Prefilter | None = None,
) -> Timeline:
    """The timeline (or only the given files): sorted events, problems in path order.

    With the cache (the default for whole timelines), files whose (size, mtime, ctime, inode)
    match the index are not parsed again; the rest are parsed, in worker processes when many.
    A prefilter may leave out events that cannot match (the Timeline is then `partial`).
    """
    settings, problems = load_settings(root, show)
    base = os.path.abspath(root)
    if show is display_path:  # the common case, without a Path object per file
        cwd = os.path.abspath(os.getcwd())
        if base == cwd:
            prefix = ""
        elif base.startswith(cwd.rstrip(os.sep) + os.sep):
            prefix = base[len(cwd.rstrip(os.sep)) + 1 :] + os.sep
        else:
            prefix = str(root).rstrip(os.sep) + os.sep

        def show_rel(rel: str) -> str:
            return prefix + rel
    else:

        def show_rel(rel: str) -> str:
            return show(Path(base) / rel)

    index = None
    if only is None and use_cache and os.environ.get("ORBIT_NO_CACHE", "") in ("", "0"):
        from orbitwatch import index as cache

        index = cache.Index.open(root, _settings_hash(root))
    if index is None:
        odd: list[tuple[str, str]] = []
        if only is not None:
            files = [str(p) for p in only]
        else:
            files, odd = _event_file_names(os.path.join(base, EVENTS_DIR), base)
        problems.extend(_odd_problems(odd, lambda p: show(Path(p))))
        rels = [relative_to_root(root, f) for f in files]
        results = _parse_all(
            files,
            [
                show(Path(f)) if only is not None else show_rel(r)
                for f, r in zip(files, rels, strict=True)
            ],
            rels,
            settings,
            progress,
        )
        events = [event for event, _, _ in results if event is not None]
        for _, file_problems, _ in results:
            problems.extend(file_problems)
        events, duplicates = check_duplicates(events, show_rel)
        problems.extend(duplicates)
        problems.sort(key=lambda p: (p.path, p.line, p.col))
        return Timeline(root, settings, sort_events(events), problems, len(files))
    try:
        events, more, parsed = _load_indexed(root, settings, index, show_rel, progress, prefilter)
    finally:
        index.close()
    problems.extend(more)
    problems.sort(key=lambda p: (p.path, p.line, p.col))
    return Timeline(
        root, settings, sort_events(events), problems, parsed, partial=prefilter is not None
    )


def _settings_hash(root: Path) -> str:
    """Parse results depend on orbit.toml (the tag vocabulary): a change empties the index."""
    import hashlib

    try:
        data = (root / SETTINGS_FILE).read_bytes()
    except OSError:
        data = b""
    return hashlib.sha256(data).hexdigest()


POOL_THRESHOLD = 4000  # below this, starting worker processes costs more than it saves


def _pool_threshold() -> int:
    """ORBIT_POOL_THRESHOLD overrides it (tests use 1 to drive the worker path)."""
    try:
        return int(os.environ.get("ORBIT_POOL_THRESHOLD", POOL_THRESHOLD))
    except ValueError:
        return POOL_THRESHOLD


RACY_NS = 2_000_000_000  # files changed this recently are never cached (same-tick edits)


def _parse_blobs(args: tuple[list[str], list[str], list[str], Settings]) -> list[bytes]:
    """In a worker: parse and check, and hand back each result as one compact blob (the same
    bytes the index stores, so the parent neither re-encodes nor unpickles nested objects)."""
    from orbitwatch.index import dump, to_record

    paths, shown, rels, settings = args
    return [
        dump(to_record(*parse_event_file(Path(p), s, settings, rel=r)))
        for p, s, r in zip(paths, shown, rels, strict=True)
    ]


Parsed = tuple["Event | None", list[Problem], "bytes | None"]


def _parse_all(
    files: list[str],
    shown: list[str],
    rels: list[str],
    settings: Settings,
    progress: Callable[[int, int], None] | None,
) -> list[Parsed]:
    """Parse in file order; a small process pool for many files on a multi-core machine."""
    total = len(files)
    workers = min(4, os.cpu_count() or 1)
    if total < _pool_threshold() or workers < 2:
        results: list[Parsed] = []
        for position, (path, name, rel) in enumerate(zip(files, shown, rels, strict=True)):
            results.append((*parse_event_file(Path(path), name, settings, rel=rel), None))
            if progress is not None and position % 500 == 0:
                progress(position, total)
        return results
    import concurrent.futures

    from orbitwatch.index import from_record, load

    size = 1000
    chunks = [
        (files[i : i + size], shown[i : i + size], rels[i : i + size], settings)
        for i in range(0, total, size)
    ]
    results = []
    try:
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
            for chunk, blobs in zip(chunks, pool.map(_parse_blobs, chunks), strict=True):
                results.extend(
                    (*from_record(load(blob), name), blob)
                    for blob, name in zip(blobs, chunk[1], strict=True)
                )
                if progress is not None:
                    progress(len(results), total)
    except (OSError, concurrent.futures.process.BrokenProcessPool):
        return [
            (*parse_event_file(Path(p), s, settings, rel=r), None)
            for p, s, r in zip(files, shown, rels, strict=True)
        ]
    return results


def _stat_keys(paths: list[str]) -> list[tuple[str, int] | None]:
    """stat every file. Serial on purpose: measured, threads were slower (the GIL is taken
    back after every short system call), 0.37 s with 2 threads against 0.34 s for 100,000."""
    found: list[tuple[str, int] | None] = []
    stat_of = os.stat  # follows the symbolic links the walker accepted, so target edits count
    for path in paths:
        try:
            st = stat_of(path)
            mtime = st.st_mtime_ns
            found.append((f"{st.st_size}:{mtime}:{st.st_ctime_ns}:{st.st_ino}", mtime))
        except OSError:
            found.append(None)
    return found


def _load_indexed(
    root: Path,
    settings: Settings,
    index: object,
    show_rel: Callable[[str], str],
    progress: Callable[[int, int], None] | None,
    prefilter: Prefilter | None,
) -> tuple[list[Event], list[Problem], int]:
    import gc
    import time

    from orbitwatch import index as cache

    db: cache.Index = index  # type: ignore[assignment]
    base = os.path.abspath(root)
    files, odd = _event_file_names(os.path.join(base, EVENTS_DIR), base)
    cut = len(base) + 1
    rels = [f[cut:].replace(os.sep, "/") for f in files]
    gc_was_enabled = gc.isenabled()
    gc.disable()  # bulk work makes many objects; the collector would only slow it down
    try:
        now_ns = time.time_ns()
        known = db.keys()
        keys = _stat_keys(files)
        fresh: set[str] = set()
        todo: list[int] = []
        for position, (rel, key) in enumerate(zip(rels, keys, strict=True)):
            if key is not None and known.get(rel) == key[0]:
                fresh.add(rel)
            else:
                todo.append(position)
        parsed = _parse_all(
            [files[i] for i in todo],
            [show_rel(rels[i]) for i in todo],
            [rels[i] for i in todo],
            settings,
            progress,
        )
        changed: list[tuple[object, ...]] = []
        events: list[Event] = []
        problems: list[Problem] = []
        for position, (event, file_problems, blob) in zip(todo, parsed, strict=True):
            key = keys[position]
            if key is not None and key[1] < now_ns - RACY_NS:
                if blob is None:
                    blob = cache.dump(cache.to_record(event, file_problems))
                changed.append(cache.row_for(rels[position], key[0], event, blob))
                if len(changed) >= 5000:  # written in batches: the blobs need not all wait
                    db.update(changed, ())
                    changed = []
            if event is not None:
                events.append(event)
            problems.extend(file_problems)
        parsed.clear()
        removed = [rel for rel in known.keys() - set(rels)]
        if changed or removed:
            db.update(changed, removed)
        for rel, blob in db.records(fresh, prefilter):
            event, file_problems = cache.from_record(cache.load(blob), "")
            if file_problems:
                shown = show_rel(rel)
                file_problems = [p._replace(path=shown) for p in file_problems]
            if event is not None:
                events.append(event)
            problems.extend(file_problems)
    finally:
        if gc_was_enabled:
            gc.enable()
    problems.extend(_odd_problems(odd, lambda p: show_rel(p[cut:].replace(os.sep, "/"))))
    if prefilter is None:
        events, duplicates = check_duplicates(events, show_rel)
    else:  # only part of the timeline is loaded: ask the index (and the new parses) for twins
        events, duplicates = _duplicates_indexed(db, events, show_rel)
    return events, problems + duplicates, len(todo)


def _duplicates_indexed(
    db: object, events: list[Event], show_rel: Callable[[str], str]
) -> tuple[list[Event], list[Problem]]:
    from orbitwatch import index as cache

    index: cache.Index = db  # type: ignore[assignment]
    first_path: dict[str, str] = {}
    for event_id, path in index.duplicate_ids():
        first_path.setdefault(event_id, path)
    loaded_first: dict[str, str] = {}
    for event in sorted(events, key=lambda e: e.path):
        loaded_first.setdefault(event.id, event.path)
    kept: list[Event] = []
    problems: list[Problem] = []
    for event in events:
        first = min(p for p in (first_path.get(event.id), loaded_first[event.id]) if p)
        if event.path != first:
            problems.append(
                Problem(
                    show_rel(event.path),
                    1,
                    1,
                    f"duplicate id '{event.id}': also used by {show_rel(first)}",
                    field="id",
                )
            )
        else:
            kept.append(event)
    return kept, problems


# -- git revisions --------------------------------------------------------------------------


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


def load_revision(root: Path, revision: str) -> Timeline:
    """The timeline as it was at a revision, read with ls-tree and one cat-file --batch."""
    commit = resolve_revision(root, revision)
    prefix = _git(root, ["rev-parse", "--show-prefix"]).decode("utf-8").strip()
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
            f"{prefix}{EVENTS_DIR}",
        ],
    )
    blobs: list[tuple[str, str]] = []  # (path relative to the timeline root, blob hash)
    for entry in listing.split(b"\x00"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, blob = meta.decode().split()
        rel = name.decode("utf-8", "surrogateescape")[len(prefix) :]
        if kind != "blob" or mode == "120000":
            continue
        leaf = rel.rsplit("/", 1)[-1]
        if rel == SETTINGS_FILE or (
            rel.endswith(".toml")
            and not DEBRIS.search(leaf)
            and not any(part.startswith(".") for part in rel.split("/")[1:])
        ):
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
    items = [(rel, data) for rel, data in by_path.items() if rel != SETTINGS_FILE]
    for event, file_problems in _parse_contents(items, label, root, settings):
        problems.extend(file_problems)
        if event is not None:
            events.append(event)
    events, duplicates = check_duplicates(events, lambda rel: f"{label}:{rel}")
    problems.extend(duplicates)
    problems.sort(key=lambda p: (p.path, p.line, p.col))
    return Timeline(root, settings, sort_events(events), problems)


def _parse_content_blobs(args: tuple[list[tuple[str, bytes]], str, str, Settings]) -> list[bytes]:
    """In a worker: parse file contents read from git, handing back record blobs."""
    from orbitwatch.index import dump, to_record

    items, label, root, settings = args
    return [
        dump(
            to_record(
                *parse_event_file(Path(root) / rel, f"{label}:{rel}", settings, data, rel=rel)
            )
        )
        for rel, data in items
    ]


def _parse_contents(
    items: list[tuple[str, bytes]], label: str, root: Path, settings: Settings
) -> list[tuple[Event | None, list[Problem]]]:
    """Contents read from a revision, parsed in order; in worker processes when many."""
    if len(items) < _pool_threshold() or (os.cpu_count() or 1) < 2:
        return [
            parse_event_file(root / rel, f"{label}:{rel}", settings, data, rel=rel)
            for rel, data in items
        ]
    import concurrent.futures

    from orbitwatch.index import from_record, load

    size = 1000
    chunks = [(items[i : i + size], label, str(root), settings) for i in range(0, len(items), size)]
    results: list[tuple[Event | None, list[Problem]]] = []
    try:
        with concurrent.futures.ProcessPoolExecutor(
            max_workers=min(4, os.cpu_count() or 1)
        ) as pool:
            for chunk, blobs in zip(chunks, pool.map(_parse_content_blobs, chunks), strict=True):
                results.extend(
                    from_record(load(blob), f"{label}:{rel}")
                    for blob, (rel, _) in zip(blobs, chunk[0], strict=True)
                )
    except (OSError, concurrent.futures.process.BrokenProcessPool):
        return [
            parse_event_file(root / rel, f"{label}:{rel}", settings, data, rel=rel)
            for rel, data in items
        ]
    return results


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
        contents.append(raw[start : start + size])
        position = start + size + 1
    return contents
