"""Output of `orbit alerts --lead-time` and `orbit alerts --replay`, and `orbit history ID`.

Parse options, call one app function (app/backtest.py, app/history.py), render.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from orbitwatch.cli.common import (
    State,
    finish,
    output_width,
    rows_out,
    say,
    today,
    use_table,
    write,
)
from orbitwatch.cli.completion import complete_ids
from orbitwatch.cli.help import command

if TYPE_CHECKING:
    from orbitwatch.query.language import Query


def lead_out(state: State, query: Query, on: dt.date, since: str | None, fmt: str | None) -> None:
    """The alerts in force with their lead times, then the medians per country and rule."""
    from orbitwatch.app.backtest import lead_time
    from orbitwatch.render import backtest as out

    found = lead_time(state.workspace, query, on, since)
    if fmt == "json":
        write(out.lead_json(found))
        return
    rows_out(state, fmt, out.LEAD_HEADERS, out.lead_rows(found.rows))
    if use_table(fmt):
        say(state, "lead: the event was in the timeline before its day; lag: only after it")
    else:
        write(["\n"])
    rows_out(state, fmt, out.SUMMARY_HEADERS, out.summary_rows(found.summaries))


def replay_out(state: State, query: Query, period: str, fmt: str | None) -> None:
    """Each day's delivery of a daily cron digest replayed over the branch's commits."""
    from orbitwatch.app.backtest import replay
    from orbitwatch.render import backtest as out

    found = replay(state.workspace, query, period, today())
    if fmt == "json":
        write(out.replay_json(found))
        return
    rows_out(state, fmt, out.REPLAY_HEADERS, out.replay_rows(found.deliveries))
    if use_table(fmt):
        say(state, out.replay_summary(found))


@command("history")
@click.argument("event_id", metavar="ID", shell_complete=complete_ids)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_obj
def history_cmd(state: State, event_id: str, fmt: str) -> int:
    """Every committed revision of one event, following renames: who committed it, when, and
    the fields that changed.

    \b
    Examples:
      orbit history 2022-05-16-csto-summit-moscow
      orbit history 2022-05-16-csto-summit-moscow --format json
    """
    from orbitwatch.app.history import event_history
    from orbitwatch.render import backtest as out
    from orbitwatch.render.layout import fit_lines

    found = event_history(state.workspace, event_id)
    if fmt == "json":
        write(out.history_json(found))
    else:
        write(fit_lines(out.history_text(found), output_width(state, report=True)))
    return finish(state)


COMMANDS = (history_cmd,)
