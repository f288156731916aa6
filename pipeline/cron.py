"""Crontab expressions as the operator writes them, for the scheduler, `status`'s next runs and the catch-up at
start. Read by croniter, which knows standard cron: ranges of weekdays (`0-6`, 0 and 7 = Sunday), steps over
them (`*/2` = Sun, Tue, Thu, Sat; `1/2` = Mon, Wed, Fri), and a day of the month *or* a weekday when both are
given (`0 7 1 * 1`: the 1st, and every Monday). The regex that turned weekdays into APScheduler's names got all
of these wrong. Five fields are standard; a sixth, leading field gives seconds (for tests).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from croniter import CroniterError, croniter


class CronTrigger(BaseTrigger):  # type: ignore[misc]  # apscheduler ships no types
    """An APScheduler trigger that asks croniter for the next fire time, in the schedule's time zone."""

    def __init__(self, expression: str, zone: tzinfo) -> None:
        self.expression, self.zone = expression, zone
        self._fields, self._seconds = _fields(expression)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        start = previous_fire_time + timedelta(seconds=1) if previous_fire_time else now
        base = start.astimezone(self.zone) - timedelta(microseconds=1)  # croniter's next is strictly after
        return self._iter(base).get_next(datetime)  # type: ignore[no-any-return]

    def previous(self, now: datetime) -> datetime:
        return self._iter(now.astimezone(self.zone)).get_prev(datetime)  # type: ignore[no-any-return]

    def _iter(self, base: datetime) -> croniter:
        return croniter(self._fields, base, second_at_beginning=self._seconds)

    def __str__(self) -> str:
        return f"cron[{self.expression}]"


def _fields(expression: str) -> tuple[str, bool]:
    fields = expression.split()
    if len(fields) not in (5, 6):
        raise ValueError(f"cron expression {expression!r} needs 5 fields (minute hour day month weekday)")
    text = " ".join(fields)
    try:
        croniter(text, second_at_beginning=len(fields) == 6)
    except (CroniterError, ValueError, KeyError) as exc:
        raise ValueError(f"cron expression {expression!r}: {exc}") from None
    return text, len(fields) == 6


def cron_trigger(expression: str, zone: str | tzinfo) -> CronTrigger:
    """ValueError names what is wrong with the expression."""
    return CronTrigger(expression, ZoneInfo(zone) if isinstance(zone, str) else zone)


def next_run(expression: str, zone: str, now: datetime) -> datetime | None:
    return cron_trigger(expression, zone).get_next_fire_time(None, now)


def previous_run(expression: str, zone: str | tzinfo, now: datetime, within: timedelta) -> datetime | None:
    """The last time the expression fired before `now`, if within `within`."""
    fired = cron_trigger(expression, zone).previous(now)
    return fired if now - fired <= within else None
