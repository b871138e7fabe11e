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


def valid_acts() -> str:
    """The 20 acts as an unknown act's message lists them: 'statement 01, appeal 02, ...'."""
    return ", ".join(f"{kind.name} {kind.code}" for kind in ACT_KINDS)


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

# CAMEO sub-codes whose reading differs from their root's (CAMEO codebook 1.1b3, Schrodt 2012;
# the code list of openeventdata/text_to_CAMEO). A power that demobilises (0873) or retreats
# (0874) from a country has lost presence there: the pole's withdrawal reads away, a
# counterweight's toward. The other yields (0871 ceasefire, 0872 eased blockade, 081 eased
# sanctions, 083 acceding to reform, 085 eased embargo ...) read as their root, cooperative.
WITHDRAWALS = frozenset({"0873", "0874"})
# Calls on a party to stop fighting, to negotiate or settle, and mediation itself: a request
# made of the country, not cooperation it receives.
MEDIATIONS = frozenset({"0256", "026", "027", "028", "045"})
_MEDIATING_ROOTS = frozenset({"02", "04"})  # appeal and consult: what a mediator does


def withdrawal(act: Act) -> bool:
    """The act is a military withdrawal (CAMEO 0873 demobilise, 0874 retreat)."""
    return act.code[:4] in WITHDRAWALS


def act_stances(act: Act, country: str, sides: Sides) -> list[tuple[Stance, int]]:
    """How one act reads for one country: one (stance, weight) per stance it takes, so an act
    votes once whatever the number of parties typed on its other side.

    The country acts toward the pole side: cooperation is toward, conflict away; toward a
    counterweight: cooperation is away, conflict a weak toward (weight 1: turning from the
    alternative leaves the pole). The pole side acts on the country: cooperation is its pull
    (toward), conflict strain (away); a counterweight's cooperation is away, its conflict
    nothing (the country did not choose it). A power's military withdrawal from the country
    (0873, 0874) is lost presence: the pole side's reads away, a counterweight's toward. A
    call for restraint or mediation by the pole side (0256, 026-028, 045) reads nothing.
    Anything else (a third country, a statement): nothing. An act with parties on both
    sides gives both stances, at the strongest weight of each.
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
    code = act.code
    found: dict[Stance, int] = {}

    def vote(stance: Stance, size: int) -> None:
        found[stance] = max(found.get(stance, 0), size)

    for other in others:
        if other == country:
            continue
        if other in sides.pole_side:
            if not acting and withdrawal(act):
                vote("away", weight)
            elif not acting and any(code.startswith(m) for m in MEDIATIONS):
                continue
            else:
                vote("toward" if cooperative else "away", weight)
        elif other in sides.counterweights:
            if not acting and withdrawal(act):
                vote("toward", weight)
            elif cooperative:
                vote("away", weight)
            elif acting:
                vote("toward", WEAK)
    return list(found.items())


def seen_from(act: Act, country: str) -> str:
    """The act as it concerns one country: 'RU consult UZ' for a forum with five states."""
    if country in act.by:
        return f"{country} {act.act} {'+'.join(act.to)}"
    return f"{'+'.join(act.by)} {act.act} {country}"


def in_sphere(country: str, sides: Sides) -> bool:
    """Whether a country gets readings: every country but the pole side and the counterweights
    (the watch list chooses what is scored and shown, not what is read)."""
    return country not in sides.pole_side and country not in sides.counterweights


def _mediated(event: Event, act: Act, country: str, sides: Sides) -> bool:
    """A pole-side appeal or consultation addressed to a country that fights another party in
    the same event: a call for restraint or mediation, not cooperation received."""
    if kind_of(act).code not in _MEDIATING_ROOTS or country not in act.to:
        return False
    if not any(party in sides.pole_side for party in act.by):
        return False
    for other in event.acts:
        if kind_of(other).intensity >= 0:
            continue
        if country in other.by:
            opponents = set(other.to)
        elif country in other.to:
            opponents = set(other.by)
        else:
            continue
        if opponents - sides.pole_side - {country}:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Vote:
    """One act's vote for one country: what `--explain` and `show` list."""

    act: Act
    stance: Stance
    weight: int

    @property
    def signed(self) -> int:
        return self.weight if self.stance == "away" else -self.weight


def act_votes(event: Event, country: str, sides: Sides) -> list[Vote]:
    """Every vote the event's acts give one country, in act order (mediation left out)."""
    return [
        Vote(act, stance, weight)
        for act in event.acts
        if not _mediated(event, act, country, sides)
        for stance, weight in act_stances(act, country, sides)
    ]


def cancelled(event: Event, sides: Sides) -> dict[str, list[Vote]]:
    """The countries whose acts pull both ways and sum to zero, with the votes that cancelled."""
    result: dict[str, list[Vote]] = {}
    for country in event.countries:
        if not in_sphere(country, sides):
            continue
        votes = act_votes(event, country, sides)
        if votes and sum(v.signed for v in votes) == 0:
            result[country] = votes
    return result


def act_readings(event: Event, sides: Sides) -> dict[str, Reading]:
    """The reading each listed country inside the pole's sphere gets from the event's acts
    (absent: none). The pole side and the counterweights get none; see in_sphere.

    Several acts combine per country: each act votes once per stance, the signed weights are
    summed, the sign of the sum is the stance, and the strongest act on that side gives the
    weight and the source. A tie (equal pulls both ways) gives no reading: the acts cancelled
    (see `cancelled`).
    """
    result: dict[str, Reading] = {}
    for country in event.countries:
        if not in_sphere(country, sides):
            continue
        found = act_votes(event, country, sides)
        total = sum(vote.signed for vote in found)
        if total == 0:
            continue
        stance: Stance = "away" if total > 0 else "toward"
        weight, decisive = max(
            ((v.weight, v.act) for v in found if v.stance == stance), key=lambda item: item[0]
        )
        result[country] = Reading(
            stance, weight, (), "act", decisive.note, seen_from(decisive, country)
        )
    return result
