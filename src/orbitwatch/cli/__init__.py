"""The `orbit` command: the group, the mapping of failures to exit statuses, and `main`.

Each command lives in a module of this package: parse options, call one app function, pick a
renderer, map to an exit status. Only this package imports click; imports stay lazy so that
`orbit --version` and `orbit --help` load click and nothing heavy.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import MutableMapping, Sequence
from typing import Any

import click

from orbitwatch import __version__
from orbitwatch.cli import (
    acts,
    authoring,
    backtest,
    digest,
    evaluation,
    events,
    signals,
    silences,
    views,
)
from orbitwatch.cli import diff as diff_commands
from orbitwatch.cli.common import State, say_error, silence_stdout
from orbitwatch.cli.help import OrderedGroup
from orbitwatch.cli.pager import PAGED, paging
from orbitwatch.cli.status import ExitStatus, status_of
from orbitwatch.model.errors import OrbitError

__all__ = ["cli", "main"]


class OrbitGroup(OrderedGroup):
    """The one place mapping failures to exit statuses and one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        from orbitwatch.files.atomic import reset_faults
        from orbitwatch.timeline.load import forget_revisions

        reset_faults()
        forget_revisions()
        previous = _catch_sigterm()
        try:
            status = super().invoke(ctx)
            sys.stdout.flush()
        except OrbitError as exc:
            if getattr(exc, "stream_gone", False):  # delivery.DeliveryFailed on stdout
                silence_stdout()
            say_error(exc.message, exc.hint)
            status = status_of(exc)
        except KeyboardInterrupt:
            click.echo("orbit: interrupted", err=True)
            status = ExitStatus.INTERRUPTED
        except Terminated:
            silence_stdout()
            click.echo("orbit: terminated", err=True)
            status = ExitStatus.TERMINATED
        except BrokenPipeError:
            silence_stdout()
            status = ExitStatus.OUTPUT_FAILED
        except OSError as exc:
            status = _os_error(exc)
        except (click.exceptions.ClickException, click.exceptions.Exit):
            raise
        except Exception as exc:
            if os.environ.get("ORBIT_DEBUG"):
                raise
            say_error(
                f"internal error: {type(exc).__name__}: {exc}",
                hint="This is a bug in orbitwatch; run again with ORBIT_DEBUG=1 for the "
                "traceback and report it.",
            )
            status = ExitStatus.INTERNAL
        finally:
            _restore_sigterm(previous)
        raise click.exceptions.Exit(int(status or 0))


def _os_error(exc: OSError) -> ExitStatus:
    if exc.errno in (errno.ENOSPC, errno.EIO, errno.EPIPE, errno.EDQUOT, errno.EFBIG, errno.EBADF):
        silence_stdout()
        say_error(f"cannot write output: {exc.strerror}")
        return ExitStatus.OUTPUT_FAILED
    where = f": {exc.filename}" if exc.filename else ""
    say_error(f"{exc.strerror or exc}{where}")
    return ExitStatus.TROUBLE


class Terminated(BaseException):
    """SIGTERM, turned into an exception so that every cleanup (temporary files) runs."""


def _on_sigterm(_signum: int, _frame: object) -> None:
    raise Terminated()


def _catch_sigterm() -> Any:
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        return signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError):
        return None


def _restore_sigterm(previous: Any) -> None:
    import signal

    if previous is not None:
        try:
            signal.signal(signal.SIGTERM, previous)
        except (ValueError, OSError):
            pass


@click.group(
    cls=OrbitGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "--version", prog_name="orbit", message="%(prog)s %(version)s")
