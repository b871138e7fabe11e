"""Use case of `orbit eval`: the timeline's acts and rules measured against the analyst.

Selects the events a query asks for and hands them to the pure evaluation in evaluate.py.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from orbitwatch.app.context import Workspace, select
from orbitwatch.signals.evaluate import evaluate

if TYPE_CHECKING:
    from orbitwatch.query.language import Query
    from orbitwatch.signals.evaluate import Evaluation


def evaluate_timeline(workspace: Workspace, query: Query, on: dt.date) -> Evaluation:
    """Agreement between the analyst's readings and what acts and rules derive without them."""

    timeline = workspace.load()
    events, _ = select(timeline, query, on)
    return evaluate(events, timeline.settings, on)
