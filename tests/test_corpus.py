"""Replays tests/corpus/: the loader is total, renderers escape, the writer round-trips."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import pytest

from orbitwatch.authoring.write import to_toml
from orbitwatch.config.settings import Settings
from orbitwatch.render.exports import RenderInput
from orbitwatch.render.registry import builtin
from orbitwatch.timeline.load import parse_event_file

CORPUS = Path(__file__).parent / "corpus"
RAW_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.toml")))
def test_corpus_input(name: str) -> None:
    path = CORPUS / name
    event, problems = parse_event_file(path, name, Settings())
    assert (event is None) == bool(problems), problems
    for problem in problems:
        assert problem.line >= 1 and problem.col >= 1
        assert not RAW_CONTROL.search(problem.message)
    if event is None:
        return
    data = RenderInput([event], {}, Settings(), dt.date(2022, 5, 31))
    for fmt, renderer in builtin().items():
        assert not RAW_CONTROL.search("".join(renderer(data))), fmt
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    written = tomllib.loads(to_toml(raw))
    assert written == raw  # the writer keeps every string exactly (CR included)
