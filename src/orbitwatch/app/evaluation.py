"""Use case of `orbit eval`: the timeline's acts and rules measured against the analyst.

Selects the events a query asks for and hands them to the pure evaluation in evaluate.py.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from orbitwatch.app.context import Workspace, country_scope, select
from orbitwatch.model.errors import UsageError
from orbitwatch.signals.evaluate import evaluate
from orbitwatch.text.words import plural

if TYPE_CHECKING:
    from orbitwatch.query.language import Query
    from orbitwatch.signals.evaluate import Evaluation


def evaluate_timeline(workspace: Workspace, query: Query, on: dt.date) -> Evaluation:
    """Agreement between the analyst's readings and what acts and rules derive without them.
    `country:` terms choose the events and whose readings count (GE's readings, not every
    reading of the events that involve GE). No reading to compare is a usage error: an
    agreement over nothing would read as 0."""

    timeline = workspace.load()
    events, _ = select(timeline, query, on)
    scope = country_scope(query)
    found = evaluate(events, timeline.settings, on, scope.wants if scope.chosen else None)
    if found.n == 0:
        whose = "for a country the query names" if scope.chosen else "for a watched country"
        raise UsageError(
            f"nothing to compare: none of the {plural(len(events), 'event')} selected has an "
            f"analyst's reading {whose}",
            hint="An analyst's reading is a [signal] or [signal.XX] table in an event file "
            "(docs/evaluation.md); the shipped labelled set: orbit init --example eval DIR",
        )
    return found
