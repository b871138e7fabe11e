"""`orbit signals` and `orbit alerts`: drift scores, an explained score, monthly arrows, alerts.

Parse options, call one app function (app/signals.py), render, map to an exit status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from orbitwatch.cli.common import (
    State,
    finish,
    known_at_option,
    parse_query,
    rows_out,
    say,
    scoring_day,
    show,
    use_table,
    write,
)
from orbitwatch.cli.completion import complete_terms, complete_values
from orbitwatch.cli.help import command
from orbitwatch.model.errors import UsageError

if TYPE_CHECKING:
    import datetime as dt

    from orbitwatch.app.signals import Explanation, Scores
    from orbitwatch.query.language import Query


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
    shell_complete=complete_values("country", skip_pole=True),
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
    help="Only these countries (the same as a country: term); scores still count every event.",
    shell_complete=complete_values("country", skip_pole=True),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "plain", "json"]),
    default=None,
    help="Default: table on a terminal, plain tab-separated lines otherwise.",
)
@known_at_option
@click.pass_obj
def signals_cmd(
    state: State,
    terms: tuple[str, ...],
    as_of: str | None,
    explain: str | None,
    monthly: bool,
    only_country: tuple[str, ...],
    fmt: str | None,
    known_at: str | None,
) -> int:
    """Which countries drift out of the pole's orbit, how fast, and why.

    Query terms: country: terms choose the countries shown, each scored from every event;
    other terms (tag:, since:, words...) restrict the events scored, and the output says
    "scores from events matching ... only".

    Δ30d and Δ90d: the score now minus the score then; a month- or year-precision event
    whose period starts "then" counts as new (as the month's change in --monthly does).

    \b
    Examples:
      orbit signals --as-of 2022-05-31
      orbit signals --explain TJ --as-of 2022-05-31
      orbit signals --monthly --country KZ
      orbit signals --known-at 2022-05-20     # what the scores said that day
    """
    from orbitwatch.app import signals as app
    from orbitwatch.render import signals as out

    if only_country and explain:
        raise UsageError("--explain names its one country; leave out --country")
    if only_country:
        terms = (*terms, "country:" + ",".join(only_country))
    query = parse_query(terms)
    on = scoring_day(state, known_at, as_of)
    if explain:
        _explain_out(state, app.explain(state.workspace, query, on, explain), fmt)
    elif monthly:
        found = app.monthly(state.workspace, query, on, ())
        _scope_note(state, fmt, found.events_query)
        arrows = found.arrows
        if fmt == "json":
            write(out.arrows_json(arrows))
        else:
            rows_out(state, fmt, out.ARROW_HEADERS, out.arrow_rows(arrows), ("", "", "stance"))
    else:
        given = bool(as_of or known_at)
        _scores_out(state, app.scores(state.workspace, query, on, given), fmt)
    return finish(state)


def _scope_note(state: State, fmt: str | None, events_query: str) -> None:
    """Say, on stderr, that scores come from the matching events only (never silently)."""
    if events_query:
        click.echo(f"note: scores from events matching {events_query} only", err=True)


def _explain_out(state: State, found: Explanation, fmt: str | None) -> None:
    from orbitwatch.render import signals as out

    _scope_note(state, fmt, found.events_query)
    day, half_life = found.on.isoformat(), found.settings.half_life_text
    if fmt == "json":
        write(
            out.explain_json(
                found.country, day, found.score, found.level, found.parts, found.cancelled
            )
        )
        return
    summary = out.explain_summary(
        found.country, day, found.score, found.level, half_life, found.parts
    )
    cancelled = out.cancelled_lines(found.cancelled)
    if use_table(fmt):
        from orbitwatch.render.terminal import explain_cards

        click.echo("\n".join(summary[:2]) + "\n")
        show(state, explain_cards(out.explain_cards(found.parts, half_life, day)))
        click.echo("\n" + summary[2])
        if cancelled:
            click.echo("\n".join(cancelled))
    else:
        write(f"# {line}\n" for line in [*summary, *cancelled])
        rows_out(state, fmt, out.EXPLAIN_HEADERS, out.explain_rows(found.parts))


def _scores_out(state: State, found: Scores, fmt: str | None) -> None:
    from orbitwatch.render import signals as out

    settings, day = found.settings, found.on.isoformat()
    _scope_note(state, fmt, found.events_query)
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
        say(state, found.coverage.sentence(found.on))
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
@click.option("--since", "since_term", metavar="DATE", help="Sugar for since:DATE, as in list.")
@click.option(
    "--raised-since",
    "since",
    metavar="DATE",
    help="Only alerts raised on or after DATE (an alert's own date, e.g. a level crossing).",
)
@known_at_option
@click.option(
    "--lead-time",
    "lead",
    is_flag=True,
    help="Each alert's event date, the day it entered the timeline (the first commit at which "
    "the committed timeline raises the alert) and the lead (+) or lag (-); medians per "
    "country and rule.",
)
@click.option(
    "--replay",
    metavar="SINCE..UNTIL",
    help="Backtest: what a daily 'orbit digest --state FILE' would have sent each day, reading "
    "the commits of this branch (open ends allowed; UNTIL defaults to the last commit's day).",
)
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
    since_term: str | None,
    since: str | None,
    known_at: str | None,
    lead: bool,
    replay: str | None,
    fmt: str | None,
    suppressed: bool = False,
    state_file: str | None = None,
) -> int:
    """The alerts in force (signal, level-up/down, convergence, upcoming), newest first.

    Each alert shows its short fingerprint (10 hex digits; orbit ack takes it, or any unique
    prefix). Acknowledged and silenced alerts are marked (orbit ack, orbit silence).

    \b
    Examples:
      orbit alerts --as-of 2022-05-31
      orbit alerts country:TJ --since 2022-05     # events dated since May 2022
      orbit alerts --raised-since 2022-06          # alerts raised since June
      orbit alerts --known-at 2022-05-20 --lead-time
      orbit alerts --replay 2022-05-01..2022-05-31
      orbit alerts --suppressed --state ~/.local/state/orbit-kz.json
    """
    from orbitwatch.cli.backtest import lead_out, replay_out

    if suppressed or state_file:
        from orbitwatch.cli.silences import suppressed_out

        return suppressed_out(state, state_file, fmt, suppressed)
    query = parse_query((*terms, f"since:{since_term}") if since_term else terms)
    if replay is not None:
        alone = (
            ("--as-of", as_of),
            ("--raised-since", since),
            ("--known-at", known_at),
            ("--lead-time", lead),
        )
        given = [name for name, value in alone if value]
        if given:
            raise UsageError(f"--replay replays every day itself; leave out {', '.join(given)}")
        replay_out(state, query, replay, fmt)
        return finish(state)
    on = scoring_day(state, known_at, as_of)
    if lead:
        lead_out(state, query, on, since, fmt)
        return finish(state)
    _alerts_out(state, query, on, since, fmt)
    return finish(state)


def _alerts_out(
    state: State, query: Query, on: dt.date, since: str | None, fmt: str | None
) -> None:
    from orbitwatch.app.signals import alerts_in_force
    from orbitwatch.render import signals as out

    found = alerts_in_force(state.workspace, query, on, since)
    if fmt == "json":
        write(out.alerts_json(found.alerts, found.marks))
    elif use_table(fmt):
        from orbitwatch.render.terminal import AlertsView

        rows = out.alert_table_rows(found.alerts, found.by_id, found.marks)
        show(state, AlertsView(rows))
        say(state, found.coverage.sentence(on))
        if note := found.history_note(on):
            say(state, note)
    else:
        rows = out.alert_rows(found.alerts, found.by_id, found.marks)
        rows_out(state, fmt, out.ALERT_HEADERS, rows)


COMMANDS = (signals_cmd, alerts_cmd)
