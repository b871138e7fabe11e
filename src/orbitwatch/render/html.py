"""The HTML export: one self-contained page (inline CSS and SVG, no scripts, nothing fetched).

Every piece of event text passes through html.escape; hrefs are http(s) only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
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
    values = [v for points in data.monthly_scores.values() for _, v in points]
    values += [0.0, *(score for _, score in levels)]
    step = nice_step(max(values) - min(values))
    low, high = math.floor(min(values) / step) * step, math.ceil(max(values) / step) * step
    if high == low:
        high = low + step
    count = round((high - low) / step)
    ticks = tuple(round(low + i * step, 6) for i in range(count + 1))
    return Scale(low, high, ticks, levels)


def chart(code: str, points: Sequence[tuple[dt.date, float]], scale: Scale) -> str:
    """An SVG line of a country's drift score by month on the shared scale: a y-axis with ticks,
    the zero line and each alert level as a labelled dashed line."""
    width, height, left, pad = 300, 140, 34, 16
    values = [score for _, score in points] or [0.0]
    count = max(1, len(values) - 1)

    def x(index: int) -> float:
        return left + (width - left - pad) * index / count

    def y(value: float) -> float:
        return height - pad - (height - 2 * pad) * (value - scale.low) / (scale.high - scale.low)

    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="drift score of '
        f'{text(code)} by month">',
        f'<line class="axis" x1="{left}" x2="{left}" y1="{pad}" y2="{height - pad}" '
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
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    last = values[-1]
    colour = "var(--away)" if last > 0 else "var(--toward)" if last < 0 else "var(--neutral)"
    first_label = points[0][0].strftime("%b %Y") if points else ""
    last_label = points[-1][0].strftime("%b %Y") if points else ""
    parts += [
        f'<path class="score" d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>',
        f'<text x="{left}" y="{height - 3}" font-size="9" fill="#666">{text(first_label)}</text>',
        f'<text x="{width - pad}" y="{height - 3}" font-size="9" fill="#666" '
        f'text-anchor="end">{text(last_label)}</text>',
        f'<text x="{width - pad}" y="11" font-size="11" text-anchor="end" '
        f'fill="{colour}">{signed_number(last)}</text>',
        "</svg>",
    ]
    return "".join(parts)


def charts(data: RenderInput) -> Iterator[str]:
    """The chart section: one card per country, all on one scale."""
    scale = shared_scale(data)
    yield '<section class="charts" aria-label="drift scores">\n'
    for code, points in data.monthly_scores.items():
        yield (
            f"<figure><figcaption>{text(code)} {text(countries.name(code))}</figcaption>"
            f"{chart(code, points, scale)}</figure>\n"
        )
    yield "</section>\n"
    if data.events_query:
        yield (
            f'<p class="meta">Scores from the events matching {text(data.events_query)} only.</p>\n'
        )


def feed_chart(code: str, feed: str, pairs: Sequence[MonthPair]) -> str:
    """The feed's monthly drift index (-1..+1) and the curated score scaled to the same range
    (divided by its largest absolute value over the months drawn), the months where their
    directions disagree shaded."""
    width, height, left, pad = 300, 140, 34, 16
    count = max(1, len(pairs) - 1)
    curated = [p.curated_score or 0.0 for p in pairs]
    largest = max((abs(v) for v in curated), default=0.0) or 1.0

    def x(index: int) -> float:
        return left + (width - left - pad) * index / count

    def y(value: float) -> float:
        return height - pad - (height - 2 * pad) * (value + 1) / 2

    def line(values: Sequence[float]) -> str:
        points = (f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        return "M" + " L".join(points)

    step = (width - left - pad) / count
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{text(code)}: curated drift '
        f'score and {text(feed)} drift index by month">',
        f'<line class="axis" x1="{left}" x2="{left}" y1="{pad}" y2="{height - pad}" '
        'stroke="#888"/>',
    ]
    for index, pair in enumerate(pairs):
        if pair.disagrees:
            start = max(left, x(index) - step / 2)
            band = min(width - pad, x(index) + step / 2) - start
            parts.append(  # a shaded band (a path: the page's tags are a fixed set)
                f'<path class="disagree" data-month="{pair.month:%Y-%m}" '
                f'd="M{start:.1f},{pad} h{band:.1f} v{height - 2 * pad} '
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
        f'<text x="{left}" y="{height - 3}" font-size="9" fill="#666">'
        f"{pairs[0].month:%b %Y}</text>",
        f'<text x="{width - pad}" y="{height - 3}" font-size="9" fill="#666" '
        f'text-anchor="end">{pairs[-1].month:%b %Y}</text>',
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


def render_html(data: RenderInput) -> Iterator[str]:
    """HTML: one self-contained page with the timeline and a drift chart per watched country."""
    yield '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    yield '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    title = f"{data.title} · {data.query}" if data.query else data.title
    yield f"<title>{text(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
    yield f"<h1>{text(data.title)}</h1>\n"
    if data.query:
        yield f'<p class="query">Query: <code>{text(data.query)}</code></p>\n'
    yield (
        f'<p class="meta">{plural(len(data.events), "event")} · drift away from '
        f"{text(countries.name(data.settings.pole))} on {data.today.isoformat()} · half-life "
        f"{text(data.settings.half_life_text)}</p>\n"
    )
    if not data.events:
        yield '<p class="empty">No events match this query.</p>\n'
    elif data.monthly_scores:
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
