"""`orbit add`, `orbit import` and `orbit init`: new event files and new timelines.

Parse options, call one app function (app/authoring.py), report, map to an exit status.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import click

from orbitwatch.cli.common import State, SuggestingChoice, as_path, today, write
from orbitwatch.cli.completion import complete_values
from orbitwatch.cli.help import command
from orbitwatch.cli.status import ExitStatus
from orbitwatch.model.errors import UsageError
from orbitwatch.model.schema import choices_of
from orbitwatch.text.words import plural

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from orbitwatch.app.authoring import ImportOutcome, Initialised


@command("add")
@click.option(
    "--date",
    "date",
    required=True,
    metavar="DATE",
    help="ISO (2022-05-16, 2022-05, 2022) or written ('16 May 2022', 'May 2022').",
)
@click.option("--title", required=True, help="One line.")
@click.option("--end", "end", metavar="DATE", help="Last day, for events spanning days.")
@click.option("--summary", default="", help="A few sentences in your own words.")
@click.option(
    "--country",
    "countries",
    multiple=True,
    metavar="C",
    help="Alpha-2, alpha-3 or name; repeatable.",
    shell_complete=complete_values("country"),
)
@click.option(
    "--actor",
    "actors",
    multiple=True,
    metavar="A",
    help="Repeatable.",
    shell_complete=complete_values("actor"),
)
@click.option(
    "--tag",
    "tags",
    multiple=True,
    metavar="T",
    help="Repeatable.",
    shell_complete=complete_values("tag"),
)
@click.option(
    "--status",
    type=SuggestingChoice(choices_of("status"), "status", "statuses"),
    default="occurred",
    show_default=True,
)
@click.option("--source-url", metavar="URL", help="http(s) only.")
@click.option("--source-title", metavar="T")
@click.option("--publisher", metavar="P")
@click.option("--author", metavar="NAME", help="The source's author.")
@click.option("--source-date", metavar="DATE", help="The source's publication date, any precision.")
@click.option(
    "--stance",
    type=SuggestingChoice(choices_of("signal.stance"), "stance", "stances"),
    help="Your own reading ([signal]); needs --weight.",
)
@click.option("--weight", type=click.IntRange(1, 5), help="1 to 5, with --stance.")
@click.option(
    "--act",
    "acts",
    multiple=True,
    metavar="'BY ACT TO'",
    help="Who did what to whom, e.g. 'AM reduce CSTO' (a CAMEO root or code); repeatable. "
    "'+' joins several parties on one side: 'KZ+KG cooperate RU' (by = [\"KZ\", \"KG\"]). "
    "Countries it names join the event's countries.",
)
@click.option(
    "--act-note",
    "act_notes",
    multiple=True,
    metavar="TEXT",
    help="The note of an act, one line: the first --act-note goes with the first --act, and so on.",
)
@click.option(
    "--id",
    "event_id",
    metavar="ID",
    help="The event's id, and its file name (events/YYYY/ID.toml), instead of <date>-<slug>: "
    "letters, digits, '.', '_', '-', starting with a letter or digit; not already used.",
)
@click.option(
    "--edit",
    is_flag=True,
    help="Open $VISUAL/$EDITOR on the new file, then re-check (needs a terminal on stdin and "
    "stdout: refused with 2 otherwise, before anything is written).",
)
@click.option("--dry-run", is_flag=True, help="Print the file and its path; write nothing.")
@click.pass_obj
def add_cmd(state: State, /, edit: bool, dry_run: bool, **fields: Any) -> int:
    """Add one event file, checked like `orbit check` before it is written.

    Writes events/YYYY/<date>-<slug>.toml (the slug comes from the title: ASCII, whole words,
    at most 60 characters), or events/YYYY/<ID>.toml with --id, in the style of the example
    files. An existing file is never overwritten: a numbered suffix (-2, -3) is used.
    A near-identical title on the same date is a duplicate (not quits vs joins, or a not).

    \b
    Examples:
      orbit add --date 2022-05-16 --title "CSTO summit in Moscow" --country RU --country KZ
      orbit add --date "May 2022" --title "Rumours of EAEU exit" --country Kazakhstan \\
                --status denied --tag bloc-exit --source-url https://asiatimes.com/...
      orbit add --date 2024-02-22 --title "Armenia freezes its part in the CSTO" \\
                --act "AM reduce CSTO" --act-note "freezes its participation"
      orbit add --date 2022-05-16 --title "Joint pledge" --act "KZ+KG cooperate RU" \\
                --publisher "Asia Times" --author "N. Mikovic" --source-date 2022-05
    """
    from orbitwatch.app.authoring import add_event, recheck
    from orbitwatch.authoring.write import NewEvent

    new = NewEvent(**fields)  # every option but --edit and --dry-run is a field of NewEvent
    added = add_event(state.workspace, new, dry_run, edit=editor(edit and not dry_run))
    if dry_run:
        write([f"# {added.shown}\n", added.text])
        return int(ExitStatus.OK)
    while added.problems and edit and sys.stdin.isatty():
        if not click.confirm(f"{added.shown} has problems; edit it again?", default=True):
            break
        run_editor(added.path)
        added = recheck(state.workspace, added)
    if added.problems:
        click.echo(
            f"{added.shown}: kept as edited; fix the problems above and run orbit check", err=True
        )
        return int(ExitStatus.TROUBLE)
    if sys.stdout.isatty():  # words for a person; the TSV line stays for pipes and scripts
        click.echo(f"wrote {added.shown} (id {added.event.id}); check it with: orbit show "
                   f"{added.event.id}")  # fmt: skip
    else:
        click.echo(f"{added.shown}\t{added.event.id}")
    return int(ExitStatus.OK)


def editor(wanted: bool) -> Callable[[Path], None] | None:
    """run_editor for --edit, refused (2) before anything is written when stdin or stdout is
    not a terminal: an editor there waits forever for keys no one can type."""
    if not wanted:
        return None
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(
            "--edit opens an editor, which needs a terminal on stdin and stdout; this run has none",
            hint="Add the event without --edit, then edit the file it names.",
        )
    return run_editor


def run_editor(path: Path) -> None:
    """$VISUAL, else $EDITOR, else vi on the file; its exit status does not matter."""
    import shlex
    import subprocess

    from orbitwatch.model.errors import UsageError

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        subprocess.run([*shlex.split(editor), str(path)], check=False)
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"cannot run the editor {editor!r}: {exc}; nothing was written",
            hint="Set VISUAL or EDITOR to an editor on your PATH, or leave out --edit.",
        ) from None


@command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
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
    FILE:row N: field: message (a column every row fails, or an unknown one, once, as
    FILE: column: message). Headers match in any case (Date is date). Events already in the
    timeline (same date, near-identical title) are skipped and listed. FILE is a regular file,
    or - for standard input (give --format); at most 64 MiB is read.

    \b
    Examples:
      orbit import acled-central-asia.csv --dry-run
      orbit import export.json
      orbit import sheet.csv --map Headline=title --map Notes=summary --map Remarks=ignore
    """
    from orbitwatch.app.authoring import plan_import_file, write_import
    from orbitwatch.timeline.load import display_path

    outcome = plan_import_file(state.workspace, as_path(file), fmt, maps, today(), sys.stdin.buffer)
    _report_import(outcome)
    if dry_run:
        for planned in outcome.plan.files:
            click.echo(f"would write {display_path(planned.path)}\t{planned.event.id}")
        return int(ExitStatus.OK)
    write_import(outcome)
    for planned in outcome.plan.files:
        click.echo(f"{display_path(planned.path)}\t{planned.event.id}")
    click.echo(
        f"imported {plural(len(outcome.plan.files), 'event')}, skipped "
        f"{plural(len(outcome.plan.skipped), 'duplicate')}",
        err=True,
    )
    return int(ExitStatus.OK)


