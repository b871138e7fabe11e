"""The export formats of `orbit render`: a plain registry filled by explicit register() calls.

The built-in formats register the same way an extension would; an entry's docstring is its help.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orbitwatch.render import export_data, html, ics, markdown, timelinejs

if TYPE_CHECKING:
    from orbitwatch.render.exports import Renderer

REGISTRY: dict[str, Renderer] = {}


def register(name: str, renderer: Renderer) -> None:
    """Add an export format; its docstring's first line is its help text."""
    REGISTRY[name] = renderer


def describe(name: str) -> str:
    doc = REGISTRY[name].__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else name


def builtin() -> dict[str, Renderer]:
    """Register the built-in formats the same way an extension would, and return the registry."""
    if REGISTRY:
        return REGISTRY

    register("md", markdown.render_md)
    register("html", html.render_html)
    register("json", export_data.render_json)
    register("jsonl", export_data.render_jsonl)
    register("csv", export_data.render_csv)
    register("ics", ics.render_ics)
    register("timelinejs", timelinejs.render_timelinejs)
    return REGISTRY
