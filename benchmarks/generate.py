"""Deterministic synthetic timelines for the benchmarks: N events in events/YYYY/ folders.

Realistic fields (~600 bytes a file), a mix of day, month and year precision, countries, tags,
statuses and sources. Same N, same seed: the same bytes.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

COUNTRIES = ["KZ", "KG", "TJ", "UZ", "TM", "AM", "BY", "RU", "US", "TR", "CN", "AZ", "GE", "UA"]
TAGS = [
    "security-aid",
    "drones",
    "arms-deal",
    "language",
    "symbols",
    "un-vote",
    "summit",
    "remittances",
    "trade",
    "diplomacy",
    "protests",
    "border-security",
    "economy",
    "war",
]
STATUSES = ["occurred"] * 6 + ["reported"] * 2 + ["scheduled", "rumored", "denied"]
WORDS = (
    "minister visit agreement border drones aid pipeline railway summit parliament "
    "language law protest election sanctions trade corridor grain energy water "
    "security exercise delegation embassy loan investment migration remittance"
).split()
SETTINGS = """[signals]
pole = "RU"
half_life = "180d"
watch = ["KZ", "KG", "TJ", "UZ", "TM", "AM", "BY"]

[[rules]]
id = "security-diversification"
title = "Security ties with a power other than Russia"
when = "tag:security-aid,arms-deal,drones,border-security country:US,TR,CN not:country:RU"
stance = "away"
weight = 3

[[rules]]
id = "language-derussification"
title = "Russian loses ground"
when = "tag:language"
stance = "away"
weight = 2

[[rules]]
id = "bloc-cohesion"
title = "Russia-led blocs meet"
when = "tag:summit country:RU"
stance = "toward"
weight = 2

[[levels]]
name = "watch"
score = 3.0
"""


def sentence(rng: random.Random, count: int) -> str:
    words = [rng.choice(WORDS) for _ in range(count)]
    return " ".join(words).capitalize()


def generate(root: Path, count: int, seed: int = 42) -> Path:
    rng = random.Random(seed)
    (root / "events").mkdir(parents=True, exist_ok=True)
    (root / "orbit.toml").write_text(SETTINGS, encoding="utf-8")
    for index in range(count):
        year = rng.randint(2000, 2024)
        month = rng.randint(1, 12)
        day = rng.randint(1, 28)
        kind = rng.random()
        if kind < 0.75:
            date_text, date_value = f"{year}-{month:02d}-{day:02d}", f"{year}-{month:02d}-{day:02d}"
        elif kind < 0.95:
            date_text, date_value = f"{year}-{month:02d}", f'"{year}-{month:02d}"'
        else:
            date_text, date_value = f"{year}", f'"{year}"'
        countries = rng.sample(COUNTRIES, rng.randint(1, 3))
        tags = rng.sample(TAGS, rng.randint(1, 3))
        title = sentence(rng, rng.randint(6, 12))
        slug = f"{index:06d}-" + "-".join(title.lower().split()[:4])
        body = (
            f"date = {date_value}\n"
            f'title = "{title}"\n'
            f'summary = """{sentence(rng, 40)}."""\n'
            f"countries = {countries!r}\n".replace("'", '"')
            + f"actors = {[sentence(rng, 2) for _ in range(2)]!r}\n".replace("'", '"')
            + f"tags = {tags!r}\n".replace("'", '"')
            + f'status = "{rng.choice(STATUSES)}"\n\n'
            "[[sources]]\n"
            f'title = "{sentence(rng, 6)}"\n'
            'publisher = "Synthetic Wire"\n'
            f'url = "https://example.org/{year}/{index}"\n'
        )
        folder = root / "events" / f"{year}"
        folder.mkdir(exist_ok=True)
        (folder / f"{date_text}-{slug}.toml").write_text(body, encoding="utf-8")
    return root


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
