"""ISO 3166-1 country codes and names, through pycountry, imported only when first needed.

Lookups are cached; nothing here knows about events or queries.
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=4096)
def lookup(value: str) -> str | None:
    """Alpha-2, alpha-3, numeric or name (any case) to alpha-2; None when unknown."""
    import pycountry

    text = value.strip()
    if not text:
        return None
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return None


@functools.lru_cache(maxsize=4096)
def is_alpha2(code: str) -> bool:
    import pycountry

    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


@functools.lru_cache(maxsize=4096)
def name(code: str) -> str:
    """A short English name for display ('Kazakhstan'); the code itself when unknown."""
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)
