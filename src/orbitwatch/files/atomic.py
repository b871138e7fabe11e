"""The one I/O seam for writing files: temporary file beside the target, fsync, rename, fsync dir.

A reader sees the complete old or the complete new file, never half of one; a failure leaves no
temporary file behind. Every write lands inside its intended folder: the folder is opened, and
every component below it is entered with O_NOFOLLOW through the descriptor of the one above it
(openat), so a symbolic link planted on the way is refused, never followed, whatever happens to
the path's text meanwhile. Also the test-only fault hooks: ORBIT_FAULT=name kills the process at a
named step (crash tests); ORBIT_FAULT_IO="op:N[:always][:errno]" makes the Nth call of op
(write, fsync, rename, link, open) fail, once or on every call from then on.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
from collections import Counter
from pathlib import Path

from orbitwatch.model.errors import OrbitError, OutputFailed

_calls: Counter[str] = Counter()


def reset_faults() -> None:
    """Start counting I/O calls afresh (one command run = one count)."""
    _calls.clear()


def fault_point(name: str) -> None:
    """Crash tests set ORBIT_FAULT=name to kill the process here, as a power cut would."""
    if os.environ.get("ORBIT_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _io(op: str) -> None:
    """Raise the injected failure for this call of `op`, if ORBIT_FAULT_IO asks for one."""
    spec = os.environ.get("ORBIT_FAULT_IO")
    if not spec:
        return
    parts = spec.split(":")
    if parts[0] != op:
        return
    _calls[op] += 1
    nth = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 1
    always = "always" in parts[2:]
    code = next((getattr(errno, p) for p in parts[2:] if p.startswith("E")), errno.EIO)
    if _calls[op] == nth or (always and _calls[op] > nth):
        raise OSError(code, os.strerror(code))


_DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# A failed write for want of room or a failing device is 'output failed' (74), as for stdout.
OUTPUT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG, errno.EPIPE, errno.EBADF}
)


def fsync_dir(folder: Path | int) -> None:
    """fsync a folder (by path or by an open descriptor); quiet where a file system cannot."""
    try:
        fd = folder if isinstance(folder, int) else os.open(folder, _DIRECTORY)
    except OSError:
        return
    try:
        _io("fsync")
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a folder; the rename is done either way
    finally:
        if not isinstance(folder, int):
            os.close(fd)


class LinkRefused(OrbitError):
    """A symbolic link on the way to a file orbit writes: refused, never followed (exit 2)."""

    def __init__(self, link: Path, inside: Path | None):
        try:
            target = f" (it points to {os.readlink(link)})"
        except OSError:
            target = ""
        where = f"outside {inside}" if inside is not None else "elsewhere"
        super().__init__(
            f"refusing to write through the symbolic link {link}{target}: it could lead {where}",
            hint="orbit never follows a symbolic link it did not create when it writes; "
            "replace the link with a real folder, or name the real path.",
        )


def _is_link(dir_fd: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def open_within(
    base: Path, parts: list[str] | tuple[str, ...], create: bool = False, mode: int = 0o777
) -> int:
    """A descriptor of the folder base/parts[0]/parts[1]/...: base is opened as given (the
    caller's intended folder), every part below it through the descriptor of the one above
    with O_NOFOLLOW, created (with `mode`) when missing and `create` is set. A symbolic link on
    the way raises LinkRefused; '..' or '/' in a part is refused outright."""
    fd = os.open(base, _DIRECTORY)
    here = base
    try:
        for part in parts:
            here = here / part
            if part in ("", ".", "..") or os.sep in part:
                raise OrbitError(f"refusing to write to {here}: it leaves {base}")
            try:
                child = os.open(part, _DIRECTORY | _NOFOLLOW, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), here) from None
                try:
                    os.mkdir(part, mode, dir_fd=fd)
                except FileExistsError:
                    pass  # made meanwhile; the open below decides whether it is a link
                child = _enter(fd, part, here, base)
            except OSError as exc:
                if _is_link(fd, part):
                    raise LinkRefused(here, base) from None
                raise OSError(exc.errno, exc.strerror, str(here)) from None
            os.close(fd)
            fd = child
        return fd
    except BaseException:
        os.close(fd)
        raise


def _enter(fd: int, part: str, here: Path, base: Path) -> int:
    try:
        return os.open(part, _DIRECTORY | _NOFOLLOW, dir_fd=fd)
    except OSError as exc:
        if _is_link(fd, part):
            raise LinkRefused(here, base) from None
        raise OSError(exc.errno, exc.strerror, str(here)) from None


class Place:
    """Where a file goes: its folder opened safely (see open_within) and its name in it.

    `within` is the intended folder; None means the folder the user named: the working folder
    for a relative path (every component of which is then entered without following links,
    after any leading '..'), the path's own parent for an absolute one."""

    def __init__(
        self, path: Path, within: Path | None = None, create: bool = False, mode: int = 0o777
    ):
        base, parts = split_target(path, within)
        if create and within is None and path.is_absolute():
            base.mkdir(parents=True, exist_ok=True, mode=mode)  # the folder the user named
        self.path = path
        self.name = path.name
        self.fd = open_within(base, parts, create, mode)

    def __enter__(self) -> Place:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)

    def lstat(self) -> os.stat_result | None:
        try:
            return os.stat(self.name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None

    def refuse_link(self, inside: Path | None = None) -> None:
        """No writing over a symbolic link at the name itself either."""
        found = self.lstat()
        if found is not None and stat.S_ISLNK(found.st_mode):
            raise LinkRefused(self.path, inside)


def split_target(path: Path, within: Path | None) -> tuple[Path, list[str]]:
    """(the folder opened as given, the parts entered below it without following links)."""
    if within is not None:
        try:
            rel = path.parent.relative_to(within)
        except ValueError:
            raise OrbitError(f"refusing to write {path}: it is not inside {within}") from None
        return within, [p for p in rel.parts if p != "."]
    if path.is_absolute():
        return path.parent, []
    parts = os.path.normpath(path.parent).split(os.sep)
    ups = 0
    while ups < len(parts) and parts[ups] == "..":
        ups += 1
    base = Path(os.getcwd(), *parts[:ups])
    return base, [p for p in parts[ups:] if p not in ("", ".")]


def _write_temp(dir_fd: int, name: str, data: bytes, mode: int) -> str:
    """A new temporary file beside `name` (exclusive, not following links), written and synced."""
    tmp = f".{name}.{os.getpid()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        _io("open")
        fd = os.open(tmp, flags, mode, dir_fd=dir_fd)
    except FileExistsError:  # our own leftover from a crash under the same pid
        os.unlink(tmp, dir_fd=dir_fd)
        fd = os.open(tmp, flags, mode, dir_fd=dir_fd)
    try:
        _write_all(fd, data)
        _io("fsync")
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink(tmp, dir_fd)
        raise
    os.close(fd)
    return tmp


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        _io("write")
        view = view[os.write(fd, view) :]


def _unlink(name: str | Path, dir_fd: int | None = None) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass


def _fail(path: Path, exc: OSError, tail: str = "") -> OrbitError:
    """The message of a failed write; a full disk or failing device is 'output failed'."""
    kind = OutputFailed if exc.errno in OUTPUT_ERRNOS else OrbitError
    return kind(f"cannot write {path}: {exc.strerror or exc}{tail}")


def atomic_write(
    path: Path,
    data: bytes,
    mode: int = 0o644,
    keep_previous: bool = False,
    within: Path | None = None,
    folder_mode: int | None = None,
) -> None:
    """Replace `path` with `data` atomically; with keep_previous, the old file becomes path.prev.

    The folder is reached as Place describes (created with folder_mode when given); a symbolic
    link at the name is refused, never replaced or written through."""
    try:
        place = Place(path, within, folder_mode is not None, folder_mode or 0o777)
    except OSError as exc:
        raise _fail(path, exc) from None
    with place:
        place.refuse_link(within)
        _replace(place, data, mode, keep_previous)


def _replace(place: Place, data: bytes, mode: int, keep_previous: bool) -> None:
    fd, name, path = place.fd, place.name, place.path
    try:
        tmp = _write_temp(fd, name, data, mode)
    except OSError as exc:
        raise _fail(path, exc) from None
    try:
        fault_point("write-after-temp")
        if keep_previous and place.lstat() is not None:
            prev_tmp = f".{name}.prev.{os.getpid()}.tmp"
            _unlink(prev_tmp, fd)
            _io("link")
            os.link(name, prev_tmp, src_dir_fd=fd, dst_dir_fd=fd, follow_symlinks=False)
            try:
                _io("rename")
                os.replace(prev_tmp, f"{name}.prev", src_dir_fd=fd, dst_dir_fd=fd)
            except BaseException:
                _unlink(prev_tmp, fd)
                raise
        _io("rename")
        os.replace(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
    except OSError as exc:
        _unlink(tmp, fd)
        raise _fail(path, exc) from None
    except BaseException:
        _unlink(tmp, fd)
        raise
    fault_point("write-after-rename")
    fsync_dir(fd)


def save_output(path: Path, data: bytes) -> None:
    """An output file the user named (render -o): a regular file (or a new name) is replaced
    atomically; a device or FIFO, or a link to one (/dev/stdout), is written directly and left
    what it is; a link to anything else, a folder or a socket is refused."""
    try:
        place = Place(path)
    except OSError as exc:
        raise _fail(path, exc) from None
    with place:
        found = place.lstat()
        if found is None or stat.S_ISREG(found.st_mode):
            _replace(place, data, 0o644, keep_previous=False)
            return
        if stat.S_ISLNK(found.st_mode):
            try:
                found = os.stat(place.name, dir_fd=place.fd)
            except OSError:
                raise LinkRefused(path, None) from None
            if not _streamable(found.st_mode):
                raise LinkRefused(path, None)
        elif not _streamable(found.st_mode):
            what = "a folder" if stat.S_ISDIR(found.st_mode) else "not a regular file"
            raise OrbitError(f"cannot write {path}: it is {what}")
        _write_direct(place, data)


def _streamable(mode: int) -> bool:
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _write_direct(place: Place, data: bytes) -> None:
    try:
        _io("open")
        fd = os.open(place.name, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), dir_fd=place.fd)
    except OSError as exc:
        raise _fail(place.path, exc) from None
    try:
        _write_all(fd, data)
    except OSError as exc:
        raise _fail(place.path, exc) from None
    finally:
        os.close(fd)


def create_new(path: Path, data: bytes, mode: int = 0o644, within: Path | None = None) -> None:
    """Write a file that must not exist yet: temporary file, fsync, link (never overwrites).
    Its folder is created as needed, below `within` without following links (see Place)."""
    try:
        place = Place(path, within, create=True)
    except OSError as exc:
        raise _fail(path, exc) from None
    with place:
        _link_new(place, data, mode)


def _link_new(place: Place, data: bytes, mode: int) -> None:
    fd, name, path = place.fd, place.name, place.path
    try:
        tmp = _write_temp(fd, name, data, mode)
    except OSError as exc:
        raise _fail(path, exc) from None
    try:
        fault_point("create-before-link")
        _io("link")
        os.link(tmp, name, src_dir_fd=fd, dst_dir_fd=fd, follow_symlinks=False)
    except FileExistsError:
        raise OrbitError(f"{path} already exists; not overwritten") from None
    except OSError as exc:
        raise _fail(path, exc) from None
    finally:
        _unlink(tmp, fd)
    fsync_dir(fd)


def check_within(root: Path, paths: list[Path]) -> None:
    """Refuse, before anything is written, a symbolic link on the way from root to any of
    these files (folders not made yet are fine: they will be made, never followed)."""
    for path in paths:
        try:
            os.close(open_within(root, split_target(path, root)[1]))
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise _fail(path, exc, "; nothing imported") from None


def import_files(root: Path, files: list[tuple[Path, bytes]]) -> None:
    """Write every file into a temporary folder first (fsync), then link each into place.

    An interruption leaves whole files or none; the temporary folder is a dot-folder the loader
    skips and reports, removed at the end. A failure while linking removes the files this call
    already linked, so a failed import leaves the timeline as it was. Every target lies below
    root/events, reached without following links (LinkRefused before anything is written).
    """
    check_within(root, [path for path, _ in files])
    staging = f".import-{os.getpid()}"
    events_fd = open_within(root, ["events"], create=True)
    linked: list[Path] = []
    try:
        _stage_and_link(root, events_fd, staging, files, linked)
    except BaseException as exc:
        for target in linked:
            _remove_within(root, target)
        if isinstance(exc, FileExistsError):
            raise OrbitError(f"{exc.filename} already exists; nothing imported") from None
        if isinstance(exc, OSError):
            raise _fail(Path(exc.filename or root / "events"), exc, "; nothing imported") from None
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True, dir_fd=events_fd)
        os.close(events_fd)


