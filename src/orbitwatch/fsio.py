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
