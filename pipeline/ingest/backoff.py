"""When to try a failing feed again: a pure policy, so it can be tested without a clock."""

from __future__ import annotations

from datetime import datetime, timedelta


def next_check(
    now: datetime, failures: int, *, base: float, ceiling: float, retry_after: float | None = None
) -> datetime:
    """Doubling wait after each consecutive failure (base, 2·base, 4·base, …), never above `ceiling` seconds.

    A server's own Retry-After wins when it asks for longer. No failures means: due at the next crawl.
    """
    if failures <= 0:
        return now
    wait = min(ceiling, base * 2 ** min(failures - 1, 30))
    if retry_after is not None:
        wait = max(wait, min(retry_after, ceiling))
    return now + timedelta(seconds=wait)
