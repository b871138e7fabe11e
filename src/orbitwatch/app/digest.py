"""Use case of `digest`: the transaction that sends each alert once and never loses one.

Lock, load the state, plan, mark the delivery started, deliver, then commit, or roll back
when delivery failed. Crash tests kill the process at the named fault points.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from orbitwatch.app.feed_loop import digest_feed_alerts, filter_feed_alerts
from orbitwatch.app.silences import load_silences
from orbitwatch.digest.compose import (
    commit_delivery,
    country_lines,
    country_lines_of,
    plan,
    select_alerts,
    start_delivery,
)
from orbitwatch.digest.delivery import DELIVER_TIMEOUT, deliver
from orbitwatch.digest.state import (
    StateLock,
    StateUnusable,
    load_state,
    recovery_hint,
    save_state,
)
from orbitwatch.files.atomic import fault_point, stale_temporaries
from orbitwatch.model.dates import today
from orbitwatch.model.errors import OrbitError, Problem, UsageError
from orbitwatch.render import digest as out
from orbitwatch.render.layout import fit_lines
from orbitwatch.signals.alerts import alerts, alerts_of, filter_alerts
from orbitwatch.signals.readings import coverage, coverage_of, readings
from orbitwatch.signals.silences import expiries_to_say

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from orbitwatch.app.context import Workspace
    from orbitwatch.config.settings import Settings
    from orbitwatch.digest.compose import Digest
    from orbitwatch.digest.state import DigestState
    from orbitwatch.model.alert import Alert
    from orbitwatch.model.event import Event
    from orbitwatch.query.language import Query
    from orbitwatch.signals.silences import SilenceFile


@dataclass(frozen=True)
class DigestRequest:
    query: Query
    on: dt.date
    state_path: Path | None = None  # None: a stateless preview of every alert in force
    fmt: str = "text"  # text | md | json | email
    mail_to: str = ""  # the To: address of the email format
    mail_from: str = ""  # the From: address of the email format ('' = default_sender())
    min_level: str | None = None  # only alerts about a country at this level or above
    fail_on: str | None = None  # the level whose sending makes the outcome a 'yes'
    max_items: int = 50
    deliver_cmd: str | None = None  # pipe to this command (no shell) instead of the stream
    deliver_timeout: float | None = None  # seconds the command may take (None: the default)
    dry_run: bool = False  # show what would be sent; no lock, no writes
    baseline: bool = False  # record every alert in force as sent, deliver nothing
    wait: float = 0  # seconds to wait for another run's lock
    resend_suppressed: bool = False  # alerts recorded as suppressed are new again
    width: int | None = None  # the text format's lines wrapped to this width (None: never)
    paint: Callable[[str], str] = str  # colours a level's name in the text format (a terminal)


@dataclass(frozen=True)
class DigestOutcome:
    digest: Digest | None  # what was delivered (or recorded); None when nothing was new
    delivered: bool
    recorded: int  # alerts recorded as already sent by a baseline run
    fail_on_hit: bool  # an alert at or above the fail_on level was delivered
    trouble: bool  # some input could not be used
    first_run: bool = False  # delivered on a new state file: the timeline's whole history


# The core names no command-line option; the digest command's are worded here.
DELIVER_OPTION = "--deliver-cmd"
BUSY_HINT = "or give --wait SECONDS"
MAX_ITEMS_OPTION = "--max-items"


def fresh_start_command(path: Path) -> str:
    return f"orbit digest --state {path} --baseline"


def run_digest(workspace: Workspace, request: DigestRequest, stream: BinaryIO) -> DigestOutcome:
    """Deliver the alerts not yet in the state (to `stream` or the deliver command), then
    record them; a failed delivery leaves the state as it was, so nothing is lost."""

    path = request.state_path
    new_state = path is not None and not (request.dry_run or request.baseline or path.exists())
    try:
        outcome = _transaction(workspace, request, stream)
        return replace(outcome, first_run=new_state and outcome.delivered)
    except StateUnusable as exc:
        exc.hint = recovery_hint(exc.path, fresh_start_command(exc.path))
        raise


def _transaction(workspace: Workspace, request: DigestRequest, stream: BinaryIO) -> DigestOutcome:

    path = request.state_path
    if path is None or request.dry_run:
        before = load_state(path) if path is not None else None
        found = load_silences(workspace)
        workspace.note(expiries_to_say(found, before.expired_silences if before else {})[0])
        digest = plan_digest(workspace, request, before, found)
        delivered = digest is not None and bool(digest.alerts)
        if digest is not None and delivered:
            deliver(render_digest(digest, request), None, stream)
        return _outcome(workspace, request, digest, delivered=delivered)

    with StateLock(path, request.wait, BUSY_HINT):
        workspace.note(leftovers(path))
        previous = load_state(path, fresh_start=request.baseline)
        found = load_silences(workspace)
        to_say, said = expiries_to_say(found, previous.expired_silences)
        workspace.note(to_say)  # once per expiry: cron mails stderr on every run
        previous_said, previous = previous, replace(previous, expired_silences=said)
        digest = plan_digest(workspace, request, previous_said, found)
        now = dt.datetime.now(dt.timezone.utc)
        if digest is None:
            if previous.pending is not None or said != previous_said.expired_silences:
                save_state(path, commit_delivery(previous, None, now))
            return _outcome(workspace, request, None, delivered=False)
        if request.baseline:
            save_state(path, commit_delivery(previous, digest, now))
            return DigestOutcome(digest, False, len(digest.alerts), False, workspace.trouble)
        if not digest.alerts:  # everything new was silenced or inhibited: record, send nothing
            save_state(path, commit_delivery(previous, digest, now))
            return _outcome(workspace, request, digest, delivered=False)
        data = render_digest(digest, request)
        save_state(path, start_delivery(previous, digest, now))
        try:
            timeout = request.deliver_timeout or DELIVER_TIMEOUT
            deliver(data, request.deliver_cmd, stream, DELIVER_OPTION, timeout)
        except OrbitError:
            try:
                save_state(path, previous_said)  # not delivered: as if this run never happened
            except OrbitError:
                pass  # the disk refuses even that: the pending mark stays, a repeat comes next
            raise
        fault_point("digest-after-deliver")
        save_state(path, commit_delivery(previous, digest, now))
    return _outcome(workspace, request, digest, delivered=True)


def leftovers(path: Path) -> list[Problem]:
    """Temporary files of a killed run beside the state: removed when their process is gone
    (under the lock no orbit can be writing them), reported as warnings otherwise."""

    return [
        Problem(
            str(leftover),
            1,
            1,
            f"leftover temporary file of process {pid}, which is still running; not removed",
            severity="warning",
        )
        for leftover, pid in stale_temporaries(path)
    ]


def plan_digest(
    workspace: Workspace,
    request: DigestRequest,
    previous: DigestState | None,
    silence_file: SilenceFile,
) -> Digest | None:
    """The digest to send given the previous state (None: a stateless preview) and the
    silences read from silences.toml."""

    if request.query.terms:
        timeline = workspace.load()
        settings = timeline.settings
    else:
        settings = workspace.settings()  # with known_at, the commit's
    for name, option in ((request.min_level, "--min-level"), (request.fail_on, "--fail-on")):
        if name and settings.level_rank(name) < 0:
            known = ", ".join(level.name for level in settings.levels) or "none defined"
            raise UsageError(f"{option} {name!r} is not a level in orbit.toml ({known})")
    on = request.on
    if request.query.terms:
        events = timeline.events
        reading_of = readings(events, settings, on)
        by_id: Mapping[str, Event] = {e.id: e for e in events}
        in_force = alerts(events, reading_of, settings, on)
        chosen = filter_alerts(in_force, request.query, by_id, reading_of, on)
        lines = country_lines(events, reading_of, settings, on)
        covered = coverage(events, reading_of, settings, on)
    else:  # the whole timeline: from its marks, events built only for what is printed
        marked = workspace.marked(on)
        by_id, chosen = marked.events, alerts_of(marked.marks, settings, on)
        lines = country_lines_of(marked.marks, settings, on)
        covered = coverage_of(marked.marks, settings, on)
    chosen = [*chosen, *_feed_alerts(workspace, request.query, settings, on)]
    selected = select_alerts(chosen, settings, request.min_level)
    return plan(
        selected,
        previous,
        settings,
        lines,
        by_id,
        on,
        request.max_items,
        covered,
        silence_file.silences,
        request.resend_suppressed,
        silence_day(workspace),
    )


def silence_day(workspace: Workspace) -> dt.date:
    """The day a silence is judged active: the day read with --known-at, else today."""
    moment = workspace.known()
    return moment.day if moment is not None else today(workspace.environ)


def _feed_alerts(
    workspace: Workspace, query: Query, settings: Settings, on: dt.date
) -> list[Alert]:
    """The alerts of the feeds opted in (`[feeds.NAME] alert`); a feed whose store is missing
    or damaged sends none and is reported once (trouble: exit 2). With query terms, only
    country: terms apply (a feed alert has no event for the others to match)."""

    found, problems = digest_feed_alerts(workspace, settings, on)
    workspace.note(problems)
    if any(term.field != "country" for term in query.terms):
        return []
    return filter_feed_alerts(found, query)


def default_sender() -> str:
    """user@host, as mail(1) does: the login name and the fully qualified host name."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "orbitwatch"
    return f"{user}@{socket.getfqdn() or 'localhost'}"


def render_digest(digest: Digest, request: DigestRequest) -> bytes:
    """The digest as the bytes to deliver, in the requested format."""

    if request.fmt == "email":
        from email.utils import format_datetime

        now_header = format_datetime(dt.datetime.now(dt.timezone.utc))
        sender = request.mail_from or default_sender()
        return out.digest_email(digest, request.mail_to, now_header, MAX_ITEMS_OPTION, sender)
    if request.fmt == "text":
        text = out.digest_text(digest, MAX_ITEMS_OPTION, request.paint)
        return "".join(fit_lines(text, request.width)).encode("utf-8")
    renderer = {"md": out.digest_md, "json": out.digest_json}
    return "".join(renderer[request.fmt](digest)).encode("utf-8")


def _outcome(
    workspace: Workspace, request: DigestRequest, digest: Digest | None, delivered: bool
) -> DigestOutcome:
    hit = False
    if request.fail_on and digest is not None:
        floor = digest.settings.level_rank(request.fail_on)
        hit = any(digest.settings.level_rank(a.level) >= floor for a in digest.alerts)
    return DigestOutcome(digest, delivered, 0, hit, workspace.trouble)
