"""Dates as analysts write them: ISO partial dates, written dates, periods and relative dates.

Pure functions with an injectable `today`; dateutil is imported only for written (prose) dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from orbitwatch.model.errors import UsageError
from orbitwatch.model.event import MONTH_ABBR, PartialDate, Precision

ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
ISO_YEAR = re.compile(r"^(\d{4})$")
NUMERIC_SLASHED = re.compile(r"^\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}$")
RELATIVE = re.compile(r"^(\d+)([dwmy])$")
DURATION = re.compile(r"^(\d+(?:\.\d+)?)([dwmy])$")
MONTH_WORDS = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b", re.IGNORECASE
)
DAYS_PER_UNIT = {"d": 1.0, "w": 7.0, "m": 365.2425 / 12, "y": 365.2425}


# The days orbit works with: a century inside the calendar Python computes with (years 1 to
# 9999) on each side, so that windows, warnings, trailing months, decay and an iCalendar end day
# never step out of it. Event dates, --as-of and replays stay within; docs/event-format.md.
FIRST_DAY = dt.date(100, 1, 1)
LAST_DAY = dt.date(9899, 12, 31)
DAYS_RANGE = f"the days orbit works with ({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})"


def in_range(first: dt.date, last: dt.date) -> bool:
    """Whether a span of days lies within FIRST_DAY..LAST_DAY."""
    return FIRST_DAY <= first and last <= LAST_DAY


class DateError(ValueError):
    """A date the user wrote that cannot be used; the message names it and shows the ISO form."""


@dataclass(frozen=True, slots=True)
class Period:
    """Inclusive span of days; None means open at that end."""

    first: dt.date | None
    last: dt.date | None

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        if self.first is not None and last < self.first:
            return False
        if self.last is not None and first > self.last:
            return False
        return True

    def contains(self, first: dt.date, last: dt.date) -> bool:
        if self.first is not None and first < self.first:
            return False
        if self.last is not None and last > self.last:
            return False
        return True


def _real_date(text: str, year: int, month: int, day: int) -> dt.date:
    if not 1 <= month <= 12:
        raise DateError(f"'{text}' is not a real date: there is no month {month}; use YYYY-MM-DD")
    try:
        return dt.date(year, month, day)
    except ValueError:
        days = calendar.monthrange(year, month)[1] if year >= 1 else 31
        raise DateError(
            f"'{text}' is not a real date: {MONTH_ABBR[month]} {year} has {days} days; "
            "use an existing day in ISO form YYYY-MM-DD"
        ) from None


def parse_iso(text: str) -> PartialDate | None:
    """'2022-05-16', '2022-05' or '2022' as a PartialDate; None if not ISO-shaped."""
    if m := ISO_DAY.match(text):
        year, month, day = (int(g) for g in m.groups())
        return PartialDate(_real_date(text, year, month, day), Precision.DAY)
    if m := ISO_MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        return PartialDate(_real_date(text, year, month, 1), Precision.MONTH)
    if m := ISO_YEAR.match(text):
        year = int(m.group(1))
        if year < 1:
            raise DateError(f"'{text}' is not a real year; use YYYY")
        return PartialDate(dt.date(year, 1, 1), Precision.YEAR)
    return None


def parse_partial(text: str) -> PartialDate:
    """A date as a person writes it: ISO (any precision) or prose ('May 16 2022', 'May 2022')."""
    text = text.strip()
    if not text:
        raise DateError("an empty date; use ISO form YYYY-MM-DD, YYYY-MM or YYYY")
    iso = parse_iso(text)
    if iso is not None:
        return iso
    if NUMERIC_SLASHED.match(text):
        return _refuse_numeric(text)
    return parse_written(text)


def _refuse_numeric(text: str) -> PartialDate:
    parts = re.split(r"[/.\-]", text)
    if any(len(p) == 4 for p in parts[:1]) and len(parts) == 3:
        year, month, day = (int(p) for p in parts)
        _real_date(text, year, month, day)
        raise DateError(f"'{text}' is not ISO form; write it as {year:04d}-{month:02d}-{day:02d}")
    if len(parts[-1]) != 4:
        raise DateError(f"'{text}' has a two-digit year; write the date in ISO form YYYY-MM-DD")
    a, b, year = int(parts[0]), int(parts[1]), int(parts[2])
    options = []
    for month, day in ((a, b), (b, a)):
        try:
            options.append(dt.date(year, month, day).isoformat())
        except ValueError:
            pass
    if not options:
        raise DateError(f"'{text}' is not a real date; use ISO form YYYY-MM-DD")
    shown = " or ".join(dict.fromkeys(options))
    raise DateError(f"'{text}' is ambiguous (day and month order); write it as {shown}")


def parse_written(text: str) -> PartialDate:
    """Prose dates through dateutil, keeping only the parts written (never today's parts)."""
    if not MONTH_WORDS.search(text):
        raise DateError(
            f"'{text}' is not a date; use ISO form YYYY-MM-DD (or YYYY-MM, YYYY), "
            "or write the month as a word ('16 May 2022')"
        )
    if not re.search(r"(?<!\d)\d{4}(?!\d)", text):
        raise DateError(
            f"'{text}' has no four-digit year; write it like '16 May 2022' or 2022-05-16"
        )
    import warnings

    from dateutil import parser as du_parser

    # Two far-apart defaults reveal which parts the text really gave.
    default_a = dt.datetime(1904, 1, 1)
    default_b = dt.datetime(1908, 2, 2)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = du_parser.parse(text, default=default_a, fuzzy=False)
            b = du_parser.parse(text, default=default_b, fuzzy=False)
    except (ValueError, OverflowError) as exc:
        reason = str(exc).split(":")[0]
        raise DateError(f"'{text}' is not a date ({reason}); use ISO form YYYY-MM-DD") from None
    if a.tzinfo is not None or a.time() != dt.time() or b.time() != dt.time():
        raise DateError(f"'{text}' is not a date; use ISO form YYYY-MM-DD")
    if a.year != b.year:
        raise DateError(f"'{text}' has no year; write it like '16 May 2022' or 2022-05-16")
    if a.month != b.month:
        return PartialDate(dt.date(a.year, 1, 1), Precision.YEAR)
    if a.day != b.day:
        return PartialDate(dt.date(a.year, a.month, 1), Precision.MONTH)
    return PartialDate(a.date(), Precision.DAY)


def shift_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def relative_day(text: str, today: dt.date) -> dt.date | None:
    """'today', 'yesterday', '30d', '2w', '6m', '1y' (that long before today), else None."""
    lowered = text.strip().lower()
    if lowered == "today":
        return today
    if lowered == "yesterday":
        return today - dt.timedelta(days=1)
    m = RELATIVE.match(lowered)
    if not m:
        return None
    count, unit = int(m.group(1)), m.group(2)
    try:
        if unit == "d":
            return today - dt.timedelta(days=count)
        if unit == "w":
            return today - dt.timedelta(weeks=count)
        if unit == "m":
            return shift_months(today, -count)
        return shift_months(today, -12 * count)
    except (OverflowError, ValueError):
        raise DateError(f"'{text}' reaches before year 1") from None


def parse_period(text: str, today: dt.date) -> Period:
    """A query period: '2022-05', '2022-05-01..2022-05-16', '2022-05..', '..2022', '30d'."""
    text = text.strip()
    if ".." in text:
        left, _, right = text.partition("..")
        if not left.strip() and not right.strip():
            raise DateError(f"'{text}' is an empty period; give at least one end, e.g. 2022-05..")
        first = _period_of(left, today).first if left.strip() else None
        last = _period_of(right, today).last if right.strip() else None
        if first is not None and last is not None and last < first:
            raise DateError(f"'{text}' ends before it starts")
        return Period(first, last)
    return _period_of(text, today)


def _period_of(text: str, today: dt.date) -> Period:
    text = text.strip()
    lowered = text.lower()
    day = relative_day(lowered, today)
    if day is not None:
        if lowered in ("today", "yesterday"):
            return Period(day, day)
        return Period(day, today)
    partial = parse_partial(text)
    return Period(partial.first_day, partial.last_day)


def parse_duration_days(text: str) -> float:
    """'180d', '2w', '6m', '1y' as a number of days (months and years on average lengths)."""
    m = DURATION.match(text.strip().lower())
    if not m or float(m.group(1)) <= 0:
        raise DateError(
            f"'{text}' is not a duration; write a positive number and d, w, m or y: 180d"
        )
    return float(m.group(1)) * DAYS_PER_UNIT[m.group(2)]


def today(environ: Mapping[str, str] | None = None) -> dt.date:
    """ORBIT_TODAY (ISO) fixes 'today' for tests and reproducible transcripts."""
    fixed = (os.environ if environ is None else environ).get("ORBIT_TODAY")
    if fixed:
        try:
            return dt.date.fromisoformat(fixed)
        except ValueError:
            raise UsageError(f"ORBIT_TODAY={fixed!r} is not an ISO date (YYYY-MM-DD)") from None
    return dt.date.today()


def as_of_day(text: str | None, today: dt.date) -> dt.date:
    """The day a view is computed for: today, a relative day, or the last day a date covers;
    a day outside FIRST_DAY..LAST_DAY is a DateError (scores and windows would leave the
    calendar)."""
    if not text:
        return today
    relative = relative_day(text, today)
    day = relative if relative is not None else parse_partial(text).last_day
    if not in_range(day, day):
        raise DateError(f"{day.isoformat()} is outside {DAYS_RANGE}")
    return day


def default_as_of(last_days: Iterable[dt.date], today: dt.date) -> dt.date:
    """Today, or the latest day the events cover when they all end before today."""
    return min(today, max(last_days, default=today))


WRITTEN_SPAN = re.compile(r"\s*(\d+)\s*(day|week|month|year)s?(\s+ago)?\s*", re.IGNORECASE)


def relative_hint(value: str) -> str:
    """'; write 3w for "3 weeks"' when a relative date was written in words, else ''."""
    m = WRITTEN_SPAN.fullmatch(value)
    if m is None:
        return ""
    short = f"{m.group(1)}{m.group(2)[0].lower()}"
    return f"; for {m.group(0).strip()!r} write {short}"
