"""`orbit signals` and `orbit alerts`: drift scores, an explained score, monthly arrows, alerts.

Parse options, call one app function (app/signals.py), render, map to an exit status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from orbitwatch.cli.common import (
    State,
    as_of_date,
    console,
    finish,
    parse_query,
    rows_out,
    use_table,
    write,
)
from orbitwatch.cli.completion import complete_countries, complete_terms
from orbitwatch.cli.help import command

if TYPE_CHECKING:
    from orbitwatch.app.signals import Explanation, Scores


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
    from orbitwatch.app import signals as app
    from orbitwatch.render import signals as out

    query = parse_query(terms)
    on = as_of_date(as_of)
    if explain:
        _explain_out(state, app.explain(state.workspace, query, on, explain), fmt)
    elif monthly:
        arrows = app.monthly(state.workspace, query, on, only_country).arrows
        if fmt == "json":
            write(out.arrows_json(arrows))
        else:
            rows_out(state, fmt, out.ARROW_HEADERS, out.arrow_rows(arrows), ("", "", "stance"))
    else:
        _scores_out(state, app.scores(state.workspace, query, on, bool(as_of)), fmt)
    return finish(state)


def _explain_out(state: State, found: Explanation, fmt: str | None) -> None:
    from orbitwatch.render import signals as out

    day, half_life = found.on.isoformat(), found.settings.half_life_text
    if fmt == "json":
        write(out.explain_json(found.country, day, found.score, found.level, found.parts))
        return
    summary = out.explain_summary(
        found.country, day, found.score, found.level, half_life, found.parts
    )
    if use_table(fmt):
        from orbitwatch.render.terminal import explain_cards

        click.echo("\n".join(summary[:2]) + "\n")
        console(state.color).print(explain_cards(out.explain_cards(found.parts, half_life, day)))
        click.echo("\n" + summary[2])
    else:
        write(f"# {line}\n" for line in summary)
        rows_out(state, fmt, out.EXPLAIN_HEADERS, out.explain_rows(found.parts))


def _scores_out(state: State, found: Scores, fmt: str | None) -> None:
    from orbitwatch.render import signals as out

    settings, day = found.settings, found.on.isoformat()
    if fmt == "json":
        write(out.signals_json(found.rows, day, settings.pole, found.coverage))
        return
    rows_out(
        state,
        fmt,
        out.SIGNAL_HEADERS,
        out.signal_rows(found.rows),
        footer=f"drift away from {settings.pole} on {day}; half-life "
        f"{settings.half_life_text}; explain one with: orbit signals --explain CODE",
    )
    if use_table(fmt):
        click.echo(found.coverage.sentence(found.on))
    latest = found.stale_since
    if use_table(fmt) and latest:
        click.echo(
            f"hint: the latest event is from {latest.isoformat()}, more than two "
            f"half-lives ago, so every score has decayed; to see the timeline as it "
            f"stood then: orbit signals --as-of {latest.isoformat()}",
            err=True,
        )


@command("alerts")
@click.argument("terms", nargs=-1, shell_complete=complete_terms)
@click.option(
    "--as-of", "as_of", metavar="DATE", help="Alerts in force on this day (default: today)."
)
@click.option("--since", metavar="DATE", help="Only alerts dated on or after DATE.")
@click.option("--format", "fmt", type=click.Choice(["table", "plain", "json"]), default=None)
@click.option(
    "--suppressed",
    is_flag=True,
    help="The alerts the digest recorded as silenced or inhibited, with what caught them.",
)
@click.option(
    "--state",
    "state_file",
    metavar="FILE",
    help="With --suppressed: the digest's state file (default: ORBIT_STATE, else the file "
    "under the user's state folder).",
)
@click.pass_obj
def alerts_cmd(
    state: State,
    terms: tuple[str, ...],
    as_of: str | None,
    since: str | None,
    fmt: str | None,
    suppressed: bool = False,
    state_file: str | None = None,
) -> int:
    """The alerts in force (signal, level-up/down, convergence, upcoming), newest first.

    Acknowledged and silenced alerts are marked (orbit ack, orbit silence).

    \b
    Examples:
      orbit alerts --as-of 2022-05-31
      orbit alerts country:TJ --since 2022-05
      orbit alerts --suppressed --state ~/.local/state/orbit-kz.json
    """
    from orbitwatch.app.signals import alerts_in_force
    from orbitwatch.render import signals as out

    if suppressed or state_file:
        from orbitwatch.cli.silences import suppressed_out

        return suppressed_out(state, state_file, fmt, suppressed)
    query = parse_query(terms)
    on = as_of_date(as_of)
    found = alerts_in_force(state.workspace, query, on, since)
    if fmt == "json":
        write(out.alerts_json(found.alerts, found.marks))
    elif use_table(fmt):
        from orbitwatch.render.terminal import alerts_table

        rows = out.alert_table_rows(found.alerts, found.by_id, found.marks)
        console(state.color).print(alerts_table(rows))
        click.echo(found.coverage.sentence(on))
    else:
        rows = out.alert_rows(found.alerts, found.by_id, found.marks)
        rows_out(state, fmt, out.ALERT_HEADERS, rows)
    return finish(state)


COMMANDS = (signals_cmd, alerts_cmd)
