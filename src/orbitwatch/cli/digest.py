"""`orbit digest`: for cron, alerts not yet sent, delivered then recorded (app/digest.py).

Checks the options, calls the transaction once, maps its outcome to an exit status.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from orbitwatch.cli.common import (
    State,
    console,
    known_at_option,
    output_width,
    parse_query,
    scoring_day,
)
from orbitwatch.cli.completion import complete_terms
from orbitwatch.cli.help import command
from orbitwatch.cli.status import ExitStatus
from orbitwatch.model.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from orbitwatch.app.digest import DigestOutcome

DIGEST_FORMATS = ("text", "md", "json", "email")  # the digest renderers (render/digest.py)


def _one_line(value: str | None, option: str) -> str | None:
    """A mail header value holds no line break (it would add headers: Bcc, ...)."""
    if value is not None and any(ch in value for ch in "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"):
        raise click.BadParameter("an address holds no line break", param_hint=f"'{option}'")
    return value


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
    type=click.Choice(DIGEST_FORMATS),
    default="text",
    show_default=True,
)
@click.option(
    "--mail-to",
    metavar="ADDR",
    callback=lambda ctx, param, value: _one_line(value, param.opts[0]),
    help="The To: address for --format email (subject: how many alerts, which countries, the "
    "highest level now).",
)
@click.option(
    "--mail-from",
    metavar="ADDR",
    callback=lambda ctx, param, value: _one_line(value, param.opts[0]),
    help="The From: address for --format email (default: user@host, as mail(1) does).",
)
@click.option("--fail-on", metavar="LEVEL", help="Exit 1 when an alert at LEVEL or above was sent.")
@click.option(
    "--deliver-cmd",
    metavar="CMD",
    help="Pipe the digest to CMD (no shell) instead of "
    'stdout; the state advances only if CMD exits 0. E.g. "sendmail -t -oi".',
)
@click.option(
    "--deliver-timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Stop --deliver-cmd after this long: exit 74, nothing recorded as sent "
    "(default: 300 seconds).",
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
@known_at_option
@click.option(
    "--resend-suppressed",
    is_flag=True,
    help="Send again the alerts recorded as silenced or inhibited, unless a silence still "
    "catches them.",
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
    mail_from: str | None,
    fail_on: str | None,
    deliver_cmd: str | None,
    deliver_timeout: float | None,
    dry_run: bool,
    baseline: bool,
    wait: float,
    known_at: str | None,
    resend_suppressed: bool = False,
) -> int:
    """For cron: print only alerts not yet sent, then record them; silent when nothing is new.

    Deliver, then commit: the state advances only after the whole digest was written and
    flushed, or read whole by --deliver-cmd, which exits 0 within --deliver-timeout (a command
    that exits before reading all of it failed). A pipe cannot confirm its reader read everything
    ('orbit digest | head' records the alerts as sent): for at-least-once delivery use
    --deliver-cmd, or redirect to a file (> FILE), never a pipe. An expired silence is said
    once on stderr and recorded in the state (cron mails stderr). Exit: 0 done, 1 --fail-on
    hit, 2 usage or invalid inputs, 74 output failed, 75 lock busy, 78 state unusable.

    \b
    Examples:
      orbit digest --state ~/.local/state/orbit-kz.json --format md
      orbit digest --state --format email --mail-to desk@example.org --deliver-cmd "sendmail -t -oi"
      orbit digest --as-of 2022-05-31          # a stateless preview
      orbit digest --state --dry-run --known-at 2022-05-20
    """
    from orbitwatch.app.digest import DigestRequest, run_digest

    query = parse_query(terms)
    on = scoring_day(state, known_at, as_of)
    if fmt == "email" and not mail_to:
        raise UsageError("--format email needs --mail-to ADDR")
    path = _state_path(state, state_file)
    _check_state_options(path, baseline, known_at, dry_run)
    request = DigestRequest(
        query, on, state_path=path, fmt=fmt, mail_to=mail_to or "",
        mail_from=mail_from or "", min_level=min_level,
        fail_on=fail_on, max_items=max_items, deliver_cmd=deliver_cmd, dry_run=dry_run,
        deliver_timeout=deliver_timeout,
        baseline=baseline, wait=wait, resend_suppressed=resend_suppressed,
        width=output_width(state, report=True) if deliver_cmd is None else None,
        paint=_painter(state) if deliver_cmd is None else str,
    )  # fmt: skip
    sys.stdout.flush()  # the digest goes out as bytes, after any text already written
    outcome = run_digest(state.workspace, request, sys.stdout.buffer)
    _notes(outcome, path)
    if outcome.trouble:
        return int(ExitStatus.TROUBLE)
    return int(ExitStatus.YES if outcome.fail_on_hit else ExitStatus.OK)


def _painter(state: State) -> Callable[[str], str]:
    """Level names in colour when stdout's colour is on (a terminal, --color, FORCE_COLOR)."""
    from orbitwatch.render.terminal import level_painter

    return level_painter(console(state.color))


def _notes(outcome: DigestOutcome, path: Path | None) -> None:
    """What a run tells its operator on stderr: a baseline's count, a first run's history."""
    from orbitwatch.text.words import plural

    if outcome.recorded:
        recorded = plural(outcome.recorded, "alert")
        click.echo(f"orbit: recorded {recorded} in {path} as already sent", err=True)
    if outcome.first_run and outcome.digest is not None:
        click.echo(
            f"orbit: first run on {path}: sent every alert in force, the timeline's history "
            f"({plural(len(outcome.digest.alerts), 'alert')}); later runs send only new ones. "
            f"To start a state file without the history: orbit digest --state FILE --baseline",
            err=True,
        )


def _check_state_options(
    path: Path | None, baseline: bool, known_at: str | None, dry_run: bool
) -> None:
    if baseline and path is None:
        raise UsageError("--baseline needs a state file: --state FILE (or ORBIT_STATE)")
    if known_at is not None and path is not None and not dry_run:
        raise UsageError(
            "--known-at with a state file needs --dry-run: a digest that records what it "
            "sent reads the timeline as it is now"
        )


def _state_path(state: State, state_file: str | None) -> Path | None:
    from orbitwatch.app.context import state_path

    if state_file:
        from orbitwatch.query.language import FIELD_RE, FIELDS

        term = FIELD_RE.match(state_file)
        if (term and term.group(1) in FIELDS) or state_file.startswith("not:"):
            raise UsageError(
                f"--state {state_file!r} looks like a query term, not a file",
                hint="Put terms before --state, or write --state= for the default state file.",
            )
    return state_path(state.workspace, state_file)


COMMANDS = (digest_cmd,)
