"""Crontab expressions read as cron reads them (issue 16, 9): one row a case, the expression beside the next
fire times from a Wednesday afternoon in Minsk."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.cron import cron_trigger, next_run
from pipeline.settings import load_settings

NOW = datetime(2026, 11, 25, 13, 7, 31, tzinfo=UTC)  # Wednesday 16:07:31 in Minsk

CASES = [
    # (expression, the next four fire times in Minsk as "Wkd DD HH:MM")
    ("0 7 * * 1", ["Mon 30 07:00", "Mon 07 07:00", "Mon 14 07:00", "Mon 21 07:00"]),
    ("0 7 * * 0-6", ["Thu 26 07:00", "Fri 27 07:00", "Sat 28 07:00", "Sun 29 07:00"]),  # a range was refused
    ("0 7 * * */2", ["Thu 26 07:00", "Sat 28 07:00", "Sun 29 07:00", "Tue 01 07:00"]),  # Sun, Tue, Thu, Sat
    ("0 7 * * 1/2", ["Fri 27 07:00", "Mon 30 07:00", "Wed 02 07:00", "Fri 04 07:00"]),  # Mon, Wed, Fri
    ("0 7 1 * 1", ["Mon 30 07:00", "Tue 01 07:00", "Mon 07 07:00", "Mon 14 07:00"]),  # the 1st or a Monday
    ("0 7 * * 7", ["Sun 29 07:00", "Sun 06 07:00", "Sun 13 07:00", "Sun 20 07:00"]),  # 7 is Sunday too
    ("0 */3 * * *", ["Wed 25 18:00", "Wed 25 21:00", "Thu 26 00:00", "Thu 26 03:00"]),
]


@pytest.mark.parametrize("expression,expected", CASES, ids=[c[0] for c in CASES])
def test_next_fire_times(expression: str, expected: list[str]) -> None:
    trigger = cron_trigger(expression, "Europe/Minsk")
    fired, found = None, []
    for _ in range(4):
        fired = trigger.get_next_fire_time(fired, NOW)
        assert fired is not None
        found.append(fired.strftime("%a %d %H:%M"))
    assert found == expected


def test_next_run_is_in_the_schedules_zone() -> None:
    assert next_run("0 7 * * 1", "Europe/Minsk", NOW) == datetime(2026, 11, 30, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize("expression", ["0 7 * *", "61 * * * *", "0 7 * * mon-xyz", "* * * * * * *"])
def test_a_bad_expression_is_refused_when_read(tmp_path, expression: str) -> None:  # type: ignore[no-untyped-def]
    from pipeline.errors import ConfigError

    config = tmp_path / "unionwatch.toml"
    config.write_text(f'schedule_crawl = "{expression}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'schedule_crawl': .*cron expression") as info:
        load_settings(config)
    assert "\n" not in str(info.value)
