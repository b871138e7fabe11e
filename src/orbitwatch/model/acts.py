"""Acts: who did what to whom, coded with the 20 CAMEO root categories, and how one reads.

The act vocabulary (names, CAMEO root codes, Goldstein intensities) is defined here once; the
sides (pole, counterweights) come from orbit.toml. Pure functions; no parsing of files.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orbitwatch.model.event import Act, Event, Reading

if TYPE_CHECKING:
    from orbitwatch.model.schema import Stance


@dataclass(frozen=True, slots=True)
class ActKind:
    name: str
    code: str  # the CAMEO root code, two digits
    intensity: float  # the Goldstein-scale value of the root code, -10 .. +10
    meaning: str


# The CAMEO root categories with the Goldstein values the CAMEO codebook's scale gives the root
# codes 01..20 (checked against ICEWS' table of CAMEO codes, see docs/signals.md).
ACT_KINDS: tuple[ActKind, ...] = (
    ActKind("statement", "01", 0.0, "make a public statement"),
    ActKind("appeal", "02", 3.0, "appeal or request"),
    ActKind("intend", "03", 4.0, "express intent to cooperate"),
    ActKind("consult", "04", 1.0, "consult: visits, meetings, talks"),
    ActKind("endorse", "05", 3.5, "diplomatic cooperation: praise, support, recognition"),
    ActKind("cooperate", "06", 6.0, "material cooperation: agreements, joint exercises"),
    ActKind("aid", "07", 7.0, "provide economic, military or humanitarian aid"),
    ActKind("yield", "08", 5.0, "yield: concede, ease restrictions, withdraw"),
    ActKind("investigate", "09", -2.0, "investigate"),
    ActKind("demand", "10", -5.0, "demand"),
    ActKind("disapprove", "11", -2.0, "disapprove: criticise, condemn, complain"),
    ActKind("reject", "12", -4.0, "reject: refuse a proposal, refuse to recognise or join"),
    ActKind("threaten", "13", -6.0, "threaten"),
    ActKind("protest", "14", -6.5, "protest"),
    ActKind("posture", "15", -7.2, "exhibit military posture"),
    ActKind("reduce", "16", -4.0, "reduce relations: cancel, suspend, expel, sanction"),
    ActKind("coerce", "17", -7.0, "coerce: seize, arrest, ban, block"),
    ActKind("assault", "18", -9.0, "assault"),
    ActKind("fight", "19", -10.0, "fight with conventional military force"),
    ActKind("mass-violence", "20", -10.0, "unconventional mass violence"),
)
ACT_NAMES = tuple(kind.name for kind in ACT_KINDS)
_BY_NAME = {kind.name: kind for kind in ACT_KINDS}
_BY_CODE = {kind.code: kind for kind in ACT_KINDS}


def act_kind(value: str) -> tuple[ActKind, str] | None:
    """(kind, code as written) for an act name or a CAMEO code of any depth; None if unknown.

    A code is 2 to 4 digits whose first two name a root category ("16", "163", "1623")."""
    text = value.strip()
    kind = _BY_NAME.get(text.lower())
    if kind is not None:
        return kind, ""
    if text.isascii() and text.isdigit() and 2 <= len(text) <= 4:
        root = _BY_CODE.get(text[:2])
        if root is not None:
            return root, text
    return None


def kind_of(act: Act) -> ActKind:
    return _BY_NAME[act.act]


def weight_of(intensity: float) -> int:
    """An act's weight on the 1-5 scale of rules: |Goldstein| / 2, rounded up."""
    return max(1, min(5, math.ceil(abs(intensity) / 2)))


@dataclass(frozen=True, slots=True)
class Sides:
    """The pole side (the pole and every bloc it leads) and the counterweights."""

    pole: str
    pole_side: frozenset[str]
    counterweights: frozenset[str]


def sides(pole: str, led_by: Mapping[str, str], counterweights: Iterable[str]) -> Sides:
    pole_side = frozenset({pole, *(bloc for bloc, leader in led_by.items() if leader == pole)})
    return Sides(pole, pole_side, frozenset(counterweights) - pole_side)


WEAK = 1  # the weight of a country's own quarrel with a counterweight: a weak toward


def act_stances(act: Act, country: str, sides: Sides) -> list[tuple[Stance, int]]:
    """How one act reads for one country: a (stance, weight) per party on the other side.

    The country acts toward the pole side: cooperation is toward, conflict away; toward a
    counterweight: cooperation is away, conflict a weak toward (weight 1: turning from the
    alternative leaves the pole). The pole side acts on the country: cooperation is its pull
    (toward), conflict strain (away); a counterweight's cooperation is away, its conflict
    nothing (the country did not choose it). Anything else (a third country, a statement):
    nothing.
    """
    intensity = kind_of(act).intensity
    if intensity == 0:
        return []
    cooperative = intensity > 0
    weight = weight_of(intensity)
    if country in act.by:
        others, acting = act.to, True
    elif country in act.to:
        others, acting = act.by, False
    else:
        return []
    found: list[tuple[Stance, int]] = []
    for other in others:
        if other == country:
            continue
        if other in sides.pole_side:
            found.append(("toward" if cooperative else "away", weight))
        elif other in sides.counterweights:
            if cooperative:
                found.append(("away", weight))
            elif acting:
                found.append(("toward", WEAK))
    return found


def seen_from(act: Act, country: str) -> str:
    """The act as it concerns one country: 'RU consult UZ' for a forum with five states."""
    if country in act.by:
        return f"{country} {act.act} {'+'.join(act.to)}"
    return f"{'+'.join(act.by)} {act.act} {country}"


def act_readings(event: Event, sides: Sides) -> dict[str, Reading]:
    """The reading each listed country gets from the event's acts (absent: none).

    Several acts (and one act with parties on both sides) combine per country: the signed
    weights are summed, the sign of the sum is the stance, and the strongest act on that
    side gives the weight and the source. A tie (equal pulls both ways) gives no reading.
    """
    result: dict[str, Reading] = {}
    for country in event.countries:
        if country == sides.pole:
            continue
        found = [
            (stance, weight, act)
            for act in event.acts
            for stance, weight in act_stances(act, country, sides)
        ]
        total = sum(weight if stance == "away" else -weight for stance, weight, _ in found)
        if total == 0:
            continue
        stance: Stance = "away" if total > 0 else "toward"
        side = [(weight, act) for s, weight, act in found if s == stance]
        weight, decisive = max(side, key=lambda item: item[0])
        result[country] = Reading(
            stance, weight, (), "act", decisive.note, seen_from(decisive, country)
        )
    return result