@click.option(
    "--root",
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="Timeline folder (default: ORBIT_ROOT, then the "
    "nearest folder upward with orbit.toml or events/).",
)
@click.option(
    "--color/--no-color",
    default=None,
    help="Force colour on or off (default: NO_COLOR set: off; else FORCE_COLOR set: on, "
    "even piped; else on for a terminal).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Do not use or update the index of parsed files (also ORBIT_NO_CACHE=1).",
)
@click.option(
    "--width",
    type=click.IntRange(min=20, max=1000, clamp=True),
    default=None,
    metavar="N",
    help="Lay tables and reports out at N columns, 20 to 1000 (default: COLUMNS, else the "
    "terminal's width; written to a file or pipe, nothing is wrapped unless COLUMNS is set "
    "for a table).",
)
@click.option(
    "--no-pager",
    is_flag=True,
    help="Never page (default: output taller than the terminal goes through $PAGER, "
    "else 'less -R'; never when piped).",
)
@click.pass_context
def cli(
    ctx: click.Context,
    root: str | None,
    color: bool | None,
    no_cache: bool,
    width: int | None,
    no_pager: bool,
) -> None:
    """Track dated geopolitical events, score drift out of Moscow's orbit, and mail digests.

    Colour is decided in this order: --color or --no-color; then NO_COLOR (set and not
    empty: no colour, whatever FORCE_COLOR says); then FORCE_COLOR (colour even when piped);
    else colour on a terminal only.

    \b
    Examples:
      orbit list country:KZ since:2022-05
      orbit show 2022-05-16-csto-summit-moscow
      orbit signals --explain TJ
    """
    ctx.obj = State(root, color, no_cache, width)
    if ctx.invoked_subcommand in PAGED:
        ctx.with_resource(paging(not no_pager))
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


for _command in (
    *events.COMMANDS,
    *views.COMMANDS,
    *signals.COMMANDS,
    *evaluation.COMMANDS,
    *acts.COMMANDS,
    *diff_commands.COMMANDS,
    *digest.COMMANDS,
    *backtest.COMMANDS,
    *silences.COMMANDS,
    *authoring.COMMANDS,
):
    cli.add_command(_command)
cli.add_lazy("feed", "orbitwatch.cli.feed", "feed_group")


# -- entry point ----------------------------------------------------------------------------


def _utf8_streams() -> None:
    """UTF-8 out and err whatever the locale (cron runs with LC_ALL=C)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass


def main(argv: Sequence[str] | None = None) -> None:
    """The console script: usable standard streams, then click; a failed write of stdout
    (closed, full, a broken pipe) is 74 wherever it happens, help and version included."""
    from orbitwatch.cli.streams import guard_streams, output_failed

    guard_streams()
    _utf8_streams()
    _sane_terminal_size(os.environ)
    try:
        code = _main(argv)
        sys.stdout.flush()
    except OSError as exc:
        code = output_failed(exc)
    sys.exit(int(code or 0))


def _main(argv: Sequence[str] | None) -> int:
    if argv is None:
        argv = [_utf8_argument(arg) for arg in sys.argv[1:]]
    try:
        code = cli.main(args=argv, prog_name="orbit", standalone_mode=False)
    except SystemExit:
        # click's own answer to a broken pipe while it writes (help, version): it wraps
        # stdout in its PacifyFlushWrapper and exits 1; the pipe failed, so 74
        if type(sys.stdout).__name__.endswith("PacifyFlushWrapper"):
            return int(ExitStatus.OUTPUT_FAILED)
        raise
    except click.exceptions.ClickException as exc:
        # click's messages in orbit's own form (say_error makes control characters visible):
        # 'orbit: error: ...', then the usage and where help is as the hint; always 2
        hint = ""
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            hint = f"{exc.ctx.get_usage()}\nTry '{exc.ctx.command_path} --help' for help."
        say_error(exc.format_message(), hint)
        code = ExitStatus.TROUBLE
    except click.exceptions.Abort:
        click.echo("orbit: interrupted", err=True)
        code = ExitStatus.INTERRUPTED
    return int(code or 0)


# The widest and tallest terminal orbit lays out for (docs/commands.md): COLUMNS=99999999999
# made rich pad a line to that many spaces (MemoryError).
MAX_COLUMNS = 1000
MAX_LINES = 10000


def _sane_terminal_size(environ: MutableMapping[str, str]) -> None:
    """COLUMNS and LINES as rich, the pager and the timeline read them: a number above the
    maximum counts as the maximum (also for the pager orbit starts)."""
    for name, most in (("COLUMNS", MAX_COLUMNS), ("LINES", MAX_LINES)):
        value = environ.get(name, "").strip()
        if value.isascii() and value.isdigit() and (len(value) > 9 or int(value) > most):
            environ[name] = str(most)


def _utf8_argument(arg: str) -> str:
    """Arguments are UTF-8 whatever the locale: under LC_ALL=C Python hands over surrogates."""
    try:
        return os.fsencode(arg).decode("utf-8")
    except UnicodeDecodeError:
        return arg
