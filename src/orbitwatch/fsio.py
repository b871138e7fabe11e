"""The one I/O seam for writing files: temporary file beside the target, fsync, rename, fsync dir.

A reader sees the complete old or the complete new file, never half of one. Also the test-only
fault points (ORBIT_FAULT) that let crash tests stop a real process at a chosen step.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from orbitwatch.errors import OrbitError


def fault_point(name: str) -> None:
    """Crash tests set ORBIT_FAULT=name to kill the process here, as a power cut would."""
    if os.environ.get("ORBIT_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, mode: int = 0o644, keep_previous: bool = False) -> None:
    """Replace `path` with `data` atomically; with keep_previous, the old file becomes path.prev."""
    folder = path.parent
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(tmp, flags, mode)
    except FileExistsError:
        os.unlink(tmp)
        fd = os.open(tmp, flags, mode)
    except OSError as exc:
        raise OrbitError(f"cannot write {path}: {exc.strerror}") from None
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if keep_previous and path.exists():
            prev_tmp = folder / f".{path.name}.prev.{os.getpid()}.tmp"
            if prev_tmp.exists():
                prev_tmp.unlink()
            os.link(path, prev_tmp)
            os.replace(prev_tmp, folder / f"{path.name}.prev")
        os.replace(tmp, path)
        fsync_dir(folder)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise OrbitError(f"cannot write {path}: {exc.strerror}") from None


def create_new(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write a file that must not exist yet: temporary file, fsync, link (never overwrites)."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(tmp, flags, mode)
    except FileExistsError:
        os.unlink(tmp)
        fd = os.open(tmp, flags, mode)
    except OSError as exc:
        raise OrbitError(f"cannot write {path}: {exc.strerror}") from None
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        fault_point("create-before-link")
        os.link(tmp, path)
        fsync_dir(folder)
    except FileExistsError:
        raise OrbitError(f"{path} already exists; not overwritten") from None
    except OSError as exc:
        raise OrbitError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def import_files(events_dir: Path, files: list[tuple[Path, bytes]]) -> None:
    """Write every file into a temporary folder first (fsync), then link each into place.

    An interruption leaves whole files or none; the temporary folder is a dot-folder the loader
    skips, removed at the end.
    """
    import shutil

    staging = events_dir / f".import-{os.getpid()}"
    staging.mkdir(parents=True, exist_ok=False)
    try:
        staged: list[tuple[Path, Path]] = []
        for index, (target, data) in enumerate(files):
            tmp = staging / f"{index}.toml"
            with open(tmp, "xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            staged.append((tmp, target))
        fsync_dir(staging)
        fault_point("import-before-links")
        for tmp, target in staged:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(tmp, target)
            fsync_dir(target.parent)
    except FileExistsError as exc:
        raise OrbitError(f"{exc.filename} already exists; not overwritten") from None
    except OSError as exc:
        raise OrbitError(f"cannot write {exc.filename or events_dir}: {exc.strerror}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
