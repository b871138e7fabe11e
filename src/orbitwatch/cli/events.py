"""`orbit check`, `orbit list` and `orbit show`: validate the files, list events, show one.

Parse options, call one app function (app/events.py), render, map to an exit status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from orbitwatch.cli.common import (
    State,
    as_path,
    finish,
    known_at_option,
    parse_query,
    report,
    scoring_day,
    show,
    use_table,
    write,
)
from orbitwatch.cli.completion import (
    complete_countries,
    complete_ids,
    complete_terms,
    complete_values,
)
from orbitwatch.cli.help import command
from orbitwatch.cli.status import ExitStatus
from orbitwatch.text.words import plural

if TYPE_CHECKING:
    from pathlib import Path

    from orbitwatch.app.events import CheckResult


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
    from orbitwatch.app.events import check

    result = check(state.workspace, [as_path(p) for p in paths])
    if fmt == "json":
        _check_json(result)
    else:
        report(result.problems)
        if not result.errors:
            warnings = result.warnings
            click.echo(
                f"{plural(result.event_count, 'event')}, no problems"
                + (f" ({plural(warnings, 'warning')})" if warnings else ""),
                err=True,
            )
    return int(ExitStatus.YES if result.errors else ExitStatus.OK)


def _check_json(result: CheckResult) -> None:
    import json

    from orbitwatch.render.text import json_safe

    document = {
        "schema_version": 1,
        "files": result.files,
        "events": result.event_count,
        "problems": [p.to_json() for p in result.problems],
    }
    write([json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"])


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
@click.option(
    "--tag",
    metavar="T",
    multiple=True,
    help="Sugar for tag:T (repeatable).",
    shell_complete=complete_values("tag"),
)
@click.option(
    "--actor",
    metavar="A",
    multiple=True,
    help="Sugar for actor:A (repeatable).",
    shell_complete=complete_values("actor"),
)
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
@known_at_option
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
    known_at: str | None,
) -> int:
    """List events matching query terms (ANDed; commas are ORs; not: negates).

    \b
    Examples:
      orbit list country:KZ since:2022-05
      orbit list tag:drones,arms-deal not:status:rumored --sort -date
      orbit list "language patrols" --format json
      orbit list country:TJ --known-at 2022-05-20
    """
    from orbitwatch.app.events import list_events

    extra = [f"since:{since}"] if since else []
    extra += [f"until:{until}"] if until else []
    extra += [f"country:{','.join(country)}"] if country else []
    extra += [f"tag:{','.join(tag)}"] if tag else []
    extra += [f"actor:{','.join(actor)}"] if actor else []
    query = parse_query(terms, extra)  # a bad term is a usage error before any file is read
    on = scoring_day(state, known_at)
    found = list_events(state.workspace, query, on, order == "-date", limit, fmt != "ids")
    events = found.events
    if found.ids is not None:  # an id-only answer: no event was built
        from orbitwatch.render.data import ids_lines

        write(ids_lines(found.ids))
    elif use_table(fmt):
        from orbitwatch.render.terminal import events_table

        cap = limit if limit is not None else TABLE_CAP
        shown = events[:cap] if cap else events
        total = found.total if not limit else len(events)
        see_all = "use --limit 0 or --format plain to see all"
        show(state, events_table(shown, found.reading_of, total, see_all))
    else:
        from orbitwatch.render.data import LIST_FORMATS as renderers

        write(renderers[fmt or "plain"](events, found.reading_of))
    return finish(state)


@command("show")
@click.argument("event_id", metavar="ID", shell_complete=complete_ids)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@known_at_option
@click.pass_obj
def show_cmd(state: State, event_id: str, fmt: str, known_at: str | None) -> int:
    """Show one event whole: dates with precision, countries, sources, reading.

    \b
    Example:
      orbit show 2022-05-16-csto-summit-moscow
      orbit show 2022-05-16-csto-summit-moscow --known-at HEAD~3
    """
    from orbitwatch.app.events import show_event

    shown = show_event(state.workspace, event_id, scoring_day(state, known_at))
    if fmt == "json":
        import json

        from orbitwatch.render.data import SCHEMA_VERSION, event_dict
        from orbitwatch.render.text import json_safe

        doc = {"schema_version": SCHEMA_VERSION, **event_dict(shown.event, shown.reading)}
        write([json_safe(json.dumps(doc, ensure_ascii=False, indent=2)) + "\n"])
    else:
        from orbitwatch.render.terminal import event_detail

        show(state, event_detail(shown.event, shown.reading, shown.rule_title, shown.cancelled))
    return finish(state)


COMMANDS = (check_cmd, list_cmd, show_cmd)
