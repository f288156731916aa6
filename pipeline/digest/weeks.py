"""ISO weeks in the analyst's time zone: the digest's unit of time.

A week runs Monday 00:00 to Monday 00:00 local time (Europe/Minsk by default), so a story published late on
Sunday in Minsk belongs to the week the reader lived through, whatever UTC says. Times in the store are UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)

FIRST_YEAR, LAST_YEAR = 1970, 9998


@dataclass(frozen=True, order=True)
class Week:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> Week:
        """'2026-W47' (or 2026W47); ValueError names what was wrong."""
        match = _WEEK.match(text.strip())
        if not match:
            raise ValueError(f"week {text!r} is not of the form 2026-W47")
        year, week = int(match[1]), int(match[2])
        if not FIRST_YEAR <= year <= LAST_YEAR:  # a week's span in any time zone must be a datetime
            raise ValueError(f"week {text!r} is out of range: years {FIRST_YEAR} to {LAST_YEAR}")
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ValueError(f"week {text!r} does not exist: {year} has no week {week}") from None
        return cls(year, week)

    @classmethod
    def of(cls, moment: datetime, zone: ZoneInfo) -> Week:
        year, week, _ = moment.astimezone(zone).isocalendar()
        return cls(year, week)

    @classmethod
    def last_complete(cls, now: datetime, zone: ZoneInfo) -> Week:
        """The most recent week that has ended by `now`."""
        return cls.of(now, zone).shifted(-1)

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def start(self, zone: ZoneInfo) -> datetime:
        """Monday 00:00 local time, as UTC."""
        return datetime.combine(self.monday, time(0), tzinfo=zone).astimezone(UTC)

    def end(self, zone: ZoneInfo) -> datetime:
        """The next Monday 00:00 local time, as UTC (exclusive)."""
        return self.shifted(1).start(zone)

    def shifted(self, weeks: int) -> Week:
        year, week, _ = (self.monday + timedelta(weeks=weeks)).isocalendar()
        return Week(year, week)

    def label(self) -> str:
        """'16–22 Nov 2026' for people."""
        first, last = self.monday, self.monday + timedelta(days=6)
        if first.month == last.month:
            return f"{first.day}–{last.day} {last:%b %Y}"
        if first.year == last.year:
            return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"


def weeks_ending(week: Week, count: int) -> list[Week]:
    """`count` weeks, oldest first, the last of them `week`."""
    return [week.shifted(offset) for offset in range(1 - count, 1)]
