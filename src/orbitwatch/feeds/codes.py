"""The one mapping of feed codes to orbit's: CAMEO actor country codes, CAMEO known groups and
ICEWS country names to ISO alpha-2 codes or orbit's bloc codes. Pure tables; no I/O, no SQL.

How a GDELT actor is read (GDELT 1.0 and 2.0 alike):
  1. Actor<N>CountryCode, when it is a country: ISO 3166-1 alpha-3 (through pycountry) or one
     of CAMEO's own country codes in CAMEO_COUNTRY_EXCEPTIONS (ROM for Romania, ...);
  2. else Actor<N>KnownGroupCode, when it is a bloc in KNOWN_GROUP_BLOCS (EEC is the EU);
  3. else nothing (NULL): CAMEO's regional codes (EUR, CAS, AFR, ...) name no state, and
     an actor coded only by type (GOV, MIL, ...) has no country. Such rows are stored anyway
     and counted as unmapped.
  A country beats a group: an EU institution is usually coded EUR (a region) + EEC, and reads
  as EU; a Russian party coded RUS + a group reads as RU.
How an ICEWS actor is read: its Source/Target Country name, looked up case-insensitively in
ICEWS_NAME_EXCEPTIONS, then among pycountry's names (name, official and common names); when
the country is empty, the actor's name when it is a bloc in ICEWS_BLOC_NAMES.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType

# The 20 CAMEO root codes; the act each one is lives in model/acts.py (ACTS).
ROOTS: tuple[str, ...] = tuple(f"{number:02d}" for number in range(1, 21))

# CAMEO country codes that are not the ISO alpha-3 code of the same state (CAMEO codebook,
# "Country codes"; spark-gdelt's cameoCountry.txt lists them). None: names no ISO state.
CAMEO_COUNTRY_EXCEPTIONS: Mapping[str, str | None] = MappingProxyType(
    {
        "ROM": "RO",  # Romania (ISO: ROU)
        "TMP": "TL",  # East Timor (ISO: TLS)
        "IMY": "IM",  # Isle of Man (ISO: IMN)
        "MTN": "ME",  # Montenegro (ISO: MNE)
        "WSB": "PS",  # West Bank
        "GZS": "PS",  # Gaza Strip
        "PSE": "PS",  # Occupied Palestinian Territories
        "BAG": "IQ",  # Baghdad
        "ANT": None,  # Netherlands Antilles, dissolved in 2010: no single ISO code
        "KSV": None,  # Kosovo: no ISO code (orbit's XK is a user-assigned code)
    }
)

# CAMEO's regional codes: kept as the raw actor, read as no country.
CAMEO_REGIONS: frozenset[str] = frozenset(
    "AFR ASA BLK CRB CAU CFR CAS CEU EIN EAF EEU EUR LAM MEA MDT NAF NMR PGS SCN SAM SAS SEA "
    "SAF WAF WST".split()
)

# CAMEO known-group (IGO) codes that are orbit blocs. The CAMEO codebook has no code for the
# CSTO, the EAEU or the SCO (they post-date it): GDELT codes them as their member states or not
# at all, so those blocs reach a feed store only from ICEWS names.
KNOWN_GROUP_BLOCS: Mapping[str, str] = MappingProxyType(
    {
        "EEC": "EU",  # "European Union" in the CAMEO codebook (the EEC's old code)
        "NAT": "NATO",  # North Atlantic Treaty Organization
        "CIS": "CIS",  # Commonwealth of Independent States
    }
)

# ICEWS country names pycountry does not know (compared case-insensitively).
ICEWS_NAME_EXCEPTIONS: Mapping[str, str | None] = MappingProxyType(
    {
        "russia": "RU",
        "turkey": "TR",
        "occupied palestinian territory": "PS",
        "palestine": "PS",
        "congo, democratic republic of": "CD",
        "democratic republic of congo": "CD",
        "republic of congo": "CG",
        "macedonia": "MK",
        "swaziland": "SZ",
        "cape verde": "CV",
        "cote d'ivoire": "CI",
        "ivory coast": "CI",
        "burma": "MM",
        "vatican city": "VA",
        "east timor": "TL",
        "micronesia": "FM",
        "brunei": "BN",
        "north korea": "KP",
        "korea, north": "KP",
        "south korea": "KR",
        "korea, south": "KR",
        "the gambia": "GM",
        "macau": "MO",
        "reunion": "RE",
        "curacao": "CW",
        "kosovo": None,  # no ISO code
        "serbia and montenegro": None,
        "yugoslavia": None,
        "netherlands antilles": None,
    }
)

# ICEWS actor names (Source Name / Target Name, when the country column is empty) that are
# orbit blocs.
ICEWS_BLOC_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "european union": "EU",
        "north atlantic treaty organization": "NATO",
        "nato": "NATO",
        "collective security treaty organization": "CSTO",
        "eurasian economic union": "EAEU",
        "eurasian economic community": "EAEU",
        "shanghai cooperation organization": "SCO",
        "commonwealth of independent states": "CIS",
    }
)


@functools.cache
def cameo_countries() -> Mapping[str, str]:
    """Every CAMEO country code that names a state -> its ISO alpha-2 code."""
    import pycountry

    table = {
        str(c.alpha_3): str(c.alpha_2)
        for c in pycountry.countries
        if str(c.alpha_3) not in CAMEO_REGIONS  # a region never reads as a state
    }
    for code, alpha2 in CAMEO_COUNTRY_EXCEPTIONS.items():
        if alpha2 is None:
            table.pop(code, None)
        else:
            table[code] = alpha2
    return MappingProxyType(table)


@functools.cache
def icews_countries() -> Mapping[str, str]:
    """Every country name (lower case) an ICEWS file may use -> its ISO alpha-2 code."""
    import pycountry

    table: dict[str, str] = {}
    for country in pycountry.countries:
        for label in (
            getattr(country, "name", None),
            getattr(country, "official_name", None),
            getattr(country, "common_name", None),
        ):
            if label:
                table[str(label).casefold()] = str(country.alpha_2)
    for name, alpha2 in ICEWS_NAME_EXCEPTIONS.items():
        if alpha2 is None:
            table.pop(name, None)
        else:
            table[name] = alpha2
    return MappingProxyType(table)


def cameo_actor(country_code: str | None, group_code: str | None) -> str | None:
    """The GDELT rule above in Python (readers.py states it in SQL; a test holds them equal)."""
    if country_code and country_code in cameo_countries():
        return cameo_countries()[country_code]
    if group_code and group_code in KNOWN_GROUP_BLOCS:
        return KNOWN_GROUP_BLOCS[group_code]
    return None
