"""Every PostgreSQL advisory-lock key UnionWatch takes, in one place: two locks that shared a key by accident
would wait for each other across hosts. The values are those the locks have always had, so that a host still on
an older version keeps excluding a newer one during an upgrade."""

from __future__ import annotations

import zlib

RUN = zlib.crc32(b"unionwatch") & 0x7FFFFFFF  # one scheduled run per database (jobs/lock.py)
SYNC_FEEDS = 0x55570001  # the feeds file is synced by one worker at a time (jobs/worker.py)
MIGRATIONS = 0x55570002  # workers starting together on a new database apply each migration once


def named(name: str) -> int:
    """The key of a step that must not run in two workers at once (store/leases.one_at_a_time)."""
    return zlib.crc32(f"unionwatch:{name}".encode())
