"""`orbit eval`: how well acts and rules agree with the analyst's own readings.

Pure: events + settings -> an Evaluation (confusion matrix, agreement, Cohen's kappa,
precision per rule and per act, every disagreement). Nothing here reads files or prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orbitwatch.signals.readings import readings, watched_countries

if TYPE_CHECKING:
    from orbitwatch.config.settings import Settings
    from orbitwatch.model.event import Event, Reading

LABELS = ("away", "toward", "none")


@dataclass(frozen=True, slots=True)
class Disagreement:
    event_id: str
    country: str
    analyst: str  # away | toward | none
    derived: str  # away | toward | none
    source: str  # what derived it ('act AM reduce CSTO', 'rule X'), '' for none


@dataclass(frozen=True, slots=True)
class Precision:
    source: str  # 'rule ID' or 'act NAME'
    agreeing: int
    total: int

    @property
    def value(self) -> float:
        return self.agreeing / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class Verdict:
    """One reading compared: the analyst's label beside the derived one."""

    event_id: str
    country: str
    year: int  # the first year the event's date covers
    analyst: str  # away | toward | none
    derived: str  # away | toward | none
    act: str  # what derived it: an act's name, 'rule ID', or 'none'


@dataclass(frozen=True, slots=True)
class Group:
    """The readings of one country, act or year: how many, and how many agree."""

    name: str
    readings: int
    agreeing: int

    @property
    def agreement(self) -> float:
        return self.agreeing / self.readings if self.readings else 0.0


@dataclass(frozen=True, slots=True)
class Evaluation:
    n: int
    agreement: float
    kappa: float
    confusion: tuple[tuple[int, ...], ...]  # rows: analyst label, columns: derived label
    precision: tuple[Precision, ...]
    disagreements: tuple[Disagreement, ...]
    events: int  # labelled events behind the n readings
    verdicts: tuple[Verdict, ...] = ()  # every reading compared, in event order

    def count(self, analyst: str, derived: str) -> int:
        return self.confusion[LABELS.index(analyst)][LABELS.index(derived)]

    def groups(self, by: str) -> list[Group]:
        """The readings per country, act (or rule, or 'none') or year, sorted by name."""
        tally: dict[str, list[int]] = {}
        for verdict in self.verdicts:
            name = {"country": verdict.country, "act": verdict.act}.get(by, str(verdict.year))
            counts = tally.setdefault(name, [0, 0])
            counts[0] += 1
            counts[1] += verdict.analyst == verdict.derived
        return [Group(name, total, good) for name, (total, good) in sorted(tally.items())]


# Landis and Koch (1977), "The measurement of observer agreement for categorical data":
# the words for kappa's ranges (upper bounds); below 0 is 'poor'.
KAPPA_WORDS = ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"))


def kappa_strength(kappa: float) -> str:
    """Landis and Koch's word for a kappa: poor (< 0), slight, fair, moderate, substantial,
    almost perfect (above 0.80)."""
    if kappa < 0:
        return "poor"
    rounded = round(kappa, 2)  # as printed to two places: 0.40 is fair, 0.41 moderate
    return next((word for bound, word in KAPPA_WORDS if rounded <= bound), "almost perfect")


def label(reading: Reading | None) -> str:
    if reading is None or reading.stance not in ("away", "toward"):
        return "none"
    return reading.stance


def cohen_kappa(confusion: Sequence[Sequence[int]]) -> float:
    """Cohen's kappa of a square confusion matrix; 1.0 for perfect agreement, 0 for chance."""
    total = sum(sum(row) for row in confusion)
    if total == 0:
        return 0.0
    observed = sum(confusion[i][i] for i in range(len(confusion))) / total
    expected = sum(
        sum(confusion[i]) * sum(row[i] for row in confusion) for i in range(len(confusion))
    ) / (total * total)
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1 - expected)


def _precision_key(reading: Reading) -> str:
    if reading.origin == "act":
        parts = reading.rule.split(" ")
        return f"act {parts[1] if len(parts) > 1 else reading.rule}"
    return f"rule {reading.rule}"


def evaluate(
    events: Sequence[Event],
    settings: Settings,
    today: dt.date,
    wants: Callable[[str], bool] | None = None,
) -> Evaluation:
    """Compare, for every (event, watched country) the analyst read, the analyst's stance with
    what the acts and rules derive when the analyst's reading is set aside. Neutral counts as
    none: the analyst says the event does not move the country either way. `wants` keeps the
    readings of the countries it accepts (a query's country: terms), not every reading of
    the events that involve them."""
    derived_of = readings(events, settings, today, analyst=False)
    watched = set(watched_countries(events, settings))
    confusion = [[0] * len(LABELS) for _ in LABELS]
    tally: dict[str, list[int]] = {}
    disagreements: list[Disagreement] = []
    verdicts: list[Verdict] = []
    labelled_events = 0
    for event in events:
        labelled = False
        for country in event.countries:
            if country not in watched or (wants is not None and not wants(country)):
                continue
            own = event.analyst_reading(country)
            if own is None:
                continue
            labelled = True
            analyst = own.stance if own.stance in ("away", "toward") else "none"
            whole = derived_of.get(event.id)
            derived_reading = whole.for_country(country) if whole is not None else None
            derived = label(derived_reading)
            confusion[LABELS.index(analyst)][LABELS.index(derived)] += 1
            source = "none"
            if derived_reading is not None and derived != "none":
                source = _precision_key(derived_reading)
                counts = tally.setdefault(source, [0, 0])
                counts[0] += analyst == derived
                counts[1] += 1
            act = source.removeprefix("act ")
            year = event.date.first_day.year
            verdicts.append(Verdict(event.id, country, year, analyst, derived, act))
            if analyst != derived:
                disagreements.append(
                    Disagreement(
                        event.id,
                        country,
                        analyst,
                        derived,
                        derived_reading.origin_text if derived_reading is not None else "",
                    )
                )
        labelled_events += labelled
    n = sum(sum(row) for row in confusion)
    agreeing = sum(confusion[i][i] for i in range(len(LABELS)))
    return Evaluation(
        n,
        agreeing / n if n else 0.0,
        cohen_kappa(confusion),
        tuple(tuple(row) for row in confusion),
        tuple(Precision(key, good, total) for key, (good, total) in sorted(tally.items())),
        tuple(disagreements),
        labelled_events,
        tuple(verdicts),
    )
