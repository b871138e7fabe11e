"""JSON read strictly for import: NaN, Infinity and numbers beyond a float kept as markers,
so that the caller can name the row and column they sit in; never a silent 'nan'.

Parsing only; what a row may hold is importing.py's business.
"""

from __future__ import annotations

import json
import math


class NonFinite:
    """A NaN, Infinity, -Infinity or out-of-range number, as the file wrote it."""

    __slots__ = ("token",)

    def __init__(self, token: str):
        self.token = token

    def __repr__(self) -> str:
        return self.token


def _number(text: str) -> object:
    value = float(text)
    return value if math.isfinite(value) else NonFinite(text)


def loads(text: str) -> object:
    """json.loads, with non-finite numbers as NonFinite markers; RecursionError and ValueError
    (bad JSON, integers past Python's digit limit) pass to the caller."""
    return json.loads(text, parse_constant=NonFinite, parse_float=_number)


def non_finite(value: object) -> list[str]:
    """The tokens of every NonFinite inside value (lists and tables searched), in order."""
    if isinstance(value, NonFinite):
        return [value.token]
    if isinstance(value, dict):
        return [token for item in value.values() for token in non_finite(item)]
    if isinstance(value, list):
        return [token for item in value for token in non_finite(item)]
    return []
