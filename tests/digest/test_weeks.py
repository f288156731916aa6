"""ISO weeks in the analyst's time zone: one row a case, the input beside the week or span expected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pipeline.digest.weeks import Week, weeks_ending

MINSK = ZoneInfo("Europe/Minsk")

INSTANTS = [
    # (case, instant in UTC, zone, week)
    ("a late Sunday in UTC is Monday in Minsk", datetime(2026, 11, 22, 21, 30, tzinfo=UTC), MINSK, "2026-W48"),
    ("the same instant in UTC", datetime(2026, 11, 22, 21, 30, tzinfo=UTC), ZoneInfo("UTC"), "2026-W47"),
    ("Monday 00:00 in Minsk opens the week", datetime(2026, 11, 15, 21, 0, tzinfo=UTC), MINSK, "2026-W47"),
    ("a second earlier is the week before", datetime(2026, 11, 15, 20, 59, 59, tzinfo=UTC), MINSK, "2026-W46"),
    ("1 January can belong to last year's week", datetime(2027, 1, 1, 12, tzinfo=UTC), MINSK, "2026-W53"),
    ("29 December can belong to next year's week", datetime(2025, 12, 29, 12, tzinfo=UTC), MINSK, "2026-W01"),
]  # fmt: skip


@pytest.mark.parametrize("case,instant,zone,week", INSTANTS, ids=[c[0] for c in INSTANTS])
def test_week_of_an_instant(case: str, instant: datetime, zone: ZoneInfo, week: str) -> None:
    assert str(Week.of(instant, zone)) == week


SHIFTS = [
    # (week, shift, result)
    ("2026-W01", -1, "2025-W52"),
    ("2020-W53", 1, "2021-W01"),
    ("2026-W47", 0, "2026-W47"),
    ("2026-W47", 52, "2027-W46"),
]


@pytest.mark.parametrize("week,shift,result", SHIFTS, ids=[f"{w}{s:+d}" for w, s, _ in SHIFTS])
def test_week_arithmetic_crosses_years(week: str, shift: int, result: str) -> None:
    assert str(Week.parse(week).shifted(shift)) == result


BAD = [
    ("2026-W54", "has no week 54"),
    ("2026-W00", "has no week 0"),
    ("November", "not of the form"),
    ("", "not of the form"),
]


@pytest.mark.parametrize("text,message", BAD, ids=[t or "empty" for t, _ in BAD])
def test_a_bad_week_is_named(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Week.parse(text)


def test_a_week_spans_seven_days_from_monday_in_minsk_and_reads_as_dates() -> None:
    week = Week.parse("2026-W47")
    assert week.start(MINSK) == datetime(2026, 11, 15, 21, 0, tzinfo=UTC)
    assert week.end(MINSK) - week.start(MINSK) == timedelta(days=7)
    assert week.label() == "16–22 Nov 2026"
    assert [str(w) for w in weeks_ending(Week(2026, 2), 3)] == ["2025-W52", "2026-W01", "2026-W02"]
    assert str(Week.last_complete(datetime(2026, 11, 25, 12, tzinfo=UTC), MINSK)) == "2026-W47"
