"""`orbit silence add|list|expire` and `orbit ack`: silences.toml (app/silences.py).

Also the `alerts --suppressed` view and the completion of silence ids and fingerprints.
"""

from __future__ import annotations

import click

from orbitwatch.cli.common import State, finish, rows_out, write
from orbitwatch.cli.help import command
from orbitwatch.model.errors import UsageError


def complete_silence_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """The ids in the timeline's silences.toml; nothing (silently) when it cannot be read."""
    try:
        import os

        from orbitwatch.app.context import Workspace
        from orbitwatch.app.silences import load_silences
        from orbitwatch.cli.common import cwd

        workspace = Workspace(ctx.find_root().params.get("root"), os.environ, cwd())
        found = load_silences(workspace, note=False)
        return [s.id for s in found.silences if s.id.startswith(incomplete)]
    except Exception:  # noqa: BLE001 - completion never fails in the shell
        return []


def complete_fingerprints(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """The fingerprints of the alerts in force today: whole after 'v1-', else the short
    fingerprints orbit alerts shows."""
    try:
        import os

        from orbitwatch.app.context import Workspace
        from orbitwatch.app.signals import alerts_in_force
        from orbitwatch.cli.common import cwd, today
        from orbitwatch.query.language import Query

        workspace = Workspace(ctx.find_root().params.get("root"), os.environ, cwd())
        found = alerts_in_force(workspace, Query(), today(), None)
        whole = incomplete.startswith("v")
        prints = sorted({a.fingerprint if whole else a.short for a in found.alerts})
        return [fp for fp in prints if fp.startswith(incomplete)]
    except Exception:  # noqa: BLE001
        return []


@click.group("silence", cls=click.Group)
def silence_group() -> None:
    """Silences kept in silences.toml: stop matching alerts from being delivered until a day.

    A matcher is the query language over alert fields: country, kind, rule, event, level,
    fingerprint, date. The digest records silenced alerts as suppressed (orbit alerts
    --suppressed), never loses them.

    \b
    Examples:
      orbit silence add "country:KG kind:level-up,signal" --until 30d --reason "KG desk on it"
      orbit silence list
      orbit silence expire s-3f2a9c
    """


@silence_group.command("add")
@click.argument("matcher")
@click.option(
    "--until",
    required=True,
    metavar="WHEN",
    help="The day it ends: 30d, 2w, 6m, 1y from today, or an ISO date.",
)
@click.option("--reason", required=True, metavar="TEXT", help="Why, for the team.")
@click.option("--by", metavar="NAME", help="Who silences (default: git config user.name).")
@click.pass_obj
def silence_add(state: State, matcher: str, until: str, reason: str, by: str | None) -> int:
    """Add a silence to silences.toml and print its id.

    \b
    Examples:
      orbit silence add "country:KG rule:symbolic-distancing" --until 2w --reason "known"
    """
    from orbitwatch.app.silences import add_silence

    silence = add_silence(state.workspace, matcher, until, reason, by)
    click.echo(silence.id)
    click.echo(
        f"orbit: silenced {silence.matcher.text!r} until {silence.until} (commit silences.toml "
        "to share it)",
        err=True,
    )
    return finish(state)


@silence_group.command("list")
@click.option("--active", "only_active", is_flag=True, help="Only silences in force today.")
@click.option("--format", "fmt", type=click.Choice(["table", "plain", "json"]), default=None)
@click.pass_obj
def silence_list(state: State, only_active: bool, fmt: str | None) -> int:
    """Silences and acknowledgements: active or expired, and what each suppresses today.

    \b
    Examples:
      orbit silence list --active --format json
    """
    from orbitwatch.app.silences import list_silences
    from orbitwatch.render import silences as out

    found = list_silences(state.workspace, only_active)
    if fmt == "json":
        write(out.silences_json(found))
    else:
        rows_out(state, fmt, out.SILENCE_HEADERS, out.silence_rows(found))
    return finish(state)


@silence_group.command("expire")
@click.argument("silence_id", metavar="ID", shell_complete=complete_silence_ids)
@click.pass_obj
def silence_expire(state: State, silence_id: str) -> int:
    """End a silence (or an acknowledgement) today; alerts raised from now on are delivered.

    \b
    Examples:
      orbit silence expire s-3f2a9c
    """
    from orbitwatch.app.silences import expire_silence

    silence = expire_silence(state.workspace, silence_id)
    click.echo(f"orbit: silence {silence.id} expired on {silence.until}", err=True)
    return finish(state)


@command("ack")
@click.argument("fingerprint", shell_complete=complete_fingerprints)
@click.option("--reason", required=True, metavar="TEXT", help="Why it needs no more mail.")
@click.option("--by", metavar="NAME", help="Who acknowledges (default: git config user.name).")
@click.pass_obj
def ack_cmd(state: State, fingerprint: str, reason: str, by: str | None) -> int:
    """Acknowledge one alert: silences.toml gets a silence of its fingerprint without expiry.

    FINGERPRINT is the whole fingerprint (orbit alerts --format json) or any unique prefix
    of one in force, at least 4 hex digits: the short fingerprint orbit alerts and the digest
    show. An ambiguous or unknown prefix exits 2 and lists the candidates.

    \b
    Examples:
      orbit ack 3f2a9c1b --reason "the KG desk follows this"
    """
    from orbitwatch.app.silences import ack

    silence = ack(state.workspace, fingerprint, reason, by)
    click.echo(silence.id)
    click.echo(f"orbit: acknowledged {silence.matcher.fingerprint}", err=True)
    return finish(state)


def suppressed_out(state: State, state_file: str | None, fmt: str | None, asked: bool) -> int:
    """`orbit alerts --suppressed`: what the digest recorded as silenced or inhibited."""
    from orbitwatch.app.silences import suppressed_alerts
    from orbitwatch.render import silences as out

    if not asked:
        raise UsageError("--state goes with --suppressed: orbit alerts --suppressed --state FILE")
    found = suppressed_alerts(state.workspace, state_file)
    if fmt == "json":
        write(out.suppressed_json(found.rows))
    else:
        rows_out(state, fmt, out.SUPPRESSED_HEADERS, out.suppressed_rows(found.rows))
    return finish(state)


COMMANDS = (silence_group, ack_cmd)
