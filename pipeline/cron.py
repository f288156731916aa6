"""Crontab expressions as the operator writes them, for the scheduler and for `status`'s next runs.

Five fields are standard crontab (minute hour day month weekday, 0 or 7 = Sunday); a sixth, leading field
gives seconds (for tests). APScheduler 3 numbers weekdays from Monday = 0, so numeric weekdays are turned
into names before it sees them, and `0 7 * * 1` means Monday as in cron.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _weekday(field: str) -> str:
    return re.sub(r"(?<![*/\d])([0-7])(?!\d)", lambda m: _DAYS[int(m[1])], field)


def cron_trigger(expression: str, zone: str | tzinfo) -> CronTrigger:
    """ValueError names what is wrong with the expression."""
    fields = expression.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        raise ValueError(f"cron expression {expression!r} needs 5 fields (minute hour day month weekday)")
    second, minute, hour, day, month, weekday = fields
    timezone = ZoneInfo(zone) if isinstance(zone, str) else zone
    try:
        return CronTrigger(
            second=second, minute=minute, hour=hour, day=day, month=month, day_of_week=_weekday(weekday),
            timezone=timezone,
        )  # fmt: skip
    except ValueError as exc:
        raise ValueError(f"cron expression {expression!r}: {exc}") from None


def next_run(expression: str, zone: str, now: datetime) -> datetime | None:
    fire = cron_trigger(expression, zone).get_next_fire_time(None, now)
    return fire if isinstance(fire, datetime) else None
