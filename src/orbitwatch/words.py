"""English for counts: '1 event', '2 events', '1 problem', never '1 problem(s)'.

Only wording; no output is printed here.
"""

from __future__ import annotations


def plural(count: int, word: str, many: str = "") -> str:
    """`count` and the word, in the singular for exactly one ('1 event', '3 events')."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
