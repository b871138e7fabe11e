"""`orbit eval` output: a plain-text report and a JSON document, as generators of text.

Event ids and sources are data: every line goes through the one sanitizer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from orbitwatch.render.data import SCHEMA_VERSION
from orbitwatch.render.text import json_safe, one_line
from orbitwatch.signals.evaluate import LABELS, Evaluation


def evaluation_text(result: Evaluation) -> Iterator[str]:
    agreeing = sum(result.count(label, label) for label in LABELS)
    yield (
        f"{result.n} labelled reading{'s' if result.n != 1 else ''} "
        f"from {result.events} event{'s' if result.events != 1 else ''}\n"
    )
    yield (
        f"agreement {result.agreement:.3f} ({agreeing} of {result.n}), "
        f"Cohen's kappa {result.kappa:.3f}\n"
    )
    yield "\nconfusion (rows: the analyst; columns: acts and rules without the analyst)\n"
    yield f"{'':>10}" + "".join(f"{label:>8}" for label in LABELS) + "\n"
    for analyst in LABELS:
        cells = "".join(f"{result.count(analyst, derived):>8}" for derived in LABELS)
        yield f"{analyst:>10}{cells}\n"
    if result.precision:
        yield "\nprecision (how often the analyst agrees with what each source derived)\n"
        width = max(len(p.source) for p in result.precision)
        for p in result.precision:
            yield f"  {one_line(p.source):<{width}}  {p.agreeing:>3}/{p.total:<3}  {p.value:.2f}\n"
    if result.disagreements:
        yield f"\ndisagreements ({len(result.disagreements)})\n"
        for d in result.disagreements:
            source = f" ({one_line(d.source)})" if d.source else ""
            yield (
                f"  {one_line(d.event_id)}  {d.country}  analyst {d.analyst}, "
                f"derived {d.derived}{source}\n"
            )


def evaluation_json(result: Evaluation) -> Iterator[str]:
    document = {
        "schema_version": SCHEMA_VERSION,
        "n": result.n,
        "events": result.events,
        "agreement": round(result.agreement, 6),
        "kappa": round(result.kappa, 6),
        "labels": list(LABELS),
        "confusion": {
            analyst: {derived: result.count(analyst, derived) for derived in LABELS}
            for analyst in LABELS
        },
        "precision": [
            {
                "source": p.source,
                "agreeing": p.agreeing,
                "total": p.total,
                "precision": round(p.value, 6),
            }
            for p in result.precision
        ],
        "disagreements": [
            {
                "event": d.event_id,
                "country": d.country,
                "analyst": d.analyst,
                "derived": d.derived,
                "source": d.source,
            }
            for d in result.disagreements
        ],
    }
    yield json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"
