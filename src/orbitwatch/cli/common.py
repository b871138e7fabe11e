"""Plumbing shared by the `orbit` commands: the run's state, messages on stderr, output on
stdout (tables on a terminal, plain lines otherwise), the progress bar. No use case logic.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import click

from orbitwatch.cli.status import ExitStatus
from orbitwatch.model.errors import Problem

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console
    from rich.progress import Progress as Bar
    from rich.progress import TaskID

    from orbitwatch.app.context import Workspace
    from orbitwatch.query.language import Query


def as_path(value: object) -> Path:
    """pathlib only when a command needs it: `orbit --version` should not pay for it."""
    from pathlib import Path

    return Path(value)  # type: ignore[arg-type]


def cwd() -> Path:
    from pathlib import Path

    return Path.cwd()


class State:
    """The group's options, and the workspace the commands run their use cases in."""

    def __init__(
        self,
        root: str | None,
        color: bool | None,
        no_cache: bool = False,
        width: int | None = None,
    ):
        self.root = root
        self.color = color
        self.width = width  # --width N
        self.no_cache = no_cache
        self.known_at: str | None = None  # --known-at, set as the option is parsed
        self._workspace: Workspace | None = None
        self._declared = False

    def declare_countries(self) -> None:
        """orbit.toml's [countries] in effect for queries and names until the command ends."""
        ctx = click.get_current_context(silent=True)
        if self._declared or ctx is None:
            return
        self._declared = True
        table = self.workspace.declared_countries()
        if table:
            from orbitwatch.model.countries import declaring

            ctx.with_resource(declaring(table))

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            from orbitwatch.app.context import Workspace

            self._workspace = Workspace(
                self.root,
                os.environ,
                cwd(),
                use_cache=not self.no_cache,
                report=report,
                progress=Progress,
                warn=warn,
                known_at=self.known_at,
            )
            self.declare_countries()
        return self._workspace

    @property
    def trouble(self) -> bool:
        """Some input could not be used (its problems were reported)."""
        return self._workspace is not None and self._workspace.trouble


def today() -> dt.date:
    from orbitwatch.model.dates import today

    return today(os.environ)


def as_of_date(text: str | None) -> dt.date:
    from orbitwatch.app.context import as_of

    return as_of(text, today())


KNOWN_AT_HELP = (
    "The timeline as committed then: the last commit of this branch on or before DATE, or "
    "the revision REV; the working tree is left out. Without --as-of, also the day scored."
)


def _remember_known_at(ctx: click.Context, _param: object, value: str | None) -> str | None:
    """--known-at in effect from the moment it is parsed: the query terms are read with the
    countries that commit's orbit.toml declares, not the working tree's."""
    state = ctx.find_object(State)
    if value is not None and state is not None:
        state.known_at = value
        if state._workspace is not None:
            state._workspace.known_at = value
    return value


def known_at_option(command: Callable[..., object]) -> Callable[..., object]:
    """The shared --known-at DATE|REV option (see scoring_day)."""
    return click.option(
        "--known-at",
        "known_at",
        metavar="DATE|REV",
        help=KNOWN_AT_HELP,
        callback=_remember_known_at,
    )(command)


def scoring_day(state: State, known_at: str | None, as_of: str | None = None) -> dt.date:
    """Read the timeline as it stood at --known-at (when given); the day to score on:
    --as-of, else the --known-at day, else today."""
    if known_at is not None:
        state.workspace.known_at = known_at
    if as_of:
        return as_of_date(as_of)
    known = state.workspace.known() if known_at is not None else None
    return known.day if known is not None else today()


def parse_query(terms: Sequence[str], extra: Sequence[str] = ()) -> Query:
    """The query, once the timeline's declared country codes are in effect."""
    from orbitwatch.query.language import parse

    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(State) if ctx is not None else None
    if state is not None:
        state.declare_countries()

    return parse([*terms, *extra])


def say_error(message: str, hint: str = "") -> None:
    from orbitwatch.render.text import visible

    text = "orbit: error: " + visible(message, keep_newlines=True)
    if hint:
        text += "\n\n" + visible(hint, keep_newlines=True)
    click.echo(text, err=True)


def warn(message: str) -> None:
    """A one-line warning about the command's input, on stderr."""
    from orbitwatch.render.text import visible

    click.echo(visible(f"orbit: warning: {message}"), err=True)


