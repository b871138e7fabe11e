"""The HTML export: one self-contained page (inline CSS and SVG, no scripts, nothing fetched).

Every piece of event text passes through html.escape; hrefs are http(s) only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from orbitwatch.model import countries
from orbitwatch.model.event import MONTH_NAMES, Precision
from orbitwatch.render.markdown import safe_url
from orbitwatch.render.text import visible
from orbitwatch.text.words import plural, signed_number

if TYPE_CHECKING:
    from orbitwatch.feeds.compare import MonthPair
    from orbitwatch.render.exports import RenderInput
    from orbitwatch.signals.charts import ScoreChart

CSS = """
:root { --away: #b3261e; --toward: #1f5fa8; --neutral: #6b6b6b; --ink: #1b1b1b; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink);
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
.meta, .query { color: #555; margin-top: 0; }
.empty { font-size: 1.1rem; padding: 1rem; border: 1px dashed #bbb; border-radius: 6px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr)); gap: 1rem; }
figure { margin: 0; border: 1px solid #ddd; border-radius: 6px; padding: 0.5rem; }
figcaption { font-weight: 600; font-size: 0.9rem; }
svg { width: 100%; height: auto; display: block; }
.legend { font-size: 0.85rem; color: #444; display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; }
.legend svg.swatch { display: inline-block; width: 24px; height: 10px; vertical-align: middle;
                     margin-right: 0.3rem; }
h2 { border-bottom: 2px solid #eee; margin-top: 2rem; font-size: 1.2rem; }
ol.events { list-style: none; padding: 0; margin: 0; }
ol.events > li { border-left: 4px solid #ccc; padding: 0.2rem 0 0.6rem 0.8rem; margin: 0.6rem 0; }
ol.events > li.away { border-left-color: var(--away); }
ol.events > li.toward { border-left-color: var(--toward); }
ol.events > li.neutral { border-left-color: var(--neutral); }
.date { font-weight: 600; }
.status { font-size: 0.8rem; text-transform: uppercase; background: #fff3cd; padding: 0 0.3rem; }
.id { color: #888; font-family: ui-monospace, monospace; font-size: 0.8rem; }
.reading { font-size: 0.85rem; }
.away .reading { color: var(--away); }
.toward .reading { color: var(--toward); }
.summary { margin: 0.2rem 0; white-space: pre-line; }
.sources { font-size: 0.85rem; margin: 0; padding-left: 1rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  a { color: inherit; text-decoration: none; }
  a[href]::after { content: " (" attr(href) ")"; font-size: 0.8em; color: #555; }
  li, figure { break-inside: avoid; }
  .charts { grid-template-columns: repeat(2, 1fr); }
}
"""


def text(value: str) -> str:
    """Escaped for an HTML text node or attribute; controls shown as visible escapes."""
    return escape(visible(value, keep_newlines=True), quote=True)


@dataclass(frozen=True)
class Scale:
    """One vertical scale shared by every country's chart, so equal heights mean equal scores."""

    low: float
    high: float
    ticks: tuple[float, ...]
    levels: tuple[tuple[str, float], ...]  # the alert levels drawn as lines


def nice_step(span: float) -> float:
    """A tick step of 1, 2 or 5 times a power of ten giving about four ticks over the span."""
    raw = span / 4 or 1.0
    power: float = 10.0 ** math.floor(math.log10(raw))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def shared_scale(data: RenderInput) -> Scale:
    """The scale of every chart: all scores, zero and the alert levels, widened to whole ticks."""
    levels = tuple((level.name, level.score) for level in data.settings.levels)
    values = [v for item in data.charts for _, v in item.points]
    values += [0.0, *(score for _, score in levels)]
    step = nice_step(max(values) - min(values))
    low, high = math.floor(min(values) / step) * step, math.ceil(max(values) / step) * step
    if high == low:
        high = low + step
    count = round((high - low) / step)
    ticks = tuple(round(low + i * step, 6) for i in range(count + 1))
    return Scale(low, high, ticks, levels)


def time_ticks(start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """The x-axis ticks of a date range: the first of every 1, 3, 6 or 12 months (about six
    ticks), labelled with the month's short name, or the year on a January (and on the first
    tick, so every axis names its year)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    step = next(s for s in (1, 3, 6, 12) if months / s <= 7 or s == 12)
    ticks: list[tuple[dt.date, str]] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        day = dt.date(year, month, 1)
        if start <= day and (month - 1) % step == 0:
            label = f"{year}" if month == 1 else MONTH_NAMES[month][:3]
            if not ticks and month != 1:
                label = f"{label} {year}"
            ticks.append((day, label))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ticks


def x_axis(start: dt.date, end: dt.date, x: Callable[[dt.date], float], base: float) -> str:
    """Tick marks and labels along the bottom of a chart, one per time_ticks entry."""
    return "".join(
        f'<g class="xtick" data-date="{day.isoformat()}"><line x1="{x(day):.1f}" '
        f'x2="{x(day):.1f}" y1="{base:.1f}" y2="{base + 3:.1f}" stroke="#888"/>'
        f'<text x="{x(day):.1f}" y="{base + 12:.1f}" font-size="8" fill="#666" '
        f'text-anchor="middle">{text(label)}</text></g>'
        for day, label in time_ticks(start, end)
    )


def stance_colour(value: float) -> str:
    return "var(--away)" if value > 0 else "var(--toward)" if value < 0 else "var(--neutral)"


def chart(item: ScoreChart, scale: Scale, window: tuple[dt.date, dt.date]) -> str:
    """An SVG line of a country's drift score over the window on the shared scale: a y-axis with
    ticks, the zero line, each alert level as a labelled dashed line, a time axis, and a dot on
    the line for each event that moved the score (its id and value in the dot's tooltip)."""
    width, height, left, pad, bottom = 300, 150, 34, 16, 26
    start, end = window
    span = max(1, (end - start).days)

    def x(day: dt.date) -> float:
        return left + (width - left - pad) * (day - start).days / span

    def y(value: float) -> float:
        low = height - bottom
        return low - (low - pad) * (value - scale.low) / (scale.high - scale.low)

    code = item.country
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" data-start="{start.isoformat()}" '
        f'data-end="{end.isoformat()}" aria-label="drift score of {text(code)} from '
        f'{start.isoformat()} to {end.isoformat()}">',
        f'<line class="axis" x1="{left}" x2="{left}" y1="{pad}" y2="{height - bottom}" '
        'stroke="#888"/>',
    ]
    for tick in scale.ticks:
        parts.append(
            f'<g class="tick" data-value="{tick:g}"><line x1="{left - 3}" x2="{width - pad}" '
            f'y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{"#999" if tick == 0 else "#eee"}"/>'
            f'<text x="{left - 5}" y="{y(tick) + 3:.1f}" font-size="9" fill="#666" '
            f'text-anchor="end">{tick:g}</text></g>'
        )
    for name, score in scale.levels:
        parts.append(
            f'<g class="level" data-level="{text(name)}" data-score="{score:g}">'
            f'<line x1="{left}" x2="{width - pad}" y1="{y(score):.1f}" y2="{y(score):.1f}" '
            'stroke="#c77700" stroke-dasharray="4 3"/>'
            f'<text x="{left + 3}" y="{y(score) - 2:.1f}" font-size="8" fill="#c77700">'
            f"{text(name)} {score:g}</text></g>"
        )
    parts.append(x_axis(start, end, x, height - bottom))
    points = item.points or ((start, 0.0), (end, 0.0))
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x(day):.1f},{y(v):.1f}" for i, (day, v) in enumerate(points)
    )
    last = points[-1][1]
    colour = stance_colour(last)
    parts.append(f'<path class="score" d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for event in item.events:
        parts.append(
            f'<circle class="event" data-event="{text(event.event_id)}" '
            f'data-date="{event.day.isoformat()}" cx="{x(event.day):.1f}" '
            f'cy="{y(event.score):.1f}" r="2.5" fill="{stance_colour(event.value)}" '
            f'stroke="#fff" stroke-width="0.8"><title>{event.day.isoformat()} '
            f"{text(event.event_id)} {signed_number(event.value)}</title></circle>"
        )
    parts += [
        f'<text x="{width - pad}" y="11" font-size="11" text-anchor="end" '
        f'fill="{colour}">{signed_number(last)}</text>',
        "</svg>",
    ]
    return "".join(parts)


def legend(pole: str) -> str:
    """What the lines, dashes and dots of the charts mean, with the same marks drawn."""

    def swatch(inner: str) -> str:
        return f'<svg class="swatch" viewBox="0 0 24 10" width="24" height="10">{inner}</svg>'

    def line(colour: str, dash: str = "") -> str:
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        return swatch(
            f'<line x1="1" x2="23" y1="5" y2="5" stroke="{colour}" stroke-width="2"{extra}/>'
        )

    def dot(colour: str) -> str:
        return swatch(f'<circle cx="12" cy="5" r="3" fill="{colour}"/>')

    name = text(countries.name(pole))
    return (
        '<p class="legend">'
        f"<span>{line('var(--away)')} score drifting away from {name} (above 0)</span> "
        f"<span>{line('var(--toward)')} toward {name} (below 0)</span> "
        f"<span>{line('#c77700', '4 3')} alert level</span> "
        f"<span>{dot('var(--away)')}{dot('var(--toward)')} an event that moved the score "
        "(away, toward)</span></p>\n"
    )


def charts(data: RenderInput) -> Iterator[str]:
    """The chart section: a legend, then one card per country, all on one scale and window."""
    scale = shared_scale(data)
    window = data.chart_window or (data.today, data.today)
    yield '<section class="charts-section" aria-label="drift scores">\n'
    yield legend(data.settings.pole)
    yield '<div class="charts">\n'
    for item in data.charts:
        code = item.country
        yield (
            f"<figure><figcaption>{text(code)} {text(countries.name(code))}</figcaption>"
            f"{chart(item, scale, window)}</figure>\n"
        )
    yield "</div>\n</section>\n"
    if data.events_query:
        yield (
            f'<p class="meta">Scores from the events matching {text(data.events_query)} only.</p>\n'
        )


def feed_chart(code: str, feed: str, pairs: Sequence[MonthPair]) -> str:
    """The feed's monthly drift index (-1..+1) and the curated score scaled to the same range
    (divided by its largest absolute value over the months drawn), the months where their
    directions disagree shaded."""
    width, height, left, pad, bottom = 300, 150, 34, 16, 26
    curated = [p.curated_score or 0.0 for p in pairs]
    first, final = pairs[0].month, pairs[-1].month
    span = max(1, (final - first).days)
    largest = max((abs(v) for v in curated), default=0.0) or 1.0

    def x_of(day: dt.date) -> float:
        return left + (width - left - pad) * (day - first).days / span

    def x(index: int) -> float:  # a month drawn at its first day: months missing leave a gap
        return x_of(pairs[index].month)

    def y(value: float) -> float:
        return height - bottom - (height - bottom - pad) * (value + 1) / 2

    def line(values: Sequence[float]) -> str:
        points = (f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        return "M" + " L".join(points)

    step = (width - left - pad) * 30.4 / span if len(pairs) > 1 else width - left - pad
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{text(code)}: curated drift '
        f'score and {text(feed)} drift index by month">',
        f'<line class="axis" x1="{left}" x2="{left}" y1="{pad}" y2="{height - bottom}" '
        'stroke="#888"/>',
    ]
    for index, pair in enumerate(pairs):
        if pair.disagrees:
            start = max(left, x(index) - step / 2)
            band = min(width - pad, x(index) + step / 2) - start
            parts.append(  # a shaded band (a path: the page's tags are a fixed set)
                f'<path class="disagree" data-month="{pair.month:%Y-%m}" '
                f'd="M{start:.1f},{pad} h{band:.1f} v{height - bottom - pad} '
                f'h{-band:.1f} Z" fill="#f5d76e" fill-opacity="0.35"/>'
            )
    for tick in (-1, 0, 1):
        parts.append(
            f'<g class="tick" data-value="{tick}"><line x1="{left - 3}" x2="{width - pad}" '
            f'y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{"#999" if tick == 0 else "#eee"}"/>'
            f'<text x="{left - 5}" y="{y(tick) + 3:.1f}" font-size="9" fill="#666" '
            f'text-anchor="end">{f"{tick:+d}" if tick else "0"}</text></g>'
        )
    feed_values = [p.feed.index if p.feed else 0.0 for p in pairs]
    parts += [
        f'<path class="curated" d="{line([v / largest for v in curated])}" fill="none" '
        'stroke="var(--ink)" stroke-width="2"/>',
        f'<path class="feed" d="{line(feed_values)}" fill="none" stroke="var(--away)" '
        'stroke-width="2" stroke-dasharray="5 3"/>',
        x_axis(first, final, x_of, height - bottom),
        "</svg>",
    ]
    return "".join(parts)


def feed_section(data: RenderInput) -> Iterator[str]:
    """Per country, the feed beside the curated score on one scale, with a legend."""
    by_country: dict[str, list[MonthPair]] = {}
    for pair in data.feed_months:
        by_country.setdefault(pair.country, []).append(pair)
    if not by_country:
        return
    feed = data.feed_name
    label = f"{text(feed)} feed beside the curated score"
    yield f'<section class="feed-compare" aria-label="{label}">\n'
    yield (
        f'<p class="meta">Legend: solid line, the curated drift score divided by its largest '
        f"absolute value over these months; dashed line, the {text(feed)} drift index "
        f"((away - toward) / coded volume, -1 to +1); shaded months, where the two directions "
        f"(away, toward, steady) disagree. Only months with enough coded rows are drawn.</p>\n"
    )
    yield '<div class="charts">\n'
    for code, pairs in by_country.items():
        disagree = sum(1 for p in pairs if p.disagrees)
        yield (
            f"<figure><figcaption>{text(code)} {text(countries.name(code))}: "
            f"{plural(disagree, 'month')} of {len(pairs)} disagree</figcaption>"
            f"{feed_chart(code, feed, pairs)}</figure>\n"
        )
    yield "</div>\n</section>\n"


def span_of(data: RenderInput) -> str:
    """The header's account of the charts: the pole, the very days the charts span (the same
    window every chart draws), and the half-life."""
    pole = text(countries.name(data.settings.pole))
    half_life = text(data.settings.half_life_text)
    if not data.events or not data.charts or data.chart_window is None:
        return f" · drift away from {pole} on {data.today.isoformat()} · half-life {half_life}"
    start, end = data.chart_window
    note = (
        ""
        if end == data.today
        else f" (the last day the events cover; today is {data.today.isoformat()})"
    )
    return (
        f' · drift away from {pole} from <span class="window-start">{start.isoformat()}</span> '
        f'to <span class="window-end">{end.isoformat()}</span>{note} · half-life {half_life}'
    )


def render_html(data: RenderInput) -> Iterator[str]:
    """HTML: one self-contained page with the timeline and a drift chart per watched country."""
    yield '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    yield '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    title = f"{data.title} · {data.query}" if data.query else data.title
    yield f"<title>{text(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
    yield f"<h1>{text(data.title)}</h1>\n"
    if data.query:
        yield f'<p class="query">Query: <code>{text(data.query)}</code></p>\n'
    yield f'<p class="meta">{plural(len(data.events), "event")}{span_of(data)}</p>\n'
    if not data.events:
        yield '<p class="empty">No events match this query.</p>\n'
    elif data.charts:
        yield from charts(data)
    if data.events and data.feed_months:
        yield from feed_section(data)
    heading = None
    for event in data.events:
        start = event.date.start
        this = (
            f"{start.year}"
            if event.date.precision is Precision.YEAR
            else f"{MONTH_NAMES[start.month]} {start.year}"
        )
        if this != heading:
            if heading is not None:
                yield "</ol>\n"
            heading = this
            yield f'<h2>{text(this)}</h2>\n<ol class="events">\n'
        reading = data.reading_of.get(event.id)
        stance = reading.stance if reading else "none"
        yield f'<li class="{text(stance)}">'
        yield f'<span class="date">{text(event.date_range_human())}</span> — '
        if event.status != "occurred":
            yield f'<span class="status">{text(event.status)}</span> '
        yield f"<strong>{text(event.title)}</strong>"
        if event.summary:
            yield f'<p class="summary">{text(event.summary)}</p>'
        details = ", ".join(event.countries)
        if reading is not None:
            yield f'<div class="reading">{text(reading.stance)} · {text(reading.rule)}</div>'
        yield f'<div class="id">{text(event.id)}{" · " + text(details) if details else ""}</div>'
        if event.sources:
            yield '<ul class="sources">'
            for source in event.sources:
                label = text(source.title or source.publisher or source.url)
                url = safe_url(source.url)
                inner = f'<a href="{text(url)}">{label}</a>' if url else label
                if source.publisher and source.title:
                    inner += f" · {text(source.publisher)}"
                yield f"<li>{inner}</li>"
            yield "</ul>"
        yield "</li>\n"
    if heading is not None:
        yield "</ol>\n"
    yield "</body>\n</html>\n"