def _remove_within(root: Path, target: Path) -> None:
    try:
        fd = open_within(root, split_target(target, root)[1])
    except OSError:
        return
    _unlink(target.name, fd)
    os.close(fd)


def _stage_and_link(
    root: Path,
    events_fd: int,
    staging: str,
    files: list[tuple[Path, bytes]],
    linked: list[Path],
) -> None:
    shutil.rmtree(staging, ignore_errors=True, dir_fd=events_fd)
    os.mkdir(staging, 0o700, dir_fd=events_fd)
    staging_fd = os.open(staging, _DIRECTORY | _NOFOLLOW, dir_fd=events_fd)
    try:
        staged = [
            (_write_temp(staging_fd, f"{index}.toml", data, 0o644), target)
            for index, (target, data) in enumerate(files)
        ]
        fsync_dir(staging_fd)
        fault_point("import-before-links")
        for tmp, target in staged:
            fd = open_within(root, split_target(target, root)[1], create=True)
            try:
                _io("link")
                os.link(tmp, target.name, src_dir_fd=staging_fd, dst_dir_fd=fd)
                linked.append(target)
                fsync_dir(fd)
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, str(target)) from None
            finally:
                os.close(fd)
    finally:
        os.close(staging_fd)


def stale_temporaries(path: Path) -> list[tuple[Path, int]]:
    """Temporary files of atomic_write beside `path` (.NAME.PID.tmp, .NAME.prev.PID.tmp) left
    by a killed process: removed when their process is gone; the others are returned as
    (path, pid) for the caller to report (a live process of that number may still write)."""
    return sweep_temporaries(path)[1]


def sweep_temporaries(path: Path) -> tuple[list[tuple[Path, int]], list[tuple[Path, int]]]:
    """(removed, kept): stale_temporaries, with the files it removed as (path, pid) too."""
    folder, name = path.parent, path.name
    removed: list[tuple[Path, int]] = []
    kept: list[tuple[Path, int]] = []
    try:
        entries = os.listdir(folder)
    except OSError:
        return removed, kept
    for entry in entries:
        pid = _leftover_pid(entry, name)
        if pid is None or pid == os.getpid():
            continue
        if _process_exists(pid):
            kept.append((folder / entry, pid))
        else:
            _unlink(folder / entry)
            removed.append((folder / entry, pid))
    return sorted(removed), sorted(kept)


def _leftover_pid(entry: str, name: str) -> int | None:
    for prefix in (f".{name}.prev.", f".{name}."):
        if entry.startswith(prefix) and entry.endswith(".tmp"):
            middle = entry[len(prefix) : -len(".tmp")]
            return int(middle) if middle.isdigit() and len(middle) < 10 else None
    return None


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True
