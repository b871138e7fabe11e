"""The `orbit` command: parse options, call the core once, pick a renderer, map to an exit status.

The only module that imports click. No logic that a test would want to reach without a shell.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import click

from orbitwatch import __version__
from orbitwatch.errors import ExitStatus, OrbitError, Problem, UsageError

if TYPE_CHECKING:
    from pathlib import Path


def _as_path(value: object) -> Path:
    """pathlib only when a command needs it: `orbit --version` should not pay for it."""
    from pathlib import Path

    return Path(value)  # type: ignore[arg-type]


def _cwd() -> Path:
    from pathlib import Path

    return Path.cwd()


COMMAND_ORDER = (
    "list",
    "show",
    "timeline",
    "signals",
    "alerts",
    "diff",
    "digest",
    "render",
    "add",
    "import",
    "init",
    "check",
)


class OrderedGroup(click.Group):
    """Commands in the order a new user needs them; one place mapping failures to statuses."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        known = [name for name in COMMAND_ORDER if name in self.commands]
        return known + sorted(set(self.commands) - set(known))

    def invoke(self, ctx: click.Context) -> Any:
        from orbitwatch.fsio import reset_faults
        from orbitwatch.load import forget_revisions

        reset_faults()
        forget_revisions()
        previous = _catch_sigterm()
        try:
            status = super().invoke(ctx)
            sys.stdout.flush()
        except OrbitError as exc:
            say_error(exc.message, exc.hint)
            status = exc.status
        except KeyboardInterrupt:
            click.echo("orbit: interrupted", err=True)
            status = 130
        except Terminated:
            _silence_stdout()
            click.echo("orbit: terminated", err=True)
            status = 143
        except BrokenPipeError:
            _silence_stdout()
            status = ExitStatus.OUTPUT_FAILED
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EIO, errno.EPIPE, errno.EDQUOT, errno.EFBIG):
                _silence_stdout()
                say_error(f"cannot write output: {exc.strerror}")
                status = ExitStatus.OUTPUT_FAILED
            else:
                where = f": {exc.filename}" if exc.filename else ""
                say_error(f"{exc.strerror or exc}{where}")
                status = ExitStatus.TROUBLE
        except click.exceptions.ClickException:
            raise
        except click.exceptions.Exit:
            raise
        except Exception as exc:  # noqa: BLE001 - a bug must still end in one clear line
            if os.environ.get("ORBIT_DEBUG"):
                raise
            say_error(
                f"internal error: {type(exc).__name__}: {exc}",
                hint="This is a bug in orbitwatch; run again with ORBIT_DEBUG=1 for the "
                "traceback and report it.",
            )
            status = 70  # EX_SOFTWARE
        finally:
            _restore_sigterm(previous)
        raise click.exceptions.Exit(int(status or 0))


class Terminated(BaseException):
    """SIGTERM, turned into an exception so that every cleanup (temporary files) runs."""


def _on_sigterm(signum: int, frame: object) -> None:
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


