"""The event schema, defined once: every key an event file may hold, with its TOML type, its
default, its one-line meaning and its import column; and the closed vocabularies (status,
stance, origin) as Literal types.

Everything else is derived from this table: check.py's known keys, write.py's key order, the
import column map, the CLI's choices and completions, and the docs test (docs/event-format.md
shows the table row for row). Import-light on purpose (typing only): the CLI reads its choices
from here at start-up, where model.py's dataclasses would cost a measurable share of the time.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, TypeGuard, get_args

# How sure the timeline is that an event happened (its certainty weights it in scores).
Status = Literal["occurred", "scheduled", "reported", "rumored", "denied"]
# How an event reads against the pole: drifting away from it, pulled toward it, or neither.
Stance = Literal["away", "toward", "neutral"]
# A reading's stance; "mixed" summarises per-country readings that disagree.
ReadingStance = Literal[Stance, "mixed"]
# Where a reading comes from, strongest first: the analyst's own [signal], an act, a tag rule.
Origin = Literal["analyst", "act", "rule"]
STATUSES: tuple[Status, ...] = get_args(Status)
STANCES: tuple[Stance, ...] = get_args(Stance)
ORIGINS: tuple[Origin, ...] = get_args(Origin)


def is_status(value: object) -> TypeGuard[Status]:
    return value in STATUSES


def is_stance(value: object) -> TypeGuard[Stance]:
    return value in STANCES


class Key(NamedTuple):
    """One key of an event file. `name` is dotted inside a table (`sources.url`); `signal.XX`
    stands for the per-country tables. Type, default and meaning are written as the docs show
    them (Markdown)."""

    name: str
    toml_type: str
    default: str
    meaning: str
    column: str | None = None  # its column in imports and our CSV/JSON exports, if it has one
    choices: tuple[str, ...] = ()  # the closed set of values, when there is one

    @property
    def table(self) -> str:
        """The table the key lives in: '' at the top, else 'sources', 'acts' or 'signal'."""
        return self.name.partition(".")[0] if "." in self.name else ""

    @property
    def key(self) -> str:
        """The key as written in its table: 'url' for 'sources.url'."""
        return self.name.rpartition(".")[2]

    @property
    def shown(self) -> str:
        """As the docs name it: `[[sources]]` and `[signal.XX]` for tables, else the name."""
        if self.toml_type == "array of tables":
            return f"[[{self.name}]]"
        if self.toml_type == "table":
            return f"[{self.name}]"
        return self.name


EVENT_SCHEMA: tuple[Key, ...] = (
    Key(
        name="id",
        toml_type="string",
        default="the file name without `.toml`",
        meaning=(
            "pins the id across a rename; letters, digits, `.`, `_`, `-`, at most 200, starting "
            "with a letter or digit; unique across the tree (a duplicate names both files)"
        ),
        column="id",
    ),
    Key(
        name="date",
        toml_type='TOML date, or string `"YYYY-MM"` / `"YYYY"`',
        default="required",
        meaning=(
            "when it happened; the precision (day, month, year) is kept end to end; a date-time is "
            "refused; impossible dates (`2022-02-30`) are refused"
        ),
        column="date",
    ),
    Key(
        name="end",
        toml_type="as `date`",
        default="none",
        meaning="the last day of an event spanning days; not before `date`",
        column="end",
    ),
    Key(
        name="title",
        toml_type="string",
        default="required",
        meaning="one line, not empty, no control characters",
        column="title",
    ),
    Key(
        name="summary",
        toml_type="string",
        default='`""`',
        meaning="a few sentences in your own words; newlines allowed",
        column="summary",
    ),
    Key(
        name="countries",
        toml_type="list of strings",
        default="`[]`",
        meaning=(
            "ISO 3166-1 alpha-2 codes, upper-case (`KZ`), or user-assigned codes declared under "
            "`[countries]` in `orbit.toml` (`XK`); an alpha-3 code or a name is refused with the "
            "alpha-2 code to use"
        ),
        column="countries",
    ),
    Key(
        name="actors",
        toml_type="list of strings",
        default="`[]`",
        meaning="organisations, people, other parties (free text, consistent)",
        column="actors",
    ),
    Key(
        name="tags",
        toml_type="list of strings",
        default="`[]`",
        meaning=(
            "from the `[tags]` vocabulary in `orbit.toml` when one is declared (an unknown tag gets"
            " a did-you-mean)"
        ),
        column="tags",
    ),
    Key(
        name="status",
        toml_type="string",
        default='`"occurred"`',
        meaning=(
            "`occurred`, `scheduled`, `reported`, `rumored` or `denied` (certainty 1.0, 0.5, 0.8, "
            "0.4, 0.2 in scores)"
        ),
        column="status",
        choices=STATUSES,
    ),
    Key(
        name="warn",
        toml_type="list of whole numbers",
        default="`[signals] warn`",
        meaning="days before a `scheduled` event that raise an `upcoming` alert, 1 to 3659",
        column="warn",
    ),
    Key(
        name="sources",
        toml_type="array of tables",
        default="none",
        meaning="each needs a `title`, `publisher` or `url`",
    ),
    Key(
        name="sources.title",
        toml_type="string",
        default='`""`',
        meaning="the source's title",
        column="source_titles",
    ),
    Key(
        name="sources.publisher",
        toml_type="string",
        default='`""`',
        meaning="e.g. `Asia Times`",
        column="source_publishers",
    ),
    Key(
        name="sources.author",
        toml_type="string",
        default='`""`',
        meaning="e.g. `Nikola Mikovic`",
        column="source_authors",
    ),
    Key(
        name="sources.url",
        toml_type="string",
        default='`""`',
        meaning="`http://` or `https://` only",
        column="source_urls",
    ),
    Key(
        name="sources.date",
        toml_type="as `date`",
        default="none",
        meaning="publication date, any precision",
        column="source_dates",
    ),
    Key(
        name="acts",
        toml_type="array of tables",
        default="none",
        meaning=(
            "who did what to whom (see below); an event with acts is read from its acts, never from"
            " the tag rules"
        ),
        column="acts",
    ),
    Key(
        name="acts.by",
        toml_type="string or list of strings",
        default="required",
        meaning=(
            "who acts: ISO alpha-2 codes or codes declared under `[countries]` (each must be in "
            "`countries`), or blocs declared under `[blocs]` in `orbit.toml`"
        ),
        column="by",
    ),
    Key(
        name="acts.act",
        toml_type="string",
        default="required",
        meaning=(
            "one of the 20 CAMEO root categories by name (`cooperate`, `reduce`, ...) or a CAMEO "
            'code of any depth (`"16"`, `"163"`), read at its root'
        ),
        column="act",
    ),
    Key(
        name="acts.to",
        toml_type="string or list of strings",
        default="required",
        meaning="toward whom: as `by`, never the same party",
        column="to",
    ),
    Key(
        name="acts.note",
        toml_type="string",
        default='`""`',
        meaning="one line: what the act was",
        column="act_note",
    ),
    Key(
        name="signal",
        toml_type="table",
        default="none",
        meaning="the analyst's own reading of every listed country; beats acts and rules",
    ),
    Key(
        name="signal.XX",
        toml_type="table",
        default="none",
        meaning=(
            "the analyst's own reading of one listed country `XX` (same keys as `[signal]`); beats "
            "`[signal]` for that country"
        ),
        column="country_signals",
    ),
    Key(
        name="signal.stance",
        toml_type="string",
        default="required in `[signal]`",
        meaning="`away`, `toward` or `neutral` (relative to the pole)",
        column="signal_stance",
        choices=STANCES,
    ),
    Key(
        name="signal.weight",
        toml_type="whole number",
        default="`1`",
        meaning="1 to 5",
        column="signal_weight",
    ),
    Key(
        name="signal.note",
        toml_type="string",
        default='`""`',
        meaning="why",
        column="signal_note",
    ),
)
PER_COUNTRY = "signal.XX"  # the [signal.XX] row: a table per country, keyed by its code


def keys_of(table: str) -> tuple[str, ...]:
    """The keys a table may hold, in schema order ('' for the top level of an event)."""
    return tuple(k.key for k in EVENT_SCHEMA if k.table == table and k.name != PER_COUNTRY)


def choices_of(name: str) -> tuple[str, ...]:
    """The closed set of values of a key (`status`, `signal.stance`)."""
    for key in EVENT_SCHEMA:
        if key.name == name:
            return key.choices
    raise KeyError(name)


EVENT_KEYS = keys_of("")
SOURCE_KEYS = keys_of("sources")
ACT_KEYS = keys_of("acts")
SIGNAL_KEYS = keys_of("signal")
# Import columns of our own (and of our exports), each naming the field it fills.
IMPORT_COLUMNS = tuple(k.column for k in EVENT_SCHEMA if k.column)
