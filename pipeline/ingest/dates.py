"""Which publication dates to believe.

A feed's date files its item into a week; a date no digest covers (9999, 2200, 0001, the 1970 of a zero
timestamp) would make the item vanish. A date more than a day after we first saw the item, or before news
feeds existed, gives way to the first-seen time; the claimed date is kept beside it and shown as doubtful.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)  # before any news site had a feed
FUTURE_SLACK = timedelta(days=1)  # time zones written wrongly put honest items up to a day ahead
# zone abbreviations of this subject's feeds that feedparser reads as UTC (RFC 822 knows only US zones)
ZONES = {"MSK": "+0300", "MSD": "+0400", "EET": "+0200", "EEST": "+0300", "CET": "+0100", "CEST": "+0200",
         "FET": "+0300", "SAMT": "+0400", "YEKT": "+0500"}  # fmt: skip
_ZONE = re.compile(r"\s(" + "|".join(ZONES) + r")\s*$")


def plausible(claimed: datetime | None, seen: datetime) -> bool:
    return claimed is not None and EARLIEST <= claimed <= seen + FUTURE_SLACK


def believed(claimed: datetime | None, seen: datetime) -> tuple[datetime | None, datetime | None]:
    """(publication time to store, the doubtful claim kept aside)."""
    if claimed is None or plausible(claimed, seen):
        return claimed, None
    return None, claimed


def rfc822_with_zone_name(raw: object) -> datetime | None:
    """An RFC 822 date whose zone is a name feedparser does not know ("… 10:00:00 MSK"), or None."""
    if not isinstance(raw, str) or not (found := _ZONE.search(raw)):
        return None
    try:
        parsed = parsedate_to_datetime(raw[: found.start()] + " " + ZONES[found.group(1)])
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None
