"""The one I/O seam for writing files: temporary file beside the target, fsync, rename, fsync dir.

A reader sees the complete old or the complete new file, never half of one; a failure leaves no
temporary file behind. Also the test-only fault hooks: ORBIT_FAULT=name kills the process at a
named step (crash tests); ORBIT_FAULT_IO="op:N[:always][:errno]" makes the Nth call of op
(write, fsync, rename, link, open) fail, once or on every call from then on.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
from collections import Counter
from pathlib import Path

from orbitwatch.errors import OrbitError

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


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        _io("fsync")
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a folder; the rename is done either way
    finally:
        os.close(fd)


def _write_temp(path: Path, data: bytes, mode: int) -> Path:
    """A new temporary file beside path (exclusive, not following links), written and synced."""
    folder = path.parent
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    flags = (
        os.O_WRONLY
        | os.O_CREAT
        | os.O_EXCL
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_CLOEXEC", 0)
    )
    try:
        _io("open")
        fd = os.open(tmp, flags, mode)
    except FileExistsError:  # our own leftover from a crash under the same pid
        os.unlink(tmp)
        fd = os.open(tmp, flags, mode)
    try:
        view = memoryview(data)
        while view:
            _io("write")
            view = view[os.write(fd, view) :]
        _io("fsync")
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink(tmp)
        raise
    os.close(fd)
    return tmp


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _fail(path: Path, exc: OSError) -> OrbitError:
    return OrbitError(f"cannot write {path}: {exc.strerror or exc}")


def atomic_write(path: Path, data: bytes, mode: int = 0o644, keep_previous: bool = False) -> None:
    """Replace `path` with `data` atomically; with keep_previous, the old file becomes path.prev."""
    try:
        tmp = _write_temp(path, data, mode)
    except OSError as exc:
        raise _fail(path, exc) from None
    try:
        fault_point("write-after-temp")
        if keep_previous and path.exists():
            prev_tmp = path.parent / f".{path.name}.prev.{os.getpid()}.tmp"
            _unlink(prev_tmp)
            _io("link")
            os.link(path, prev_tmp)
            try:
                _io("rename")
                os.replace(prev_tmp, path.parent / f"{path.name}.prev")
            except BaseException:
                _unlink(prev_tmp)
                raise
        _io("rename")
        os.replace(tmp, path)
    except OSError as exc:
        _unlink(tmp)
        raise _fail(path, exc) from None
    except BaseException:
        _unlink(tmp)
        raise
    fault_point("write-after-rename")
    fsync_dir(path.parent)


def create_new(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write a file that must not exist yet: temporary file, fsync, link (never overwrites)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _write_temp(path, data, mode)
    except OSError as exc:
        raise _fail(path, exc) from None
    try:
        fault_point("create-before-link")
        _io("link")
        os.link(tmp, path)
    except FileExistsError:
        raise OrbitError(f"{path} already exists; not overwritten") from None
    except OSError as exc:
        raise _fail(path, exc) from None
    finally:
        _unlink(tmp)
    fsync_dir(path.parent)


def import_files(events_dir: Path, files: list[tuple[Path, bytes]]) -> None:
    """Write every file into a temporary folder first (fsync), then link each into place.

    An interruption leaves whole files or none; the temporary folder is a dot-folder the loader
    skips and reports, removed at the end. A failure while linking removes the files this call
    already linked, so a failed import leaves the timeline as it was.
    """
    staging = events_dir / f".import-{os.getpid()}"
    linked: list[Path] = []
    try:
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        staged: list[tuple[Path, Path]] = []
        for index, (target, data) in enumerate(files):
            tmp = _write_temp(staging / f"{index}.toml", data, 0o644)
            staged.append((tmp, target))
        fsync_dir(staging)
        fault_point("import-before-links")
        for tmp, target in staged:
            target.parent.mkdir(parents=True, exist_ok=True)
            _io("link")
            os.link(tmp, target)
            linked.append(target)
            fsync_dir(target.parent)
    except BaseException as exc:
        for target in linked:
            _unlink(target)
        if isinstance(exc, FileExistsError):
            raise OrbitError(f"{exc.filename} already exists; nothing imported") from None
        if isinstance(exc, OSError):
            where = exc.filename or events_dir
            raise OrbitError(f"cannot write {where}: {exc.strerror}; nothing imported") from None
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
