"""Names vulture cannot see used, each with the reason: it reads this file beside src/.

Click commands are registered by their decorators; the methods override a library's hooks.
"""

from __future__ import annotations

import click

from orbitwatch.cli import feed, help, silences, streams
from orbitwatch.feeds import codes
from orbitwatch.render import terminal
from orbitwatch.timeline import freshness

__all__ = ["ALLOWED"]

ALLOWED = [  # read by vulture, never run
    feed.update_cmd,  # a click command, registered by @feed.command
    codes.cameo_actor,  # the SQL mapping in Python, held equal to it by test_feed_scoring.py
    silences.silence_add,  # click commands of the `silence` group
    silences.silence_list,
    silences.silence_expire,
    help.OrderedGroup.list_commands,  # click.Group hooks
    help.SectionedCommand.format_options,
    streams.ClosedBytes.writable,  # io hook
    terminal._Console.on_broken_pipe,  # rich.Console hook
    terminal._Console.quiet,  # rich.Console's attribute, set by the hook
    click.Context.obj,  # the command state click hands to every command
    freshness.Survey.by_git,  # which way freshness went, read by tests/test_git_freshness.py
]
