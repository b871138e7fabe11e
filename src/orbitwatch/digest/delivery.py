"""Handing a rendered digest over: to a delivery command (no shell) or to an output stream.

Raises DeliveryFailed when the digest did not arrive whole; never prints, never exits.
"""

from __future__ import annotations

import array
import fcntl
import os
import select
import shlex
import signal
import subprocess
import termios
import time
from dataclasses import dataclass
from typing import BinaryIO

from orbitwatch.model.errors import OutputFailed
from orbitwatch.text.words import plural


class DeliveryFailed(OutputFailed):
    """The digest was not delivered; `stream_gone` when the output stream itself failed."""

    def __init__(self, message: str, stream_gone: bool = False):
        super().__init__(message)
        self.stream_gone = stream_gone


# How long a delivery command may take by default (docs/cron.md): it runs under the digest's
# lock, so a hung one must not hold every later run off for ever.
DELIVER_TIMEOUT = 300.0


class DeliveryTimedOut(Exception):
    """The delivery command did not finish in time; it was killed."""


@dataclass(frozen=True, slots=True)
class Delivered:
    returncode: int
    unread: int  # bytes of the digest the command never read (it exited first)


def run_command(argv: list[str], data: bytes, timeout: float = DELIVER_TIMEOUT) -> Delivered:
    """Run the delivery command with data on its stdin; a signal can never leave it running,
    nor can a command that hangs (killed, with its process group, after `timeout` seconds).

    SIGINT and SIGTERM are held while the child starts (so they cannot strike between fork
    and the Popen object), and any exception while it runs kills it. orbit keeps a copy of the
    pipe's read end, so once the command has exited whatever is left in the pipe is what it
    never read (`head -c 10` exits 0 having read ten bytes).
    """
    read_end, write_end = os.pipe()
    keep = os.dup(read_end)
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        process = subprocess.Popen(
            argv,
            stdin=read_end,
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: a timeout stops all of it
            preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_SETMASK, previous),
        )
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        for fd in (read_end, write_end, keep):
            os.close(fd)
        raise
    os.close(read_end)
    try:
        # A signal held while the child started strikes here, inside the guard below.
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        deadline = time.monotonic() + timeout
        written = _feed(process, write_end, data, deadline)
        os.close(write_end)
        write_end = -1
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise DeliveryTimedOut from None
        left = array.array("i", [0])
        fcntl.ioctl(keep, termios.FIONREAD, left)
        return Delivered(process.returncode, left[0] + len(data) - written)
    except BaseException:
        _stop(process)
        raise
    finally:
        for fd in (write_end, keep):
            if fd >= 0:
                os.close(fd)


def _feed(process: subprocess.Popen[bytes], fd: int, data: bytes, deadline: float) -> int:
    """Write data into the pipe until it is all in, the command has exited (the pipe full:
    nobody reads), or the deadline passed (DeliveryTimedOut); the bytes written."""
    os.set_blocking(fd, False)
    view, written = memoryview(data), 0
    while written < len(data):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DeliveryTimedOut
        _, ready, _ = select.select([], [fd], [], min(remaining, 0.1))
        if not ready:
            if process.poll() is not None:
                break
            continue
        try:
            written += os.write(fd, view[written : written + 65536])
        except BlockingIOError:
            continue
    return written


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Kill the command and everything it started (its process group), then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()
    process.wait()


def deliver(
    data: bytes,
    deliver_cmd: str | None,
    stream: BinaryIO,
    command_name: str = "the delivery command",
    timeout: float = DELIVER_TIMEOUT,
) -> None:
    """Pipe data to deliver_cmd (which must read it all and exit 0 within `timeout` seconds),
    or write it to stream and flush.

    `command_name` names the command in messages (the CLI names its option)."""
    if deliver_cmd:
        unsent = "the alerts stay unsent and come again next run"
        try:
            done = run_command(shlex.split(deliver_cmd), data, timeout)
        except (OSError, ValueError) as exc:
            raise DeliveryFailed(f"{command_name} {deliver_cmd!r} could not run: {exc}") from None
        except DeliveryTimedOut:
            raise DeliveryFailed(
                f"{command_name} {deliver_cmd!r} did not finish within {timeout:g} s and was "
                f"stopped; {unsent}"
            ) from None
        if done.returncode != 0:
            raise DeliveryFailed(
                f"{command_name} {deliver_cmd!r} exited {done.returncode}; {unsent}"
            )
        if done.unread:
            raise DeliveryFailed(
                f"{command_name} {deliver_cmd!r} exited 0 but left {plural(done.unread, 'byte')} "
                f"of the digest unread; {unsent}"
            )
        return
    try:
        stream.write(data)
        stream.flush()
    except BrokenPipeError:
        raise DeliveryFailed(
            "cannot write the digest: the reader of stdout has gone; the alerts "
            "stay unsent and come again next run",
            stream_gone=True,
        ) from None
    except OSError as exc:
        raise DeliveryFailed(
            f"cannot write the digest: {exc.strerror}; the alerts stay unsent and "
            "come again next run",
            stream_gone=True,
        ) from None