def report(problems: Iterable[Problem]) -> int:
    """Print every problem on stderr; the number of errors (warnings do not count)."""
    from orbitwatch.render.text import visible

    errors = 0
    for problem in problems:
        click.echo(visible(problem.render()), err=True)
        errors += problem.severity == "error"
    return errors


class Progress:
    """A progress bar on stderr for cold loads that take over a second, only on a terminal."""

    def __init__(self) -> None:
        import time

        self.started = time.monotonic()
        self.bar: Bar | None = None
        self.task: TaskID | None = None
        self.enabled = sys.stderr.isatty()
        try:  # ORBIT_PROGRESS_AFTER: seconds before the bar appears (tests set 0)
            self.after = float(os.environ.get("ORBIT_PROGRESS_AFTER", "1"))
        except ValueError:
            self.after = 1.0

    def __enter__(self) -> Callable[[int, int], None]:
        return self.update

    def update(self, done: int, total: int) -> None:
        import time

        if not self.enabled or time.monotonic() - self.started < self.after:
            return
        if self.bar is None:
            from rich.progress import Progress as Bar

            from orbitwatch.render.terminal import make_console

            self.bar = Bar(transient=True, console=make_console(sys.stderr, None))
            self.bar.start()
            self.task = self.bar.add_task("reading events", total=total)
        assert self.task is not None
        self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def write(chunks: Iterable[str]) -> None:
    out = sys.stdout
    for chunk in chunks:
        out.write(chunk)
    out.flush()


def use_table(fmt: str | None) -> bool:
    return fmt == "table" or (fmt is None and sys.stdout.isatty())


def console(color: bool | None) -> Console:
    from orbitwatch.render.terminal import make_console

    return make_console(sys.stdout, color)


def output_width(state: State, report: bool = False) -> int | None:
    """The width output is laid out at: --width N; else a terminal's (COLUMNS, when set,
    overrides it); else (a file or a pipe) none: nothing is wrapped, except that tables take
    COLUMNS when it is set. A report (eval, history, digest) written to a file or pipe is
    never wrapped: mail and scripts read it the same whatever the environment."""
    import shutil

    if state.width:
        return state.width
    if sys.stdout.isatty():
        return shutil.get_terminal_size((80, 24)).columns
    columns = os.environ.get("COLUMNS", "")
    if not report and columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None


def say(state: State, text: str) -> None:
    """A line of output after a table (a note, a legend), wrapped like the table."""
    from orbitwatch.render.layout import fit_lines

    write(fit_lines([text + "\n"], output_width(state)))


def show(state: State, renderable: object) -> None:
    """Draw a rich renderable (a table, a card) on stdout at the output width, each line
    without trailing spaces."""
    from orbitwatch.render.terminal import rendered

    write([rendered(console(state.color), renderable, output_width(state))])  # type: ignore[arg-type]


def finish(state: State, status: ExitStatus = ExitStatus.OK) -> int:
    if state.trouble and status == ExitStatus.OK:
        return int(ExitStatus.TROUBLE)
    return int(status)


def rows_out(
    state: State,
    fmt: str | None,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    styles: Sequence[str] = (),
    footer: str = "",
) -> None:
    from orbitwatch.render.signals import plain_rows

    if use_table(fmt):
        from orbitwatch.render.terminal import simple_table

        show(state, simple_table(headers, rows, styles, footer))
    else:
        write(plain_rows(rows))


def silence_stdout() -> None:
    """After a failed write, point stdout at /dev/null so the interpreter's exit flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


class SuggestingChoice(click.Choice):  # type: ignore[type-arg]
    """A choice refused in orbit's own words, as a query term is: `unknown status 'rumoured'
    (did you mean 'rumored'?)`, the choices as a hint, exit 2 (not click's usage block)."""

    def __init__(self, choices: Sequence[str], noun: str, plural_noun: str) -> None:
        super().__init__(choices, case_sensitive=False)  # as query terms: AWAY is away
        self.noun = noun
        self.plural_noun = plural_noun

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            from orbitwatch.model.errors import UsageError, did_you_mean

            hint = did_you_mean(str(value).lower(), [str(c) for c in self.choices])
            raise UsageError(
                f"unknown {self.noun} {str(value)!r}{hint}",
                hint=f"{self.plural_noun}: " + ", ".join(str(c) for c in self.choices),
            ) from None