def _report_import(outcome: ImportOutcome) -> None:
    """Every bad row (then refuse), else every row skipped as a duplicate."""
    from orbitwatch.render.text import visible

    plan, shown_file = outcome.plan, outcome.shown_file
    for p in plan.problems:
        where = f"{shown_file}:row {p.row}" if p.row else shown_file  # 0: a whole column
        click.echo(visible(f"{where}: {p.field}: {p.message}"), err=True)
    if plan.problems:
        raise UsageError(
            f"nothing imported: {plural(len(plan.problems), 'problem')} in {shown_file}"
        )
    for number, event, twin in plan.skipped:
        click.echo(
            f"skipped row {number}: {visible(event.title)} (already in the timeline as {twin.id})",
            err=True,
        )


@command("init")
@click.argument("folder", required=False, default=".", type=click.Path())
@click.option(
    "--example",
    type=click.Choice(["central-asia", "eval"]),
    default=None,
    help="Which shipped example to copy: central-asia (the default) or eval, the labelled "
    "evaluation timeline.",
)
@click.option(
    "--no-events",
    "no_events",
    is_flag=True,
    help="The example's orbit.toml (settings, tag vocabulary, blocs, rules, levels) and an "
    "empty events/: your own timeline with the example's settings.",
)
@click.option(
    "--empty",
    is_flag=True,
    help="No events, and a commented orbit.toml to start from instead of the example's.",
)
@click.pass_obj
def init_cmd(state: State, folder: Path, example: str | None, no_events: bool, empty: bool) -> int:
    """Create a new timeline folder: orbit.toml, events/ and a .gitignore.

    \b
    Examples:
      orbit init demo && cd demo && orbit signals --as-of 2022-05-31
      orbit init ~/timelines/caucasus --no-events   # the example's settings, no events
      orbit init ~/timelines/caucasus --empty       # a commented orbit.toml, no events
    """
    from orbitwatch.app.authoring import init_timeline

    created = init_timeline(as_path(folder), example, empty, no_events)
    what = (
        "an empty timeline"
        if created.example is None
        else f"the {created.example} example's settings, with no events,"
        if created.settings_only
        else f"the {created.example} example timeline"
    )
    click.echo(f"created {what} in {created.folder}", err=True)
    _init_next_steps(created)
    return int(ExitStatus.OK)


def _init_next_steps(created: Initialised) -> None:
    """Say what was copied and what to do next; offer git init on a terminal (diff needs git)."""
    import sys

    from orbitwatch.app.authoring import git_init

    events = plural(created.events, "event file")
    click.echo(
        f"  orbit.toml   settings and signal rules\n  events/      {events}\n"
        "  .gitignore   keeps orbit's temporary files out of git",
        err=True,
    )
    git = created.in_git
    if not git and sys.stdin.isatty() and sys.stderr.isatty():
        if click.confirm("Run git init there? (orbit diff and history read git)", err=True):
            git = git_init(created.folder)
    steps = [f"cd {created.folder}"]
    if not git:
        steps.append("git init && git add . && git commit -m 'New timeline'")
    steps += ["orbit check", "orbit list", 'orbit add --date 2022-05-16 --title "..." --country KZ']
    click.echo("next:\n" + "\n".join(f"  {step}" for step in steps), err=True)


COMMANDS = (add_cmd, import_cmd, init_cmd)
