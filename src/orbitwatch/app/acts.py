"""Use case of `orbit acts`: the act codebook, whole or one act.

Returns codebook entries with their act kind; raises UsageError for an unknown act, listing
the valid ones. No printing.
"""

from __future__ import annotations

from orbitwatch.model.acts import ACT_KINDS, ACT_NAMES, ActKind, act_kind, valid_acts
from orbitwatch.model.codebook import Entry, entry, undocumented
from orbitwatch.model.errors import OrbitError, UsageError, did_you_mean


def codebook(name: str | None = None) -> list[tuple[ActKind, Entry]]:
    """Every act with its codebook entry, or the one act named (by name or CAMEO code)."""
    if name is None:
        kinds = list(ACT_KINDS)
    else:
        found = act_kind(name)
        if found is None:
            raise UsageError(
                f"unknown act '{name}'{did_you_mean(name.lower(), ACT_NAMES)}",
                hint=f"The acts: {valid_acts()}.",
            )
        kinds = [found[0]]
    missing = undocumented()
    if missing:  # a test keeps this from happening; say so rather than fail obscurely
        raise OrbitError(f"the act codebook misses {', '.join(missing)}")
    return [(kind, documented) for kind in kinds if (documented := entry(kind)) is not None]
