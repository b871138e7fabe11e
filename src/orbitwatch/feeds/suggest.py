"""A feed's largest clusters (dyad, month, act root) that no curated event covers, drafted as
event files for the analyst to finish; the SQL that finds them and the draft's text.

Values and text only: DuckDB runs the SQL (engines.py); nothing is written here (files/).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from orbitwatch.authoring.write import to_toml
from orbitwatch.feeds.scoring import FOLD_KEY, VIEW
from orbitwatch.model.acts import ACT_KINDS

if TYPE_CHECKING:
    from orbitwatch.model.event import Event

ACT_NAME = {kind.code: kind.name for kind in ACT_KINDS}
TOP_URLS = 3  # source URLs drafted per suggestion


@dataclass(frozen=True, slots=True)
class Cluster:
    """Every stored row of one dyad doing one act root in one month."""

    by: str
    root: str
    to: str
    month: dt.date  # first day
    rows: int  # stored rows
    clusters: int  # stories: rows folded by (day, dyad, root, source host or story id)
    urls: tuple[str, ...] = ()  # the most frequent source URLs, most frequent first

    @property
    def act(self) -> str:
        return ACT_NAME.get(self.root, self.root)

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.by, self.to, self.root, self.month.year * 100 + self.month.month)

    @property
    def name(self) -> str:
        """The draft's file name: 2022-05-kz-cooperate-cn.toml."""
        slug = f"{self.month:%Y-%m}-{self.by}-{self.act}-{self.to}".lower()
        return re.sub(r"[^a-z0-9-]+", "-", slug) + ".toml"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in(codes: Sequence[str]) -> str:
    return "(" + ", ".join(_literal(c) for c in codes) + ")"


def clusters_sql(watched: Sequence[str], first: dt.date, last: dt.date) -> str:
    """DuckDB: per (actor 1, actor 2, root, month) between first and last, rows and stories,
    for dyads of two distinct mapped actors with a watched country on either side."""
    return f"""SELECT actor1, actor2, root, year(day) * 100 + month(day) AS period,
  count(*) AS n, count(DISTINCT CAST(day AS VARCHAR) || '|' || {FOLD_KEY}) AS stories
FROM {VIEW}
WHERE day BETWEEN DATE '{first}' AND DATE '{last}'
  AND month BETWEEN '{first:%Y-%m}' AND '{last:%Y-%m}'
  AND root IS NOT NULL AND actor1 <> actor2
  AND (actor1 IN {_in(watched)} OR actor2 IN {_in(watched)})
GROUP BY actor1, actor2, root, period
ORDER BY stories DESC, n DESC, actor1, actor2, root, period"""


def urls_sql(chosen: Sequence[Cluster]) -> str:
    """DuckDB: the source URLs of the chosen clusters with their row counts."""
    wanted = " UNION ALL ".join(
        f"SELECT {_literal(c.by)} AS a1, {_literal(c.to)} AS a2, {_literal(c.root)} AS r, "
        f"{c.key[3]} AS p"
        for c in chosen
    )
    return f"""WITH wanted AS ({wanted})
SELECT actor1, actor2, root, year(day) * 100 + month(day) AS period, url, count(*) AS n
FROM {VIEW} JOIN wanted ON actor1 = a1 AND actor2 = a2 AND root = r
  AND year(day) * 100 + month(day) = p
WHERE url IS NOT NULL
GROUP BY actor1, actor2, root, period, url
ORDER BY n DESC, url"""


def _month(period: int) -> dt.date:
    return dt.date(period // 100, period % 100, 1)


def clusters_from_rows(rows: Iterable[Sequence[Any]]) -> list[Cluster]:
    return [
        Cluster(str(a1), str(root), str(a2), _month(int(p)), int(n), int(s))
        for a1, a2, root, p, n, s in rows
    ]


def with_urls(chosen: Sequence[Cluster], rows: Iterable[Sequence[Any]]) -> list[Cluster]:
    """Each cluster with its TOP_URLS most frequent URLs (rows come most frequent first)."""
    found: dict[tuple[str, str, str, int], list[str]] = {}
    for a1, a2, root, period, url, _ in rows:
        urls = found.setdefault((str(a1), str(a2), str(root), int(period)), [])
        if len(urls) < TOP_URLS and url not in urls:
            urls.append(str(url))
    return [
        Cluster(c.by, c.root, c.to, c.month, c.rows, c.clusters, tuple(found.get(c.key, ())))
        for c in chosen
    ]


def parties_of(event: Event) -> set[str]:
    """Everyone an event names: its countries, actors, and the parties of its acts."""
    named = {*event.countries, *event.actors}
    for act in event.acts:
        named.update(act.by)
        named.update(act.to)
    return named


def covered(cluster: Cluster, events: Sequence[Event]) -> Event | None:
    """A curated event that covers the cluster: it may fall in the cluster's month and names
    both parties (among its countries, actors or acts), whatever act it records."""
    first = cluster.month
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    for event in events:
        if event.first_day <= last and event.last_day >= first:
            if {cluster.by, cluster.to} <= parties_of(event):
                return event
    return None


def publisher(url: str) -> str:
    """The source's host without 'www.': example.org."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def draft(cluster: Cluster, feed: str, is_country: Mapping[str, bool]) -> str:
    """The event file an analyst finishes: countries, the act, month precision, status
    'reported', the sources; the title is empty, which orbit check rejects until written."""
    fields: dict[str, object] = {
        "countries": sorted(p for p in (cluster.by, cluster.to) if is_country.get(p, False)),
        "actors": sorted(p for p in (cluster.by, cluster.to) if not is_country.get(p, False)),
        "status": "reported",
        "acts": [{"by": cluster.by, "act": cluster.act, "to": cluster.to}],
        "sources": [{"publisher": publisher(url), "url": url} for url in cluster.urls],
    }
    header = (
        f"# Drafted by `orbit feed suggest` from the {feed} feed: {cluster.rows} coded rows "
        f"({cluster.clusters} after folding duplicates)\n"
        f"# of {cluster.by} {cluster.act} (CAMEO {cluster.root}) {cluster.to} in "
        f"{cluster.month:%Y-%m}, which no curated event covers.\n"
        "# Read the sources, write the title and summary (orbit check rejects an empty title),\n"
        "# correct the date, acts and status, then move the file under events/.\n"
    )
    head = f'date = "{cluster.month:%Y-%m}"\ntitle = ""\nsummary = ""\n'
    return header + head + to_toml(fields)
