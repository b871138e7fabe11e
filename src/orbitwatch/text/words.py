"""English for counts: '1 event', '2 events', '1 problem', never '1 problem(s)'; and signed
numbers as every view prints scores: '+1.25', '-0.40', never '-0.00'.

Only wording; no output is printed here.
"""

from __future__ import annotations


def plural(count: int, word: str, many: str = "") -> str:
    """`count` and the word, in the singular for exactly one ('1 event', '3 events')."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def signed_number(value: float, places: int = 2) -> str:
    """A score or change with its sign ('+1.25', '-0.40'), never '-0.00': float noise around
    zero (-1.7e-16) prints as the zero it is."""
    text = f"{value:+.{places}f}"
    return "+" + text[1:] if text[0] == "-" and not text.strip("-0.") else text
