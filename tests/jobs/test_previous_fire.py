"""When a schedule last fired before now, which decides what the scheduler catches up at start: one row a case."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from pipeline.jobs.scheduler import _previous_fire

MINSK = ZoneInfo("Europe/Minsk")
NOW = datetime(2026, 11, 25, 13, 7, 31, tzinfo=UTC)  # Wednesday 16:07:31 in Minsk

CASES = [
    # (crontab expression, last fire before NOW in Minsk time, or None within eight days)
    ("0 */3 * * *", datetime(2026, 11, 25, 15, 0, tzinfo=MINSK)),
    ("0 7 * * 1", datetime(2026, 11, 23, 7, 0, tzinfo=MINSK)),
    ("*/5 * * * *", datetime(2026, 11, 25, 16, 5, tzinfo=MINSK)),
    ("30 13 * * *", datetime(2026, 11, 25, 13, 30, tzinfo=MINSK)),
    ("*/2 * * * * *", datetime(2026, 11, 25, 16, 7, 30, tzinfo=MINSK)),  # every two seconds: found at once
    ("0 0 1 1 *", None),  # New Year is more than eight days back
]


@pytest.mark.parametrize("expression,expected", CASES, ids=[c[0] for c in CASES])
def test_previous_fire(expression: str, expected: datetime | None) -> None:
    assert _previous_fire(expression, MINSK, NOW) == expected
