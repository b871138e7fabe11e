"""The one arrow vocabulary of every view: list, show, timeline, monthly arrows, the digest.

A score rises when a country drifts away from the pole, so ▲ is away and ▼ toward everywhere;
steady (a month without a change worth an arrow) is a level bar, never an arrow.
"""

from __future__ import annotations

MARK = {
    "away": "▲",
    "toward": "▼",
    "neutral": "●",
    "mixed": "◆",  # the event's countries read differently (see `orbit show`)
    "none": "○",
    "steady": "─",
}


def marked(word: str) -> str:
    """The mark and its word ('▲ away'); an unknown word stays as it is."""
    return f"{MARK[word]} {word}" if word in MARK else word


def legend(*words: str) -> str:
    """'▲ away, ▼ toward, ...' for help texts and footers."""
    return ", ".join(marked(word) for word in words)
