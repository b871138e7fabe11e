"""ISO 3166-1 country codes and names, through pycountry, imported only when first needed;
and the user-assigned codes a timeline declares in orbit.toml (`[countries] XK = "Kosovo"`).

Checking an alpha-2 code uses the constant below (importing pycountry costs ~80 ms per run);
a test keeps it equal to pycountry's list. Names and alpha-3 codes go through pycountry.

Declared codes reach a function two ways. The event checker and orbit.toml's own checks take
them as an argument (they run in worker processes and their results are cached by the index).
Queries and the names shown in output read the declaration in effect for the run: the CLI
enters `declaring(table)` once per command, a context variable reset when the command ends.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

NO_DECLARED: Mapping[str, str] = MappingProxyType({})
_DECLARED: ContextVar[Mapping[str, str]] = ContextVar("orbit_declared", default=NO_DECLARED)
USER_ASSIGNED_TEXT = "AA, QM to QZ, XA to XZ and ZZ"

ALPHA_2 = frozenset(
    (
        "AD",
        "AE",
        "AF",
        "AG",
        "AI",
        "AL",
        "AM",
        "AO",
        "AQ",
        "AR",
        "AS",
        "AT",
        "AU",
        "AW",
        "AX",
        "AZ",
        "BA",
        "BB",
        "BD",
        "BE",
        "BF",
        "BG",
        "BH",
        "BI",
        "BJ",
        "BL",
        "BM",
        "BN",
        "BO",
        "BQ",
        "BR",
        "BS",
        "BT",
        "BV",
        "BW",
        "BY",
        "BZ",
        "CA",
        "CC",
        "CD",
        "CF",
        "CG",
        "CH",
        "CI",
        "CK",
        "CL",
        "CM",
        "CN",
        "CO",
        "CR",
        "CU",
        "CV",
        "CW",
        "CX",
        "CY",
        "CZ",
        "DE",
        "DJ",
        "DK",
        "DM",
        "DO",
        "DZ",
        "EC",
        "EE",
        "EG",
        "EH",
        "ER",
        "ES",
        "ET",
        "FI",
        "FJ",
        "FK",
        "FM",
        "FO",
        "FR",
        "GA",
        "GB",
        "GD",
        "GE",
        "GF",
        "GG",
        "GH",
        "GI",
        "GL",
        "GM",
        "GN",
        "GP",
        "GQ",
        "GR",
        "GS",
        "GT",
        "GU",
        "GW",
        "GY",
        "HK",
        "HM",
        "HN",
        "HR",
        "HT",
        "HU",
        "ID",
        "IE",
        "IL",
        "IM",
        "IN",
        "IO",
        "IQ",
        "IR",
        "IS",
        "IT",
        "JE",
        "JM",
        "JO",
        "JP",
        "KE",
        "KG",
        "KH",
        "KI",
        "KM",
        "KN",
        "KP",
        "KR",
        "KW",
        "KY",
        "KZ",
        "LA",
        "LB",
        "LC",
        "LI",
        "LK",
        "LR",
        "LS",
        "LT",
        "LU",
        "LV",
        "LY",
        "MA",
        "MC",
        "MD",
        "ME",
        "MF",
        "MG",
        "MH",
        "MK",
        "ML",
        "MM",
        "MN",
        "MO",
        "MP",
        "MQ",
        "MR",
        "MS",
        "MT",
        "MU",
        "MV",
        "MW",
        "MX",
        "MY",
        "MZ",
        "NA",
        "NC",
        "NE",
        "NF",
        "NG",
        "NI",
        "NL",
        "NO",
        "NP",
        "NR",
        "NU",
        "NZ",
        "OM",
        "PA",
        "PE",
        "PF",
        "PG",
        "PH",
        "PK",
        "PL",
        "PM",
        "PN",
        "PR",
        "PS",
        "PT",
        "PW",
        "PY",
        "QA",
        "RE",
        "RO",
        "RS",
        "RU",
        "RW",
        "SA",
        "SB",
        "SC",
        "SD",
        "SE",
        "SG",
        "SH",
        "SI",
        "SJ",
        "SK",
        "SL",
        "SM",
        "SN",
        "SO",
        "SR",
        "SS",
        "ST",
        "SV",
        "SX",
        "SY",
        "SZ",
        "TC",
        "TD",
        "TF",
        "TG",
        "TH",
        "TJ",
        "TK",
        "TL",
        "TM",
        "TN",
        "TO",
        "TR",
        "TT",
        "TV",
        "TW",
        "TZ",
        "UA",
        "UG",
        "UM",
        "US",
        "UY",
        "UZ",
        "VA",
        "VC",
        "VE",
        "VG",
        "VI",
        "VN",
        "VU",
        "WF",
        "WS",
        "YE",
        "YT",
        "ZA",
        "ZM",
        "ZW",
    )
)


@contextmanager
def declaring(table: Mapping[str, str]) -> Iterator[None]:
    """The codes orbit.toml declares, in effect for queries and names until the block ends."""
    token = _DECLARED.set(MappingProxyType(dict(table)))
    try:
        yield
    finally:
        _DECLARED.reset(token)


def declared() -> Mapping[str, str]:
    """The declaration in effect (empty outside `declaring`)."""
    return _DECLARED.get()


def is_user_assigned(code: str) -> bool:
    """AA, QM-QZ, XA-XZ, ZZ: the codes ISO 3166-1 leaves to users and will never assign."""
    if len(code) != 2 or not code.isascii() or not code.isupper() or not code.isalpha():
        return False
    return code in ("AA", "ZZ") or code[0] == "X" or (code[0] == "Q" and code[1] >= "M")


def check_declared(table: object) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """orbit.toml's `[countries]` table: the usable codes, and (key, message) per problem."""
    if not isinstance(table, dict):
        return {}, [("", "'countries' must be a table: [countries] with XK = \"Kosovo\"")]
    good: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for code, label in table.items():
        if code in ALPHA_2:
            problems.append(
                (
                    code,
                    f"[countries] {code} is ISO 3166-1's code for {name(code)}; declare only "
                    f"user-assigned codes ({USER_ASSIGNED_TEXT})",
                )
            )
        elif not is_user_assigned(code):
            problems.append(
                (
                    code,
                    f"[countries] '{code}' is not a user-assigned ISO 3166-1 code; use one of "
                    f"{USER_ASSIGNED_TEXT} (Kosovo is usually XK)",
                )
            )
        elif not isinstance(label, str) or not label.strip() or not _ONE_LINE.match(label):
            problems.append((code, f'[countries] {code} needs a one-line name, e.g. "Kosovo"'))
        else:
            good[code] = label.strip()
    return good, problems


