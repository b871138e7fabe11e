"""The exit statuses of every command, and the one table that maps the core's errors to them.

Only cli/ chooses an exit status; the core raises typed errors (model/errors.py) that say what
went wrong.
"""

from __future__ import annotations

import enum

from orbitwatch.model.errors import LockBusy, OrbitError, OutputFailed, Unusable


class ExitStatus(enum.IntEnum):
    OK = 0
    YES = 1  # the command's 'yes': problems found, differences, --fail-on hit
    TROUBLE = 2  # usage errors, or some input could not be used
    OUTPUT_FAILED = 74  # EX_IOERR: output or delivery failed
    BUSY = 75  # EX_TEMPFAIL: another run holds the lock
    INTERNAL = 70  # EX_SOFTWARE: a bug in orbitwatch
    STATE_UNUSABLE = 78  # EX_CONFIG: a file orbit keeps (state, silences, store) is unusable
    INTERRUPTED = 130  # 128 + SIGINT
    TERMINATED = 143  # 128 + SIGTERM


# The most specific kind first; every OrbitError not listed above it is trouble (2).
STATUS_OF_ERROR: tuple[tuple[type[OrbitError], ExitStatus], ...] = (
    (LockBusy, ExitStatus.BUSY),
    (Unusable, ExitStatus.STATE_UNUSABLE),
    (OutputFailed, ExitStatus.OUTPUT_FAILED),
    (OrbitError, ExitStatus.TROUBLE),
)


def status_of(error: OrbitError) -> ExitStatus:
    """The exit status for a fatal error raised below the CLI."""
    for kind, status in STATUS_OF_ERROR:
        if isinstance(error, kind):
            return status
    return ExitStatus.TROUBLE
