"""Handing a rendered digest over: to a delivery command (no shell) or to an output stream.

Raises DeliveryFailed when the digest did not arrive whole; never prints, never exits.
"""

from __future__ import annotations

import shlex
import signal
import subprocess
from typing import BinaryIO

from orbitwatch.model.errors import OutputFailed


class DeliveryFailed(OutputFailed):
    """The digest was not delivered; `stream_gone` when the output stream itself failed."""

    def __init__(self, message: str, stream_gone: bool = False):
        super().__init__(message)
        self.stream_gone = stream_gone


def run_command(argv: list[str], data: bytes) -> int:
    """Run the delivery command with data on its stdin; a signal can never leave it running.

    SIGINT and SIGTERM are held while the child starts (so they cannot strike between fork
    and the Popen object), and any exception while it runs kills it.
    """
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_SETMASK, previous),
        )
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        raise
    try:
        # A signal held while the child started strikes here, inside the guard below.
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        process.communicate(data)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process.returncode


def deliver(
    data: bytes,
    deliver_cmd: str | None,
    stream: BinaryIO,
    command_name: str = "the delivery command",
) -> None:
    """Pipe data to deliver_cmd (which must exit 0), or write it to stream and flush.

    `command_name` names the command in messages (the CLI names its option)."""
    if deliver_cmd:
        try:
            returncode = run_command(shlex.split(deliver_cmd), data)
        except (OSError, ValueError) as exc:
            raise DeliveryFailed(f"{command_name} {deliver_cmd!r} could not run: {exc}") from None
        if returncode != 0:
            raise DeliveryFailed(
                f"{command_name} {deliver_cmd!r} exited {returncode}; the "
                "alerts stay unsent and come again next run"
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