_ONE_LINE = re.compile(r"^[^\x00-\x1f\x7f]+$")


def is_code(code: str, extra: Mapping[str, str] | None = None) -> bool:
    """An ISO alpha-2 code or a declared one (`extra`, else the declaration in effect)."""
    return code in ALPHA_2 or code in (declared() if extra is None else extra)


def lookup(value: str, extra: Mapping[str, str] | None = None) -> str | None:
    """Alpha-2, alpha-3, numeric or name (any case) to alpha-2, declared codes and names
    included (`extra`, else the declaration in effect); None when unknown."""
    code = _lookup_iso(value)
    if code is not None:
        return code
    table = declared() if extra is None else extra
    text = value.strip()
    if text.upper() in table:
        return text.upper()
    wanted = text.casefold()
    return next((c for c, label in table.items() if label.casefold() == wanted), None)


@functools.lru_cache(maxsize=4096)
def _lookup_iso(value: str) -> str | None:
    """Alpha-2, alpha-3, numeric or name (any case) to alpha-2; None when unknown."""
    text = value.strip()
    if not text:
        return None
    if len(text) == 2 and text.upper() in ALPHA_2:
        return text.upper()
    import pycountry

    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return None


def suggest(value: str, extra: Mapping[str, str] | None = None) -> str:
    """' (did you mean 'Kazakhstan' (KZ)?)' for a misspelt country name, or ''."""
    import difflib

    import pycountry

    names: dict[str, str] = {}
    for country in pycountry.countries:
        for label in (country.name, getattr(country, "common_name", None)):
            if label:
                names[label.lower()] = f"{label}' ({country.alpha_2})"
    for code, label in (declared() if extra is None else extra).items():
        names[label.lower()] = f"{label}' ({code})"
    close = difflib.get_close_matches(value.strip().lower(), list(names), n=1, cutoff=0.85)
    return f" (did you mean '{names[close[0]]}?)" if close else ""


def is_alpha2(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code, upper-case as written in event files."""
    return code in ALPHA_2


def name(code: str, extra: Mapping[str, str] | None = None) -> str:
    """A short English name for display ('Kazakhstan'), or the declared one ('Kosovo'); the
    code itself when unknown."""
    table = declared() if extra is None else extra
    return table[code] if code in table and code not in ALPHA_2 else _iso_name(code)


@functools.lru_cache(maxsize=4096)
def _iso_name(code: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)