class SectionedCommand(click.Command):
    """A command whose --help lists its options in named sections (filters, output, ...)."""

    def __init__(self, *args: Any, sections: dict[str, list[str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.sections = sections or {}

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help_text(ctx, formatter)
        if self.name == "render":  # the formats come from the registry, each its first doc line
            from orbitwatch.render import builtin, describe

            with formatter.section("Formats"):
                formatter.write_dl([(name, describe(name)) for name in builtin()])

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = {}
        for param in self.get_params(ctx):
            if not isinstance(param, click.Option):
                continue
            record = param.get_help_record(ctx)
            if record is not None:
                records[param.name] = record
        used: set[str | None] = set()
        for title, names in self.sections.items():
            rows = [records[name] for name in names if name in records]
            used.update(names)
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)
        rest = [record for name, record in records.items() if name not in used]
        if rest:
            with formatter.section("Other options"):
                formatter.write_dl(rest)


SECTIONS: dict[str, dict[str, list[str]]] = {
    "list": {
        "Filters (sugar for query terms)": ["since", "until", "country", "tag", "actor"],
        "Output": ["order", "limit", "fmt"],
    },
    "show": {"Output": ["fmt"]},
    "timeline": {"Layout": ["by", "width"]},
    "signals": {"Views": ["explain", "monthly", "only_country"], "Output": ["as_of", "fmt"]},
    "alerts": {"Selection": ["as_of", "since"], "Output": ["fmt"]},
    "diff": {"Comparison": ["as_of"], "Output": ["fmt", "stat"]},
    "digest": {
        "State": ["state_file", "baseline", "dry_run", "wait"],
        "Selection": ["as_of", "min_level", "max_items"],
        "Delivery": ["fmt", "mail_to", "deliver_cmd", "fail_on"],
    },
    "render": {"Output": ["fmt", "output", "title", "exact_only"]},
    "add": {
        "The event": [
            "date_text",
            "title",
            "end_text",
            "summary",
            "countries_",
            "actors",
            "tags",
            "status",
        ],
        "Its source": ["source_url", "source_title", "publisher"],
        "Your own reading": ["stance", "weight"],
        "Workflow": ["edit", "dry_run"],
    },
    "import": {"Reading the file": ["fmt", "maps"], "Workflow": ["dry_run"]},
    "init": {"Contents": ["example", "empty"]},
    "check": {"Output": ["fmt"]},
}


def command(name: str) -> Any:
    """cli.command with its options in sections."""
    return cli.command(name, cls=SectionedCommand, sections=SECTIONS.get(name, {}))


class State:
    def __init__(self, root: str | None, color: bool | None, no_cache: bool = False):
        self.root = root
        self.color = color
        self.no_cache = no_cache
        self.trouble = False


# -- plumbing shared by the commands --------------------------------------------------------


def today() -> dt.date:
    """ORBIT_TODAY (ISO) fixes 'today' for tests and reproducible transcripts."""
    fixed = os.environ.get("ORBIT_TODAY")
    if fixed:
        try:
            return dt.date.fromisoformat(fixed)
        except ValueError:
            raise UsageError(f"ORBIT_TODAY={fixed!r} is not an ISO date (YYYY-MM-DD)") from None
    return dt.date.today()


def say_error(message: str, hint: str = "") -> None:
    from orbitwatch.render.text import visible

    text = "orbit: error: " + visible(message, keep_newlines=True)
    if hint:
        text += "\n\n" + visible(hint, keep_newlines=True)
    click.echo(text, err=True)


def report(problems: Iterable[Problem]) -> int:
    """Print every problem on stderr; the number of errors (warnings do not count)."""
    from orbitwatch.render.text import visible

    errors = 0
    for problem in problems:
        click.echo(visible(problem.render()), err=True)
        errors += problem.severity == "error"
    return errors


def load(state: State, only: Sequence[Path] | None = None, prefilter: Any = None) -> Any:
    from orbitwatch.load import find_root, load_timeline

    root = find_root(state.root, os.environ, _cwd())
    with Progress() as progress:
        timeline = load_timeline(
            root, only, use_cache=not state.no_cache, progress=progress.update, prefilter=prefilter
        )
    if report(timeline.problems):
        state.trouble = True
    return timeline


class Progress:
    """A progress bar on stderr for cold loads that take over a second, only on a terminal."""

    def __init__(self) -> None:
        import time

        self.started = time.monotonic()
        self.bar: Any = None
        self.task: Any = None
        self.enabled = sys.stderr.isatty()
        try:  # ORBIT_PROGRESS_AFTER: seconds before the bar appears (tests set 0)
            self.after = float(os.environ.get("ORBIT_PROGRESS_AFTER", "1"))
        except ValueError:
            self.after = 1.0

    def __enter__(self) -> Progress:
        return self

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


def console(state: State) -> Any:
    from orbitwatch.render.terminal import make_console

    return make_console(sys.stdout, state.color)


def finish(state: State, status: ExitStatus = ExitStatus.OK) -> int:
    if state.trouble and status == ExitStatus.OK:
        return int(ExitStatus.TROUBLE)
    return int(status)


def parse_query(terms: Sequence[str], extra: Sequence[str] = ()) -> Any:
    from orbitwatch.query import parse

    return parse([*terms, *extra])


def signal_context(timeline: Any, on: dt.date) -> Any:
    from orbitwatch.signals import readings

    return readings(timeline.events, timeline.settings, on)


def select(
    timeline: Any, terms: Sequence[str], extra: Sequence[str], on: dt.date
) -> tuple[list[Any], dict[str, Any]]:
    from orbitwatch.query import compile_query
    from orbitwatch.signals import readings

    query = parse_query(terms, extra)
    predicate = compile_query(query, on)
    if query.uses_reading:
        reading_of = signal_context(timeline, on)
        return [e for e in timeline.events if predicate(e, reading_of.get(e.id))], reading_of
    chosen = [e for e in timeline.events if predicate(e, None)]
    return chosen, readings(chosen, timeline.settings, on)


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

        console(state).print(simple_table(headers, rows, styles, footer))
    else:
        write(plain_rows(rows))


# -- shell completion: dynamic values read from the timeline; never an error in the shell ----


def _completion_timeline(ctx: click.Context) -> Any:
    from orbitwatch.load import find_root, load_timeline

    root_option = ctx.find_root().params.get("root")
    root = find_root(root_option, os.environ, _cwd())
    return load_timeline(root)


def _values_for(field: str, timeline: Any) -> list[str]:
    from orbitwatch.model import STANCES, STATUSES

    events = timeline.events
    if field == "country":
        return sorted({c for e in events for c in e.countries})
    if field == "tag":
        vocabulary = timeline.settings.tags or {}
        return sorted(set(vocabulary) | {t for e in events for t in e.tags})
    if field == "actor":
        return sorted({a for e in events for a in e.actors})
    if field == "rule":
        return [rule.id for rule in timeline.settings.rules]
    if field == "status":
        return list(STATUSES)
    if field == "stance":
        return [*STANCES, "none"]
    if field == "id":
        return [e.id for e in events]
    return []


def complete_terms(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """`country:K` -> codes in the timeline; `tag:` -> tags; a bare prefix -> field names."""
    from click.shell_completion import CompletionItem

    from orbitwatch.query import FIELDS

    try:
        negation = ""
        rest = incomplete
        while rest.startswith("not:"):
            negation += "not:"
            rest = rest[4:]
        if ":" not in rest:
            return [
                CompletionItem(f"{negation}{name}:")
                for name in (*FIELDS, "not")
                if f"{name}".startswith(rest) and not (name == "not" and negation)
            ]
        field, _, value = rest.partition(":")
        head, _, last = value.rpartition(",")
        prefix = f"{negation}{field}:{head + ',' if head else ''}"
        values = _values_for(field, _completion_timeline(ctx))
        return [CompletionItem(prefix + v) for v in values if v.lower().startswith(last.lower())]
    except Exception:  # noqa: BLE001 - a broken timeline completes nothing, silently
        return []


def complete_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    try:
        return [e.id for e in _completion_timeline(ctx).events if e.id.startswith(incomplete)]
    except Exception:  # noqa: BLE001
        return []


def complete_countries(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    try:
        codes = _values_for("country", _completion_timeline(ctx))
        return [c for c in codes if c.lower().startswith(incomplete.lower())]
    except Exception:  # noqa: BLE001
        return []


def complete_revisions(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Branches, tags and HEAD of the timeline's repository, and folders."""
    import subprocess

    from click.shell_completion import CompletionItem

    found: list[Any] = []
    try:
        from orbitwatch.load import find_root

        root = find_root(ctx.find_root().params.get("root"), os.environ, _cwd())
        result = subprocess.run(
            ["git", "for-each-ref", "--format=%(refname:short)", "refs/heads", "refs/tags"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=2,
            stdin=subprocess.DEVNULL,
        )
        refs = ["HEAD", *result.stdout.split()] if result.returncode == 0 else []
        found = [CompletionItem(r) for r in refs if r.startswith(incomplete)]
    except Exception:  # noqa: BLE001
        pass
    return [*found, CompletionItem(incomplete, type="dir")] if "/" in incomplete else found


# -- the command group ----------------------------------------------------------------------


@click.group(
    cls=OrderedGroup,
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
    help="Force colour on or off (default: on for a terminal unless NO_COLOR is set).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Do not use or update the index of parsed files (also ORBIT_NO_CACHE=1).",
)
@click.pass_context
def cli(ctx: click.Context, root: str | None, color: bool | None, no_cache: bool) -> None:
    """Track dated geopolitical events, score drift out of Moscow's orbit, and mail digests.

    \b
    Examples:
      orbit list country:KZ since:2022-05
      orbit show 2022-05-16-csto-summit-moscow
      orbit signals --explain TJ
    """
    ctx.obj = State(root, color, no_cache)
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@command("check")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one document with every problem, for editors and CI.",
)
@click.pass_obj
def check_cmd(state: State, paths: tuple[Path, ...], fmt: str) -> int:
    """Validate orbit.toml and event files; exit 1 when any problem is found.

    \b
    Examples:
      orbit check
      orbit check events/2022/2022-05-16-csto-summit-moscow.toml
      orbit check --format json
    """
    import json

    from orbitwatch.load import find_root, load_timeline

    root = find_root(state.root, os.environ, _cwd())
    only = None
    if paths:
        only = []
        for path in map(_as_path, paths):
            only.extend(sorted(path.rglob("*.toml")) if path.is_dir() else [path])
    with Progress() as progress:
        timeline = load_timeline(root, only, use_cache=not state.no_cache, progress=progress.update)
    if fmt == "json":
        document = {
            "schema_version": 1,
            "files": len(only) if only is not None else None,
            "events": len(timeline.events),
            "problems": [p.to_json() for p in timeline.problems],
        }
        from orbitwatch.render.text import json_safe

        write([json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"])
    errors = sum(1 for p in timeline.problems if p.severity == "error")
    if fmt != "json":
        report(timeline.problems)
        warnings = len(timeline.problems) - errors
        if not errors:
            click.echo(
                f"{len(timeline.events)} events, no problems"
                + (f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""),
                err=True,
            )
    return int(ExitStatus.YES if errors else ExitStatus.OK)


LIST_FORMATS = ("table", "plain", "json", "jsonl", "csv", "ids")
TABLE_CAP = 500


@command("list")
@click.argument("terms", nargs=-1, shell_complete=complete_terms)
@click.option("--since", metavar="DATE", help="Sugar for since:DATE.")
@click.option("--until", metavar="DATE", help="Sugar for until:DATE.")
@click.option(
    "--country",
    metavar="C",
    multiple=True,
    help="Sugar for country:C (repeatable).",
    shell_complete=complete_countries,
)
@click.option("--tag", metavar="T", multiple=True, help="Sugar for tag:T (repeatable).")
@click.option("--actor", metavar="A", multiple=True, help="Sugar for actor:A (repeatable).")
@click.option(
    "--sort",
    "order",
    type=click.Choice(["date", "-date"]),
    default="date",
    show_default=True,
    help="Oldest first, or newest first with -date.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="At most N events (0: no limit). Terminal tables stop at 500 by default.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(LIST_FORMATS),
    default=None,
    help="Default: table on a terminal, plain tab-separated lines otherwise.",
)
@click.pass_obj
def list_cmd(
    state: State,
    terms: tuple[str, ...],
    since: str | None,
    until: str | None,
    country: tuple[str, ...],
    tag: tuple[str, ...],
    actor: tuple[str, ...],
    order: str,
    limit: int | None,
    fmt: str | None,
) -> int:
    """List events matching query terms (ANDed; commas are ORs; not: negates).

    \b
    Examples:
      orbit list country:KZ since:2022-05
      orbit list tag:drones,arms-deal not:status:rumored --sort -date
      orbit list "language patrols" --format json
    """
    extra = [f"since:{since}"] if since else []
    extra += [f"until:{until}"] if until else []
    extra += [f"country:{','.join(country)}"] if country else []
    extra += [f"tag:{','.join(tag)}"] if tag else []
    extra += [f"actor:{','.join(actor)}"] if actor else []
    from orbitwatch.query import prefilter

    query = parse_query(terms, extra)  # a bad term is a usage error before any file is read
    timeline = load(state, prefilter=prefilter(query, today()))
    events, reading_of = select(timeline, terms, extra, today())
    if order == "-date":
        events.reverse()
    total = len(events)
    if limit:
        events = events[:limit]
    if use_table(fmt):
        from orbitwatch.render.terminal import events_table

        cap = limit if limit is not None else TABLE_CAP
        shown = events[:cap] if cap else events
        console(state).print(events_table(shown, reading_of, total if not limit else len(events)))
    else:
        from orbitwatch.render.data import LIST_FORMATS as renderers

        write(renderers[fmt or "plain"](events, reading_of))
    return finish(state)


@command("show")
@click.argument("event_id", metavar="ID", shell_complete=complete_ids)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_obj
def show_cmd(state: State, event_id: str, fmt: str) -> int:
    """Show one event whole: dates with precision, countries, sources, reading.

    \b
    Example:
      orbit show 2022-05-16-csto-summit-moscow
    """
    from orbitwatch.model import Prefilter

    on = today()
    timeline = load(state, prefilter=Prefilter(ids=frozenset([event_id])))
    event = next((e for e in timeline.events if e.id == event_id), None)
    if event is None:
        from orbitwatch.errors import did_you_mean
        from orbitwatch.load import find_root, load_timeline

        everything = load_timeline(
            find_root(state.root, os.environ, _cwd()), use_cache=not state.no_cache
        )
        raise UsageError(
            f"no event with id '{event_id}'"
            f"{did_you_mean(event_id, [e.id for e in everything.events])}",
            hint="List ids with: orbit list --format ids",
        )
    reading = signal_context(timeline, on).get(event.id)
    if fmt == "json":
        import json

        from orbitwatch.render.data import SCHEMA_VERSION, event_dict

        doc = {"schema_version": SCHEMA_VERSION, **event_dict(event, reading)}
        from orbitwatch.render.text import json_safe

        write([json_safe(json.dumps(doc, ensure_ascii=False, indent=2)) + "\n"])
    else:
        from orbitwatch.render.terminal import event_detail

        rule = timeline.settings.rule(reading.rule) if reading else None
        console(state).print(event_detail(event, reading, rule.title if rule else ""))
    return finish(state)


@command("timeline")
@click.argument("terms", nargs=-1, shell_complete=complete_terms)
@click.option(
    "--by",
    type=click.Choice(["date", "country"]),
    default="date",
    show_default=True,
    help="country: one lane per country.",
)
@click.option(
    "--width",
    type=click.IntRange(min=40),
    default=None,
    help="Width in columns (default: the terminal's, else 80).",
)
@click.pass_obj
def timeline_cmd(state: State, terms: tuple[str, ...], by: str, width: int | None) -> int:
    """A vertical timeline in the terminal, grouped by year and month.

    Markers show each event's reading: ▲ away, ▼ toward, ● neutral, ○ none.
    Plain text when stdout is not a terminal or NO_COLOR is set.

    \b
    Examples:
      orbit timeline country:TJ
      orbit timeline since:2022-03 --by country --width 60
    """
    import shutil

    from orbitwatch.render.timeline import lanes_lines, plain, timeline_lines
    from orbitwatch.signals import watched_countries

    parse_query(terms)
    timeline = load(state)
    on = today()
    events, reading_of = select(timeline, terms, [], on)
    columns = width or (shutil.get_terminal_size((80, 24)).columns if sys.stdout.isatty() else 80)
    if by == "country":
        lanes = watched_countries(events, timeline.settings) or sorted(
            {c for e in events for c in e.countries}
        )
        max_lanes = max(1, (columns - 30) // 3)
        lines = lanes_lines(events, reading_of, lanes[:max_lanes], columns)
    else:
        lines = timeline_lines(events, reading_of, columns)
    if sys.stdout.isatty() or state.color:
        from orbitwatch.render.terminal import segments_text

        console(state).print(segments_text(lines))
    else:
        write(plain(lines))
    return finish(state)


def render_formats() -> list[str]:
    return ["md", "html", "json", "jsonl", "csv", "ics", "timelinejs"]


@command("render")
@click.argument("terms", nargs=-1, shell_complete=complete_terms)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(render_formats()),
    required=True,
    help="md, html, json, jsonl, csv, ics or timelinejs (see below).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write to FILE atomically (temporary file, then rename); default stdout.",
)
@click.option("--exact-only", is_flag=True, help="ics: leave out month- and year-precision events.")
@click.option(
    "--title",
    default="orbitwatch timeline",
    show_default=True,
    help="Title of the page, calendar or timeline.",
)
@click.pass_obj
def render_cmd(
    state: State,
    terms: tuple[str, ...],
    fmt: str,
    output: Path | None,
    exact_only: bool,
    title: str,
) -> int:
    """Export the timeline for the places a timeline goes.

    \b
    Examples:
      orbit render --format html -o timeline.html
      orbit render --format ics country:KZ -o kz.ics
      orbit render --format md since:2022-05
    """
    from orbitwatch.render import RenderInput, builtin
    from orbitwatch.signals import country_signals

    output = _as_path(output) if output is not None else None
    parse_query(terms)
    timeline = load(state)
    on = today()
    events, reading_of = select(timeline, terms, [], on)
    monthly = {}
    if fmt == "html":
        last = max((e.last_day for e in events), default=on)
        chart_day = min(on, last) if last < on else on
        for row in country_signals(events, reading_of, timeline.settings, chart_day):
            monthly[row.country] = row.monthly[-36:]
    data = RenderInput(events, reading_of, timeline.settings, on, monthly, exact_only, title)
    chunks = builtin()[fmt](data)
    if output is None:
        write(chunks)
    else:
        from orbitwatch.fsio import atomic_write

        atomic_write(output, "".join(chunks).encode("utf-8"))
        click.echo(f"wrote {output}", err=True)
    return finish(state)


def as_of_date(value: str | None) -> dt.date:
    if not value:
        return today()
    from orbitwatch.dates import DateError, parse_partial, relative_day

    now = today()
    rel = relative_day(value, now)
    if rel is not None:
        return rel
    try:
        return parse_partial(value).last_day
    except DateError as exc:
        raise UsageError(f"--as-of: {exc}") from None


@command("signals")
@click.argument("terms", nargs=-1, shell_complete=complete_terms)
@click.option(
    "--as-of",
    "as_of",
    metavar="DATE",
    help="Score on this day (default: today). A month or year means its last day.",
)
@click.option(
    "--explain",
    "explain",
    metavar="COUNTRY",
    help="Every event behind one country's score, with its share.",
    shell_complete=complete_countries,
)
@click.option(
    "--monthly",
    is_flag=True,
    help="Monthly arrows (away / toward / steady) with their rationale, newest first.",
)
@click.option(
    "--country",
    "only_country",
    metavar="C",
    multiple=True,
    help="With --monthly: only these countries.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "plain", "json"]),
    default=None,
    help="Default: table on a terminal, plain tab-separated lines otherwise.",
)
@click.pass_obj
def signals_cmd(
    state: State,
    terms: tuple[str, ...],
    as_of: str | None,
    explain: str | None,
    monthly: bool,
    only_country: tuple[str, ...],
    fmt: str | None,
) -> int:
    """Which countries drift out of the pole's orbit, how fast, and why.

    Terms restrict the events that are scored (the same query language as list).

    \b
    Examples:
      orbit signals --as-of 2022-05-31
      orbit signals --explain TJ --as-of 2022-05-31
      orbit signals --monthly --country KZ
    """
    from orbitwatch.query import resolve_country
    from orbitwatch.render import signals as out
    from orbitwatch.signals import contributions, country_signals, monthly_arrows

    parse_query(terms)
    on = as_of_date(as_of)
    timeline = load(state)
    events, reading_of = select(timeline, terms, [], on)
    settings = timeline.settings
    if explain:
        country = resolve_country(explain)
        if country == settings.pole:
            raise UsageError(f"{country} is the pole; the pole itself is never scored")
        parts = contributions(events, reading_of, settings, country, on)
        score = sum(p.value for p in parts)
        level = settings.level_of(score)
        if fmt == "json":
            write(out.explain_json(country, on.isoformat(), score, level, parts))
        else:
            summary = out.explain_summary(
                country, on.isoformat(), score, level, settings.half_life_text, parts
            )
            rows = out.explain_rows(parts)
            if use_table(fmt):
                from orbitwatch.render.terminal import explain_cards

                click.echo("\n".join(summary[:2]) + "\n")
                console(state).print(
                    explain_cards(out.explain_cards(parts, settings.half_life_text, on.isoformat()))
                )
                click.echo("\n" + summary[2])
            else:
                write(f"# {line}\n" for line in summary)
                rows_out(state, fmt, out.EXPLAIN_HEADERS, rows)
        return finish(state)
    if monthly:
        wanted = [resolve_country(c) for c in only_country] or None
        arrows = monthly_arrows(events, reading_of, settings, on, wanted)
        if fmt == "json":
            write(out.arrows_json(arrows))
        else:
            rows_out(state, fmt, out.ARROW_HEADERS, out.arrow_rows(arrows), ("", "", "stance"))
        return finish(state)
    country_rows = country_signals(events, reading_of, settings, on)
    if fmt == "json":
        write(out.signals_json(country_rows, on.isoformat(), settings.pole))
    else:
        rows_out(
            state,
            fmt,
            out.SIGNAL_HEADERS,
            out.signal_rows(country_rows),
            footer=f"drift away from {settings.pole} on {on.isoformat()}; half-life "
            f"{settings.half_life_text}; explain one with: orbit signals --explain CODE",
        )
        latest = max((e.first_day for e in events), default=None)
        if (
            use_table(fmt)
            and not as_of
            and latest
            and (on - latest).days > 2 * settings.half_life_days
        ):
            click.echo(
                f"hint: the latest event is from {latest.isoformat()}, more than two "
                f"half-lives ago, so every score has decayed; to see the timeline as it "
                f"stood then: orbit signals --as-of {latest.isoformat()}",
                err=True,
            )
    return finish(state)


@command("alerts")
@click.argument("terms", nargs=-1, shell_complete=complete_terms)
@click.option(
    "--as-of", "as_of", metavar="DATE", help="Alerts in force on this day (default: today)."
)
@click.option("--since", metavar="DATE", help="Only alerts dated on or after DATE.")
@click.option("--format", "fmt", type=click.Choice(["table", "plain", "json"]), default=None)
@click.pass_obj
def alerts_cmd(
    state: State, terms: tuple[str, ...], as_of: str | None, since: str | None, fmt: str | None
) -> int:
    """The alerts in force (signal, level-up/down, convergence, upcoming), newest first.

    \b
    Examples:
      orbit alerts --as-of 2022-05-31
      orbit alerts country:TJ --since 2022-05
    """
    from orbitwatch.render import signals as out
    from orbitwatch.signals import alerts, filter_alerts

    query = parse_query(terms)
    on = as_of_date(as_of)
    start = None
    if since:
        from orbitwatch.query import term_period

        start = term_period("since", since, on, f"--since {since}").first
    timeline = load(state)
    reading_of = signal_context(timeline, on)
    by_id = {e.id: e for e in timeline.events}
    found = [
        a
        for a in filter_alerts(
            alerts(timeline.events, reading_of, timeline.settings, on), query, by_id, reading_of, on
        )
        if start is None or a.date >= start
    ]
    if fmt == "json":
        write(out.alerts_json(found))
    elif use_table(fmt):
        from orbitwatch.render.terminal import alerts_table

        console(state).print(alerts_table(out.alert_table_rows(found, by_id)))
    else:
        rows_out(state, fmt, out.ALERT_HEADERS, out.alert_rows(found, by_id))
    return finish(state)


def _run_deliver_cmd(argv: list[str], data: bytes) -> int:
    """Run the delivery command; a signal can never leave it running behind us.

    SIGINT and SIGTERM are held while the child starts (so they cannot strike between fork
    and the Popen object), and any exception while it runs kills it.
    """
    import signal
    import subprocess

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


def deliver(data: bytes, deliver_cmd: str | None) -> None:
    """Write the digest to stdout and flush, or pipe it to --deliver-cmd (which must exit 0)."""
    if deliver_cmd:
        import shlex

        try:
            argv = shlex.split(deliver_cmd)
            returncode = _run_deliver_cmd(argv, data)
        except (OSError, ValueError) as exc:
            raise OrbitError(
                f"--deliver-cmd {deliver_cmd!r} could not run: {exc}", ExitStatus.OUTPUT_FAILED
            ) from None
        if returncode != 0:
            raise OrbitError(
                f"--deliver-cmd {deliver_cmd!r} exited {returncode}; the "
                "alerts stay unsent and come again next run",
                ExitStatus.OUTPUT_FAILED,
            )
        return
    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise OrbitError(
            "cannot write the digest: the reader of stdout has gone; the alerts "
            "stay unsent and come again next run",
            ExitStatus.OUTPUT_FAILED,
        ) from None
    except OSError as exc:
        _silence_stdout()
        raise OrbitError(
            f"cannot write the digest: {exc.strerror}; the alerts stay unsent and "
            "come again next run",
            ExitStatus.OUTPUT_FAILED,
        ) from None


@command("digest")
@click.argument("terms", nargs=-1, shell_complete=complete_terms)
@click.option(
    "--state",
    "state_file",
    metavar="FILE",
    is_flag=False,
    flag_value="",
    default=None,
    help="Send only alerts not yet in FILE, then record them. --state "
    "alone: ORBIT_STATE, else a file under the user's state folder. Without it: a "
    "stateless preview of every alert in force.",
)
@click.option(
    "--as-of", "as_of", metavar="DATE", help="Alerts in force on this day (default: today)."
)
@click.option("--min-level", metavar="LEVEL", help="Only alerts about a country at LEVEL or above.")
@click.option(
    "--max-items",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    metavar="N",
    help="Detailed items; the rest are listed one line each (and recorded too).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md", "json", "email"]),
    default="text",
    show_default=True,
)
@click.option("--mail-to", metavar="ADDR", help="The To: address for --format email.")
@click.option("--fail-on", metavar="LEVEL", help="Exit 1 when an alert at LEVEL or above was sent.")
@click.option(
    "--deliver-cmd",
    metavar="CMD",
    help="Pipe the digest to CMD (no shell) instead of "
    'stdout; the state advances only if CMD exits 0. E.g. "sendmail -t -oi".',
)
@click.option("--dry-run", is_flag=True, help="Show what would be sent; no lock, no writes.")
@click.option(
    "--baseline",
    is_flag=True,
    help="Record every alert in force as sent, print nothing (a first run that must not flood).",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="Wait this long for another run's lock, then exit 75.",
)
@click.pass_obj
def digest_cmd(
    state: State,
    terms: tuple[str, ...],
    state_file: str | None,
    as_of: str | None,
    min_level: str | None,
    max_items: int,
    fmt: str,
    mail_to: str | None,
    fail_on: str | None,
    deliver_cmd: str | None,
    dry_run: bool,
    baseline: bool,
    wait: float,
) -> int:
    """For cron: print only alerts not yet sent, then record them; silent when nothing is new.

    Deliver, then commit: the state advances only after the whole digest was written and
    flushed (or accepted by --deliver-cmd). Exit: 0 done, 1 --fail-on hit, 2 usage or invalid
    inputs, 74 output failed, 75 lock busy, 78 state unusable.

    \b
    Examples:
      orbit digest --state ~/.local/state/orbit-kz.json --format md
      orbit digest --state --format email --mail-to desk@example.org --deliver-cmd "sendmail -t -oi"
      orbit digest --as-of 2022-05-31          # a stateless preview
    """
    from orbitwatch.digest import (
        commit_delivery,
        country_lines,
        plan,
        select_alerts,
        start_delivery,
    )
    from orbitwatch.load import find_root
    from orbitwatch.render import digest as out
    from orbitwatch.signals import alerts
    from orbitwatch.state import (
        DigestState,
        StateLock,
        default_state_path,
        load_state,
        save_state,
    )

    query = parse_query(terms)
    on = as_of_date(as_of)
    if fmt == "email" and not mail_to:
        raise UsageError("--format email needs --mail-to ADDR")
    root = find_root(state.root, os.environ, _cwd())
    path: Path | None = None
    if state_file:
        from orbitwatch.query import FIELD_RE, FIELDS

        term = FIELD_RE.match(state_file)
        if (term and term.group(1) in FIELDS) or state_file.startswith("not:"):
            raise UsageError(
                f"--state {state_file!r} looks like a query term, not a file",
                hint="Put terms before --state, or write --state= for the default state file.",
            )
    if state_file is not None:
        path = _as_path(state_file or os.environ.get("ORBIT_STATE") or default_state_path(root))
    elif os.environ.get("ORBIT_STATE"):
        path = _as_path(os.environ["ORBIT_STATE"])
    if baseline and path is None:
        raise UsageError("--baseline needs a state file: --state FILE (or ORBIT_STATE)")

    def compute(previous: DigestState | None) -> Any:
        timeline = load(state)
        settings = timeline.settings
        for name, option in ((min_level, "--min-level"), (fail_on, "--fail-on")):
            if name and settings.level_rank(name) < 0:
                known = ", ".join(level.name for level in settings.levels) or "none defined"
                raise UsageError(f"{option} {name!r} is not a level in orbit.toml ({known})")
        from orbitwatch.signals import filter_alerts

        events = timeline.events
        reading_of = signal_context(timeline, on)
        by_id = {e.id: e for e in events}
        chosen = filter_alerts(
            alerts(events, reading_of, settings, on), query, by_id, reading_of, on
        )
        in_force = select_alerts(chosen, settings, min_level)
        lines = country_lines(events, reading_of, settings, on)
        return plan(in_force, previous, settings, lines, by_id, on, max_items)

    def render(digest: Any) -> bytes:
        if fmt == "email":
            from email.utils import format_datetime

            now_header = format_datetime(dt.datetime.now(dt.timezone.utc))
            return out.digest_email(digest, mail_to or "", now_header)
        renderer = {"text": out.digest_text, "md": out.digest_md, "json": out.digest_json}[fmt]
        return "".join(renderer(digest)).encode("utf-8")

    def exit_status(digest: Any) -> int:
        if state.trouble:
            return int(ExitStatus.TROUBLE)
        if fail_on and digest is not None:
            floor = digest.settings.level_rank(fail_on)
            if any(digest.settings.level_rank(a.level) >= floor for a in digest.alerts):
                return int(ExitStatus.YES)
        return int(ExitStatus.OK)

    if path is None or dry_run:
        previous = load_state(path) if path is not None else None
        digest = compute(previous)
        if digest is not None:
            deliver(render(digest), None)
        return exit_status(digest)

    with StateLock(path, wait):
        previous = load_state(path, fresh_start=baseline)
        digest = compute(previous)
        now = dt.datetime.now(dt.timezone.utc)
        if digest is None:
            if previous.pending is not None:
                save_state(path, commit_delivery(previous, None, now))
            return exit_status(None)
        if baseline:
            save_state(path, commit_delivery(previous, digest, now))
            click.echo(
                f"orbit: recorded {len(digest.alerts)} alerts in {path} as already sent", err=True
            )
            return exit_status(None)
        data = render(digest)
        save_state(path, start_delivery(previous, digest, now))
        try:
            deliver(data, deliver_cmd)
        except OrbitError:
            try:
                save_state(path, previous)  # not delivered: as if this run never happened
            except OrbitError:
                pass  # the disk refuses even that: the pending mark stays, a repeat comes next
            raise
        from orbitwatch.fsio import fault_point

        fault_point("digest-after-deliver")
        save_state(path, commit_delivery(previous, digest, now))
    return exit_status(digest)


def load_side(state: State, root: Path, spec: str) -> tuple[Any, str]:
    """A diff side: an existing folder, or a git revision of the timeline's repository."""
    from orbitwatch.load import load_revision, load_timeline

    folder = _as_path(spec)
    if spec not in ("", ".") and folder.is_dir():
        timeline = load_timeline(folder)
        label = spec
    else:
        timeline = load_revision(root, spec)
        label = spec
    if report(timeline.problems):
        state.trouble = True
    return timeline, label


def looks_like_side(root: Path, spec: str) -> bool:
    from orbitwatch.load import resolve_revision
    from orbitwatch.query import FIELD_RE, FIELDS

    m = FIELD_RE.match(spec)
    if spec.startswith("not:") or (m and m.group(1) in FIELDS):
        return False
    if _as_path(spec).is_dir():
        return True
    try:
        resolve_revision(root, spec)
    except OrbitError:
        return False
    return True


@command("diff")
@click.argument("old", metavar="OLD", shell_complete=complete_revisions)
@click.argument("rest", nargs=-1, metavar="[NEW] [TERM...]", shell_complete=complete_revisions)
@click.option(
    "--as-of",
    "as_of",
    metavar="DATE",
    help="Day of the signal impact (default: "
    "today, or the latest event date when the timeline ends before today).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True
)
@click.option("--stat", is_flag=True, help="Counts only.")
@click.pass_obj
def diff_cmd(
    state: State, old: str, rest: tuple[str, ...], as_of: str | None, fmt: str, stat: bool
) -> int:
    """What changed between two versions of the timeline, and what it does to the signals.

    OLD and NEW are timeline folders or git revisions (HEAD~3, a tag, a branch,
    main@{2.weeks.ago}); NEW defaults to the working tree. Events match by id; an event
    under a new id with the same date and the same (or 90% similar) content is a rename.
    Exit 0: no differences, 1: differences, 2: trouble.

    \b
    Examples:
      orbit diff HEAD~5
      orbit diff v1.0 HEAD country:KZ --format md
      orbit diff ../timeline-old . --stat
    """
    from orbitwatch.diff import diff_timelines
    from orbitwatch.load import find_root, load_timeline
    from orbitwatch.query import compile_query
    from orbitwatch.render import diffout
    from orbitwatch.signals import readings

    root = find_root(state.root, os.environ, _cwd())
    new_spec = rest[0] if rest and looks_like_side(root, rest[0]) else None
    terms = rest[1:] if new_spec is not None else rest
    query = parse_query(terms)
    old_timeline, old_label = load_side(state, root, old)
    if new_spec is None:
        new_timeline = load_timeline(root)
        if report(new_timeline.problems):
            state.trouble = True
        new_label = "working tree"
    else:
        new_timeline, new_label = load_side(state, root, new_spec)
    now = today()
    if as_of:
        on = as_of_date(as_of)
    else:
        last = max(
            (e.last_day for tl in (old_timeline, new_timeline) for e in tl.events), default=now
        )
        on = min(now, last)

    def matching(timeline: Any) -> set[str]:
        predicate = compile_query(query, on)
        reading_of = readings(timeline.events, timeline.settings, on)
        return {e.id for e in timeline.events if predicate(e, reading_of.get(e.id))}

    # An event is in the diff when it matches the terms on either side.
    wanted = matching(old_timeline) | matching(new_timeline)
    old_events = [e for e in old_timeline.events if e.id in wanted]
    new_events = [e for e in new_timeline.events if e.id in wanted]
    result = diff_timelines(
        old_events, old_timeline.settings, new_events, new_timeline.settings, on
    )
    if stat:
        write(diffout.diff_stat(result, old_label, new_label))
    else:
        renderer = {"text": diffout.diff_text, "md": diffout.diff_md, "json": diffout.diff_json}
        write(renderer[fmt](result, old_label, new_label))
    if state.trouble:
        return int(ExitStatus.TROUBLE)
    return int(ExitStatus.OK if result.empty else ExitStatus.YES)


@command("add")
@click.option(
    "--date",
    "date_text",
    required=True,
    metavar="DATE",
    help="ISO (2022-05-16, 2022-05, 2022) or written ('16 May 2022', 'May 2022').",
)
@click.option("--title", required=True, help="One line.")
@click.option("--end", "end_text", metavar="DATE", help="Last day, for events spanning days.")
@click.option("--summary", default="", help="A few sentences in your own words.")
@click.option(
    "--country",
    "countries_",
    multiple=True,
    metavar="C",
    help="Alpha-2, alpha-3 or name; repeatable.",
)
@click.option("--actor", "actors", multiple=True, metavar="A", help="Repeatable.")
@click.option("--tag", "tags", multiple=True, metavar="T", help="Repeatable.")
@click.option(
    "--status",
    type=click.Choice(["occurred", "scheduled", "reported", "rumored", "denied"]),
    default="occurred",
    show_default=True,
)
@click.option("--source-url", metavar="URL", help="http(s) only.")
@click.option("--source-title", metavar="T")
@click.option("--publisher", metavar="P")
@click.option(
    "--stance",
    type=click.Choice(["away", "toward", "neutral"]),
    help="Your own reading ([signal]); needs --weight.",
)
@click.option("--weight", type=click.IntRange(1, 5), help="1 to 5, with --stance.")
@click.option("--edit", is_flag=True, help="Open $VISUAL/$EDITOR on the new file, then re-check.")
@click.option("--dry-run", is_flag=True, help="Print the file and its path; write nothing.")
@click.pass_obj
def add_cmd(
    state: State,
    date_text: str,
    title: str,
    end_text: str | None,
    summary: str,
    countries_: tuple[str, ...],
    actors: tuple[str, ...],
    tags: tuple[str, ...],
    status: str,
    source_url: str | None,
    source_title: str | None,
    publisher: str | None,
    stance: str | None,
    weight: int | None,
    edit: bool,
    dry_run: bool,
) -> int:
    """Add one event file, checked like `orbit check` before it is written.

    Writes events/YYYY/<date>-<slug>.toml (the slug comes from the title, ASCII, at most 60
    characters). An existing file is never overwritten: a numbered suffix (-2, -3) is used.
    An event with the same date and a near-identical title is refused as a duplicate.

    \b
    Examples:
      orbit add --date 2022-05-16 --title "CSTO summit in Moscow" --country RU --country KZ
      orbit add --date "May 2022" --title "Rumours of EAEU exit" --country Kazakhstan \\
                --status denied --tag bloc-exit --source-url https://asiatimes.com/...
    """
    from orbitwatch.load import display_path, find_root, load_timeline
    from orbitwatch.write import NewEvent, plan_add

    root = find_root(state.root, os.environ, _cwd())
    timeline = load_timeline(root)
    new = NewEvent(
        date_text,
        title,
        end_text,
        summary,
        countries_,
        actors,
        tags,
        status,
        source_url,
        source_title,
        publisher,
        stance,
        weight,
    )
    planned, problems = plan_add(new, root, timeline.events, timeline.settings, display_path)
    if planned is None:
        report(problems)
        raise UsageError(f"not written: {len(problems)} problem(s) in the new event")
    path, text, event = planned.path, planned.text, planned.event
    shown = display_path(path)
    if dry_run:
        write([f"# {shown}\n", text])
        return int(ExitStatus.OK)
    from orbitwatch.fsio import create_new

    create_new(path, text.encode("utf-8"))
    if edit:
        import shlex
        import subprocess

        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        subprocess.run([*shlex.split(editor), str(path)], check=False)
        again = load_timeline(root, [path])
        if report(again.problems):
            click.echo(
                f"{shown}: kept as edited; fix the problems above and run orbit check", err=True
            )
            return int(ExitStatus.TROUBLE)
        event = again.events[0]
    click.echo(f"{shown}\t{event.id}")
    return int(ExitStatus.OK)


@command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "jsonl"]),
    default=None,
    help="Default: from the file name's extension.",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Map a column to a field (or 'ignore'); repeatable.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check everything and list what would be written; write nothing.",
)
@click.pass_obj
def import_cmd(
    state: State, file: Path, fmt: str | None, maps: tuple[str, ...], dry_run: bool
) -> int:
    """Import events in bulk from CSV, JSON or JSON Lines: all or nothing.

    Columns of orbitwatch's own csv/json exports and of ACLED exports (event_date, country,
    actor1, actor2, notes, source, event_type, sub_event_type) map by default. Every row is
    checked first; if any is invalid nothing is written and each bad row is reported as
    FILE:row N: field: message. Events already in the timeline (same date, near-identical
    title) are skipped and listed.

    \b
    Examples:
      orbit import acled-central-asia.csv --dry-run
      orbit import export.json
      orbit import sheet.csv --map Headline=title --map Notes=summary --map Remarks=ignore
    """
    from orbitwatch.fsio import import_files

    file = _as_path(file)
    from orbitwatch.load import display_path, find_root, load_timeline
    from orbitwatch.render.text import visible
    from orbitwatch.write import parse_mapping, plan_import, read_rows

    try:
        mapping = parse_mapping(maps)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    suffixes = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
    kind = fmt or suffixes.get(file.suffix.lower())
    if kind is None:
        raise UsageError(f"cannot tell the format of {file}; give --format csv|json|jsonl")
    try:
        rows = read_rows(file.read_text(encoding="utf-8-sig"), kind)
    except (UnicodeDecodeError, ValueError, OSError) as exc:
        raise OrbitError(f"{file}: cannot read as {kind}: {exc}") from None
    root = find_root(state.root, os.environ, _cwd())
    timeline = load_timeline(root)
    shown_file = display_path(file)
    plan = plan_import(
        rows, mapping, root, timeline.events, timeline.settings, today(), display_path
    )
    for p in plan.problems:
        click.echo(visible(f"{shown_file}:row {p.row}: {p.field}: {p.message}"), err=True)
    if plan.problems:
        raise UsageError(f"nothing imported: {len(plan.problems)} problem(s) in {shown_file}")
    for number, event, twin in plan.skipped:
        click.echo(
            f"skipped row {number}: {visible(event.title)} (already in the timeline as {twin.id})",
            err=True,
        )
    if dry_run:
        for planned in plan.files:
            click.echo(f"would write {display_path(planned.path)}\t{planned.event.id}")
        return int(ExitStatus.OK)
    import_files(root / "events", [(f.path, f.text.encode("utf-8")) for f in plan.files])
    for planned in plan.files:
        click.echo(f"{display_path(planned.path)}\t{planned.event.id}")
    click.echo(
        f"imported {len(plan.files)} events, skipped {len(plan.skipped)} duplicates", err=True
    )
    return int(ExitStatus.OK)


EMPTY_SETTINGS = """# orbitwatch settings (every key: docs/signals.md); `orbit check` validates it.

[signals]
pole = "RU"                  # whose orbit we watch: "away" means away from this country
half_life = "180d"           # an event's weight halves every half_life (d, w, m, y)
watch = []                   # countries to score (alpha-2); empty: every country in the timeline
convergence_rules = 3        # this many distinct rules for one country ...
convergence_window = "90d"   # ... within this window raise a convergence alert
arrow_threshold = 0.25       # monthly arrow: change vs trailing 12-month mean beyond this
warn = [14, 7, 1]            # days before a scheduled event that raise an upcoming alert

# Declare a [tags] table to make `orbit check` enforce a tag vocabulary:
# [tags]
# drones = "Unmanned aircraft: sales, donations, co-production"

# Rules read events that carry no [signal] table. `when` is a query in the language of
# `orbit list`; the strongest matching weight decides an event's reading.
# [[rules]]
# id = "security-diversification"
# title = "Security ties with a power other than the pole"
# rationale = "Arms, drones or aid from elsewhere loosen the pole's hold."
# when = "tag:drones,arms-deal country:US,TR,CN not:country:RU"
# stance = "away"            # away | toward | neutral
# weight = 3                 # 1..5

# Alert levels on a country's drift score.
[[levels]]
name = "watch"
score = 3.0
"""
GITIGNORE = "# orbitwatch keeps no state in the timeline folder; editors do\n*~\n.*.swp\n.*.tmp\n"


@command("init")
@click.argument("folder", required=False, default=".", type=click.Path())
@click.option(
    "--example",
    type=click.Choice(["central-asia"]),
    default=None,
    help="Copy the shipped example timeline (the default).",
)
@click.option("--empty", is_flag=True, help="No events; a documented orbit.toml to start from.")
@click.pass_obj
def init_cmd(state: State, folder: Path, example: str | None, empty: bool) -> int:
    """Create a new timeline folder: orbit.toml, events/ and a .gitignore.

    \b
    Examples:
      orbit init demo && cd demo && orbit signals --as-of 2022-05-31
      orbit init ~/timelines/caucasus --empty
    """
    import importlib.resources
    import shutil

    folder = _as_path(folder)
    if example and empty:
        raise UsageError("--example and --empty exclude each other")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder} is not an empty folder; init never writes into existing files")
    folder.mkdir(parents=True, exist_ok=True)
    from orbitwatch.fsio import create_new

    if empty:
        (folder / "events").mkdir()
        create_new(folder / "orbit.toml", EMPTY_SETTINGS.encode("utf-8"))
    else:
        source = importlib.resources.files("orbitwatch") / "examples" / (example or "central-asia")
        with importlib.resources.as_file(source) as path:
            shutil.copytree(path / "events", folder / "events")
            shutil.copy2(path / "orbit.toml", folder / "orbit.toml")
    create_new(folder / ".gitignore", GITIGNORE.encode("utf-8"))
    what = "an empty timeline" if empty else f"the {example or 'central-asia'} example timeline"
    click.echo(f"created {what} in {folder}", err=True)
    return int(ExitStatus.OK)


# -- entry point ----------------------------------------------------------------------------


def _utf8_streams() -> None:
    """UTF-8 out and err whatever the locale (cron runs with LC_ALL=C)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass


def _silence_stdout() -> None:
    """After a failed write, point stdout at /dev/null so the interpreter's exit flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> None:
    """The console script: UTF-8 streams, then click in standalone mode (it exits)."""
    _utf8_streams()
    if argv is None:
        argv = [_utf8_argument(arg) for arg in sys.argv[1:]]
    try:
        code = cli.main(args=argv, prog_name="orbit", standalone_mode=False)
    except click.exceptions.ClickException as exc:
        # click's own messages repeat what was typed: make control characters visible too
        from orbitwatch.render.text import visible

        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            click.echo(exc.ctx.get_usage(), err=True)
            click.echo(f"Try '{exc.ctx.command_path} --help' for help.\n", err=True)
        click.echo(f"Error: {visible(exc.format_message())}", err=True)
        code = exc.exit_code
    except click.exceptions.Abort:
        click.echo("orbit: interrupted", err=True)
        code = 130
    sys.exit(int(code or 0))


def _utf8_argument(arg: str) -> str:
    """Arguments are UTF-8 whatever the locale: under LC_ALL=C Python hands over surrogates."""
    try:
        return os.fsencode(arg).decode("utf-8")
    except UnicodeDecodeError:
        return arg
