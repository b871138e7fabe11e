"""ISO 3166-1 country codes and names, through pycountry, imported only when first needed;
and the user-assigned codes a timeline declares in orbit.toml (`[countries] XK = "Kosovo"`).

Checking an alpha-2 code and naming it use the table below (importing pycountry costs ~60 ms
per run); a test keeps it equal to pycountry's. Alpha-3 codes and names written by a user
(`country:Kazakhstan`) go through pycountry.

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

# The short English name of every ISO 3166-1 alpha-2 code, as pycountry gives it (its
# common name where it has one); a test keeps the two equal.
NAMES: Mapping[str, str] = MappingProxyType(
    {
        "AD": "Andorra",
        "AE": "United Arab Emirates",
        "AF": "Afghanistan",
        "AG": "Antigua and Barbuda",
        "AI": "Anguilla",
        "AL": "Albania",
        "AM": "Armenia",
        "AO": "Angola",
        "AQ": "Antarctica",
        "AR": "Argentina",
        "AS": "American Samoa",
        "AT": "Austria",
        "AU": "Australia",
        "AW": "Aruba",
        "AX": "Åland Islands",
        "AZ": "Azerbaijan",
        "BA": "Bosnia and Herzegovina",
        "BB": "Barbados",
        "BD": "Bangladesh",
        "BE": "Belgium",
        "BF": "Burkina Faso",
        "BG": "Bulgaria",
        "BH": "Bahrain",
        "BI": "Burundi",
        "BJ": "Benin",
        "BL": "Saint Barthélemy",
        "BM": "Bermuda",
        "BN": "Brunei Darussalam",
        "BO": "Bolivia",
        "BQ": "Bonaire, Sint Eustatius and Saba",
        "BR": "Brazil",
        "BS": "Bahamas",
        "BT": "Bhutan",
        "BV": "Bouvet Island",
        "BW": "Botswana",
        "BY": "Belarus",
        "BZ": "Belize",
        "CA": "Canada",
        "CC": "Cocos (Keeling) Islands",
        "CD": "Congo, The Democratic Republic of the",
        "CF": "Central African Republic",
        "CG": "Congo",
        "CH": "Switzerland",
        "CI": "Côte d'Ivoire",
        "CK": "Cook Islands",
        "CL": "Chile",
        "CM": "Cameroon",
        "CN": "China",
        "CO": "Colombia",
        "CR": "Costa Rica",
        "CU": "Cuba",
        "CV": "Cabo Verde",
        "CW": "Curaçao",
        "CX": "Christmas Island",
        "CY": "Cyprus",
        "CZ": "Czechia",
        "DE": "Germany",
        "DJ": "Djibouti",
        "DK": "Denmark",
        "DM": "Dominica",
        "DO": "Dominican Republic",
        "DZ": "Algeria",
        "EC": "Ecuador",
        "EE": "Estonia",
        "EG": "Egypt",
        "EH": "Western Sahara",
        "ER": "Eritrea",
        "ES": "Spain",
        "ET": "Ethiopia",
        "FI": "Finland",
        "FJ": "Fiji",
        "FK": "Falkland Islands (Malvinas)",
        "FM": "Micronesia, Federated States of",
        "FO": "Faroe Islands",
        "FR": "France",
        "GA": "Gabon",
        "GB": "United Kingdom",
        "GD": "Grenada",
        "GE": "Georgia",
        "GF": "French Guiana",
        "GG": "Guernsey",
        "GH": "Ghana",
        "GI": "Gibraltar",
        "GL": "Greenland",
        "GM": "Gambia",
        "GN": "Guinea",
        "GP": "Guadeloupe",
        "GQ": "Equatorial Guinea",
        "GR": "Greece",
        "GS": "South Georgia and the South Sandwich Islands",
        "GT": "Guatemala",
        "GU": "Guam",
        "GW": "Guinea-Bissau",
        "GY": "Guyana",
        "HK": "Hong Kong",
        "HM": "Heard Island and McDonald Islands",
        "HN": "Honduras",
        "HR": "Croatia",
        "HT": "Haiti",
        "HU": "Hungary",
        "ID": "Indonesia",
        "IE": "Ireland",
        "IL": "Israel",
        "IM": "Isle of Man",
        "IN": "India",
        "IO": "British Indian Ocean Territory",
        "IQ": "Iraq",
        "IR": "Iran",
        "IS": "Iceland",
        "IT": "Italy",
        "JE": "Jersey",
        "JM": "Jamaica",
        "JO": "Jordan",
        "JP": "Japan",
        "KE": "Kenya",
        "KG": "Kyrgyzstan",
        "KH": "Cambodia",
        "KI": "Kiribati",
        "KM": "Comoros",
        "KN": "Saint Kitts and Nevis",
        "KP": "North Korea",
        "KR": "South Korea",
        "KW": "Kuwait",
        "KY": "Cayman Islands",
        "KZ": "Kazakhstan",
        "LA": "Laos",
        "LB": "Lebanon",
        "LC": "Saint Lucia",
        "LI": "Liechtenstein",
        "LK": "Sri Lanka",
        "LR": "Liberia",
        "LS": "Lesotho",
        "LT": "Lithuania",
        "LU": "Luxembourg",
        "LV": "Latvia",
        "LY": "Libya",
        "MA": "Morocco",
        "MC": "Monaco",
        "MD": "Moldova",
        "ME": "Montenegro",
        "MF": "Saint Martin (French part)",
        "MG": "Madagascar",
        "MH": "Marshall Islands",
        "MK": "North Macedonia",
        "ML": "Mali",
        "MM": "Myanmar",
        "MN": "Mongolia",
        "MO": "Macao",
        "MP": "Northern Mariana Islands",
        "MQ": "Martinique",
        "MR": "Mauritania",
        "MS": "Montserrat",
        "MT": "Malta",
        "MU": "Mauritius",
        "MV": "Maldives",
        "MW": "Malawi",
        "MX": "Mexico",
        "MY": "Malaysia",
        "MZ": "Mozambique",
        "NA": "Namibia",
        "NC": "New Caledonia",
        "NE": "Niger",
        "NF": "Norfolk Island",
        "NG": "Nigeria",
        "NI": "Nicaragua",
        "NL": "Netherlands",
        "NO": "Norway",
        "NP": "Nepal",
        "NR": "Nauru",
        "NU": "Niue",
        "NZ": "New Zealand",
        "OM": "Oman",
        "PA": "Panama",
        "PE": "Peru",
        "PF": "French Polynesia",
        "PG": "Papua New Guinea",
        "PH": "Philippines",
        "PK": "Pakistan",
        "PL": "Poland",
        "PM": "Saint Pierre and Miquelon",
        "PN": "Pitcairn",
        "PR": "Puerto Rico",
        "PS": "Palestine, State of",
        "PT": "Portugal",
        "PW": "Palau",
        "PY": "Paraguay",
        "QA": "Qatar",
        "RE": "Réunion",
        "RO": "Romania",
        "RS": "Serbia",
        "RU": "Russian Federation",
        "RW": "Rwanda",
        "SA": "Saudi Arabia",
        "SB": "Solomon Islands",
        "SC": "Seychelles",
        "SD": "Sudan",
        "SE": "Sweden",
        "SG": "Singapore",
        "SH": "Saint Helena, Ascension and Tristan da Cunha",
        "SI": "Slovenia",
        "SJ": "Svalbard and Jan Mayen",
        "SK": "Slovakia",
        "SL": "Sierra Leone",
        "SM": "San Marino",
        "SN": "Senegal",
        "SO": "Somalia",
        "SR": "Suriname",
        "SS": "South Sudan",
        "ST": "Sao Tome and Principe",
        "SV": "El Salvador",
        "SX": "Sint Maarten (Dutch part)",
        "SY": "Syria",
        "SZ": "Eswatini",
        "TC": "Turks and Caicos Islands",
        "TD": "Chad",
        "TF": "French Southern Territories",
        "TG": "Togo",
        "TH": "Thailand",
        "TJ": "Tajikistan",
        "TK": "Tokelau",
        "TL": "Timor-Leste",
        "TM": "Turkmenistan",
        "TN": "Tunisia",
        "TO": "Tonga",
        "TR": "Türkiye",
        "TT": "Trinidad and Tobago",
        "TV": "Tuvalu",
        "TW": "Taiwan",
        "TZ": "Tanzania",
        "UA": "Ukraine",
        "UG": "Uganda",
        "UM": "United States Minor Outlying Islands",
        "US": "United States",
        "UY": "Uruguay",
        "UZ": "Uzbekistan",
        "VA": "Holy See (Vatican City State)",
        "VC": "Saint Vincent and the Grenadines",
        "VE": "Venezuela",
        "VG": "Virgin Islands, British",
        "VI": "Virgin Islands, U.S.",
        "VN": "Vietnam",
        "VU": "Vanuatu",
        "WF": "Wallis and Futuna",
        "WS": "Samoa",
        "YE": "Yemen",
        "YT": "Mayotte",
        "ZA": "South Africa",
        "ZM": "Zambia",
        "ZW": "Zimbabwe",
    }
)
ALPHA_2 = frozenset(NAMES)


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


def _iso_name(code: str) -> str:
    return NAMES.get(code, code)
