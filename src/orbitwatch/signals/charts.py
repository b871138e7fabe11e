"""Score series for charts (the html page): each country's drift score over a window, sampled
where it changes shape, and the events that moved it.

Month ends alone hide a mid-month peak (an event enters at full value on its first day and
decays from the middle of its period): the series also holds each such day and the day before
it, so the step is drawn where it happened. The numbers are those of `orbit signals`: one
ScoreSeries per country, as signals/readings.py computes the month ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orbitwatch.signals.scoring import ScoreSeries, month_ends, per_country, signed, watched

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings
    from orbitwatch.signals.scoring import Mark


@dataclass(frozen=True, slots=True)
class ChartEvent:
    """An event that moved a country's score inside the window: drawn as a marker."""

    day: dt.date  # the event's first covered day: where it enters the score
    event_id: str
    value: float  # its signed value before decay (sign x weight x certainty)
    score: float  # the country's score on that day, the event included


@dataclass(frozen=True, slots=True)
class ScoreChart:
    country: str
    points: tuple[tuple[dt.date, float], ...]  # (day, score), oldest first, start..end
    events: tuple[ChartEvent, ...]  # oldest first


def chart_window(first_day: dt.date | None, end: dt.date, months: int) -> dt.date:
    """The first day drawn: the first event's day, at most `months` whole months before end's
    month (the window starts on the first of a month then)."""
    index = end.year * 12 + end.month - 1 - (months - 1)
    earliest = dt.date(index // 12, index % 12 + 1, 1)
    return max(first_day, earliest) if first_day is not None else earliest


def score_charts(
    marks: Sequence[Mark], settings: Settings, start: dt.date, end: dt.date
) -> list[ScoreChart]:
    """One chart per scored country (the countries `orbit signals` lists), from start to end."""
    charts = []
    of_country: Mapping[str, list[Mark]] = per_country(marks)
    half_life = settings.half_life_days
    for country in watched(marks, settings):
        own = of_country.get(country, [])
        series = ScoreSeries(own, half_life, start, end)
        moving = [m for m in signed(own) if start <= m.first_day <= end]
        days = {start, end, *month_ends(start, end)}
        for mark in moving:
            days.add(mark.first_day)
            if mark.first_day > start:
                days.add(mark.first_day - dt.timedelta(days=1))
        points = tuple((day, series.at(day)) for day in sorted(days))
        events = tuple(
            ChartEvent(m.first_day, m.event_id, m.value, series.at(m.first_day))
            for m in sorted(moving, key=lambda m: (m.first_day, m.event_id))
        )
        charts.append(ScoreChart(country, points, events))
    return charts
