"""The alert value: what fired, for which country and event, and its stable fingerprint.

A value only (no scoring, no settings): alerts.py raises alerts, silences and inhibition match
them, the digest sends them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

FINGERPRINT_VERSION = "v1"
SHORT_DIGITS = 10  # a short fingerprint, as git abbreviates commits: the first hex digits


def fingerprint(kind: str, rule: str, country: str, subject: str) -> str:
    """Identifies an alert, never describes it: rewording an event or rule keeps it."""
    digest = hashlib.sha256("\x1f".join((kind, rule, country, subject)).encode()).hexdigest()
    return f"{FINGERPRINT_VERSION}-{digest[:20]}"


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str  # signal | level-up | level-down | convergence | upcoming | feed
    country: str
    rule: str  # rule id, level name, joined rule ids, or warning days
    subject: str  # the event id (for level-down: the event that opened the episode)
    date: dt.date
    level: str  # the country's level on that date ('' below every level)
    why: str
    event_ids: tuple[str, ...]
    # Computed once (a digest compares every alert's with the state, and sorts by it).
    fingerprint: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The analyst's reading was called 'override' when fingerprints were first issued;
        # keeping the old word keeps every digest state valid (no alert is sent twice).
        rule = "override" if self.kind == "signal" and self.rule == "analyst" else self.rule
        object.__setattr__(
            self, "fingerprint", fingerprint(self.kind, rule, self.country, self.subject)
        )

    @property
    def short(self) -> str:
        """The short fingerprint views show: its first SHORT_DIGITS hex digits (no 'v1-')."""
        return self.fingerprint.split("-", 1)[1][:SHORT_DIGITS]

    @property
    def origin(self) -> str:
        """Where the alert came from: 'timeline', or 'feed:NAME' (a feed's rule is its name)."""
        return f"feed:{self.rule}" if self.kind == "feed" else "timeline"


KIND_ORDER = {
    "level-up": 0, "convergence": 1, "upcoming": 2, "signal": 3, "level-down": 4, "feed": 5,
}  # fmt: skip
