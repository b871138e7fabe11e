from __future__ import annotations

import datetime as dt

import pytest

from orbitwatch.model.dates import (
    DateError,
    Period,
    parse_duration_days,
    parse_partial,
    parse_period,
    relative_day,
)
from orbitwatch.model.event import PartialDate, Precision

TODAY = dt.date(2022, 5, 31)


@pytest.mark.parametrize(
    ("text", "start", "precision"),
    [
        ("2022-05-16", dt.date(2022, 5, 16), Precision.DAY),
        ("2022-05", dt.date(2022, 5, 1), Precision.MONTH),
        ("2022", dt.date(2022, 1, 1), Precision.YEAR),
        ("May 16 2022", dt.date(2022, 5, 16), Precision.DAY),
        ("16 May 2022", dt.date(2022, 5, 16), Precision.DAY),
        ("16 May, 2022", dt.date(2022, 5, 16), Precision.DAY),
        ("May 2022", dt.date(2022, 5, 1), Precision.MONTH),
        ("August 2021", dt.date(2021, 8, 1), Precision.MONTH),
    ],
)
def test_parse_partial(text: str, start: dt.date, precision: Precision) -> None:
    assert parse_partial(text) == PartialDate(start, precision)


def test_month_precision_is_never_filled_from_today() -> None:
    # dateutil would fill today's day of the month; we keep the month.
    parsed = parse_partial("May 2022")
    assert parsed.precision is Precision.MONTH
    assert (parsed.first_day, parsed.last_day) == (dt.date(2022, 5, 1), dt.date(2022, 5, 31))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "05/06/2022",
            "'05/06/2022' is ambiguous (day and month order); write it as 2022-05-06 or 2022-06-05",
        ),
        (
            "2022-02-30",
            "'2022-02-30' is not a real date: Feb 2022 has 28 days; use an existing day in ISO form YYYY-MM-DD",
        ),
        ("2022-13", "'2022-13' is not a real date: there is no month 13; use YYYY-MM-DD"),
        (
            "1A2B",
            "'1A2B' is not a date; use ISO form YYYY-MM-DD (or YYYY-MM, YYYY), or write the month as a word ('16 May 2022')",
        ),
        ("May 16", "'May 16' has no four-digit year; write it like '16 May 2022' or 2022-05-16"),
        (
            "May 16 22",
            "'May 16 22' has no four-digit year; write it like '16 May 2022' or 2022-05-16",
        ),
        ("05/06/22", "'05/06/22' has a two-digit year; write the date in ISO form YYYY-MM-DD"),
        (
            "Feb 30 2022",
            "'Feb 30 2022' is not a date (day is out of range for month); use ISO form YYYY-MM-DD",
        ),
        ("", "an empty date; use ISO form YYYY-MM-DD, YYYY-MM or YYYY"),
    ],
)
def test_refusals_name_the_input_and_the_iso_form(text: str, message: str) -> None:
    with pytest.raises(DateError) as info:
        parse_partial(text)
    assert str(info.value) == message


def test_unambiguous_slashed_date_still_asks_for_iso() -> None:
    with pytest.raises(DateError, match="write it as 2022-05-06"):
        parse_partial("2022/05/06")
    with pytest.raises(DateError, match=r"'13/05/2022' is ambiguous .* write it as 2022-05-13$"):
        parse_partial("13/05/2022")


def test_partial_date_prints_and_covers_its_period() -> None:
    day, month, year = (
        PartialDate.day(2022, 5, 16),
        PartialDate.month(2021, 8),
        PartialDate.year(2019),
    )
    assert [str(day), str(month), str(year)] == ["16 May 2022", "Aug 2021", "2019"]
    assert [day.iso(), month.iso(), year.iso()] == ["2022-05-16", "2021-08", "2019"]
    assert month.last_day == dt.date(2021, 8, 31)
    assert year.last_day == dt.date(2019, 12, 31)
    assert PartialDate.month(2024, 2).last_day == dt.date(2024, 2, 29)
    assert month.middle == dt.date(2021, 8, 16)
    assert year.middle == dt.date(2019, 7, 2)


def test_sorting_day_before_month_before_year_on_the_same_first_day() -> None:
    dates = [PartialDate.year(2022), PartialDate.month(2022, 1), PartialDate.day(2022, 1, 1)]
    assert sorted(dates, key=PartialDate.sort_key) == list(reversed(dates))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", TODAY),
        ("yesterday", dt.date(2022, 5, 30)),
        ("30d", dt.date(2022, 5, 1)),
        ("2w", dt.date(2022, 5, 17)),
        ("6m", dt.date(2021, 11, 30)),
        ("3m", dt.date(2022, 2, 28)),  # clamped to the end of a short month
        ("1y", dt.date(2021, 5, 31)),
        ("2022-05", None),
    ],
)
def test_relative_days(text: str, expected: dt.date | None) -> None:
    assert relative_day(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2022-05", Period(dt.date(2022, 5, 1), dt.date(2022, 5, 31))),
        ("2022-05-01..2022-05-16", Period(dt.date(2022, 5, 1), dt.date(2022, 5, 16))),
        ("2022-05..", Period(dt.date(2022, 5, 1), None)),
        ("..2022-05", Period(None, dt.date(2022, 5, 31))),
        ("2021..2022-02", Period(dt.date(2021, 1, 1), dt.date(2022, 2, 28))),
        ("30d", Period(dt.date(2022, 5, 1), TODAY)),
        ("today", Period(TODAY, TODAY)),
    ],
)
def test_periods(text: str, period: Period) -> None:
    assert parse_period(text, TODAY) == period


def test_period_refusals() -> None:
    with pytest.raises(DateError, match="ends before it starts"):
        parse_period("2022-05..2022-04", TODAY)
    with pytest.raises(DateError, match="empty period"):
        parse_period("..", TODAY)


def test_overlap_and_containment() -> None:
    may = Period(dt.date(2022, 5, 1), dt.date(2022, 5, 31))
    assert may.overlaps(dt.date(2022, 4, 1), dt.date(2022, 5, 1))
    assert not may.overlaps(dt.date(2022, 6, 1), dt.date(2022, 6, 30))
    assert may.contains(dt.date(2022, 5, 2), dt.date(2022, 5, 3))
    assert not may.contains(dt.date(2022, 1, 1), dt.date(2022, 12, 31))


def test_durations() -> None:
    assert parse_duration_days("180d") == 180
    assert parse_duration_days("2w") == 14
    assert parse_duration_days("1y") == pytest.approx(365.2425)
    for bad in ("0d", "180", "d", "-3d", "1x"):
        with pytest.raises(DateError, match="is not a duration"):
            parse_duration_days(bad)
