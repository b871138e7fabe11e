"""The one lock helper: an exclusive flock on an open file descriptor, retried for a while.

Used by the digest state, silences.toml and a feed store. Raises LockBusy when the lock stays
held; opening the file (and refusing links) is the caller's business.
"""

from __future__ import annotations

import fcntl
import os
import time

from orbitwatch.model.errors import LockBusy

RETRY_SECONDS = 0.05


def lock_exclusive(fd: int, wait: float, busy_message: str) -> None:
    """Take an exclusive flock on `fd`, retrying every 50 ms for up to `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockBusy(busy_message) from None
            time.sleep(RETRY_SECONDS)


def acquire(fd: int, wait: float, busy_message: str) -> int:
    """lock_exclusive for a descriptor opened only to be locked: closed when the lock is busy."""
    try:
        lock_exclusive(fd, wait, busy_message)
    except LockBusy:
        os.close(fd)
        raise
    return fd


def release(fd: int) -> None:
    """Unlock and close a descriptor that acquire() locked."""
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
