"""`orbit diff`: what changed between two versions of the timeline (app/diff.py).

Parse options, call the comparison once, render it, map to an exit status.
"""

from __future__ import annotations

import sys

import click

from orbitwatch.cli.common import State, parse_query, today, write
from orbitwatch.cli.completion import complete_revisions
from orbitwatch.cli.help import command
from orbitwatch.cli.status import ExitStatus


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
    main@{2.weeks.ago}); NEW defaults to the working tree. An existing folder is always a
    folder ('.' too): for a revision that shares a folder's name, write NAME^{commit}.
    Events match by id; an event
    under a new id with the same date and the same (or 90% similar) content is a rename.
    On a terminal, long lines fold to its width; piped, each change stays on one line.
    Exit 0: no differences, 1: differences, 2: trouble.

    \b
    Examples:
      orbit diff HEAD~5
      orbit diff v1.0 HEAD country:KZ --format md
      orbit diff ../timeline-old . --stat
    """
    from orbitwatch.app.diff import compare, split_arguments
    from orbitwatch.render import diffout

    new_spec, terms = split_arguments(state.workspace.root(), rest)
    query = parse_query(terms)
    outcome = compare(state.workspace, old, new_spec, query, today(), as_of)
    labels = (outcome.old.label, outcome.new.label)
    if stat:
        write(diffout.diff_stat(outcome.diff, *labels))
    else:
        renderer = {"text": diffout.diff_text, "md": diffout.diff_md, "json": diffout.diff_json}
        chunks = renderer[fmt](outcome.diff, *labels)
        if fmt == "text" and sys.stdout.isatty():  # piped text stays one line per change
            import shutil  # deferred: orbit --version does not need it

            chunks = diffout.fit(chunks, shutil.get_terminal_size((80, 24)).columns)
        write(chunks)
    if outcome.trouble:
        return int(ExitStatus.TROUBLE)
    return int(ExitStatus.OK if outcome.diff.empty else ExitStatus.YES)


COMMANDS = (diff_cmd,)
