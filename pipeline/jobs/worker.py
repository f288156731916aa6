"""`unionwatch worker`: one of several processes, on any number of hosts, sharing the crawl of one PostgreSQL store.

A worker syncs the feeds file, claims the hosts of due feeds and article pages (store/leases.py), fetches those
as `crawl` would, gives the hosts back, and asks again. A feed is due once per firing of
`schedule_crawl`, the cadence a single machine's scheduler crawls at: attempted since the last firing, it waits
for the next (failing feeds wait for their backoff too). With `until_idle` a worker stops once nothing is due
and unclaimed: what tests, benchmarks and cron use; otherwise it waits `poll` seconds and asks again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from pipeline.cron import previous_run
from pipeline.errors import ConfigError
from pipeline.ingest.feedlist import load_sources
from pipeline.jobs.crawl import CrawlOptions, CrawlSummary, crawl, settle
from pipeline.settings import Settings
from pipeline.store import feeds as feed_store
from pipeline.store import leases, lock_keys
from pipeline.text import plural

log = logging.getLogger("unionwatch.worker")
# stories and figures are given at most this often while there is work, and when it runs out: every round
# would serialise the workers on them (benchmarks/scale.py: 1 → 2 workers gained 1.16× when every round did)
SETTLE_EVERY = 300.0


@dataclass
class WorkerSummary:
    worker: str
    rounds: int = 0
    hosts: int = 0
    fetched: int = 0
    failed: int = 0
    items_new: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"worker {self.worker}: {plural(self.rounds, 'round')}, {plural(self.hosts, 'host')} claimed, "
            f"{plural(self.fetched, 'feed')} fetched, {self.failed} failed, {plural(self.items_new, 'item')} new; "
            f"{self.seconds:.1f}s"
        )


def _stamp(path: Path) -> tuple[float, int]:
    try:
        status = path.stat()
    except OSError:
        return (0.0, -1)  # load_sources says what is wrong with it
    return (status.st_mtime, status.st_size)


def work(
    settings: Settings,
    engine: Engine,
    *,
    until_idle: bool,
    lease: timedelta,
    hosts_per_claim: int,
    poll: float,
    now: datetime | None = None,
    on_round: Callable[[CrawlSummary, list[str]], None] | None = None,
) -> WorkerSummary:
    if engine.dialect.name != "postgresql":
        raise ConfigError(
            "worker: workers share one PostgreSQL database (set database_url to postgresql://...); "
            "on SQLite run `unionwatch crawl`"
        )
    started = time.perf_counter()
    clock: Callable[[], datetime] = (lambda: now) if now is not None else (lambda: datetime.now(UTC))
    me = leases.worker_id(datetime.now(UTC))
    summary = WorkerSummary(me)
    unsettled, last_settled = False, time.monotonic()
    synced: tuple[float, int] | None = None
    with Session(engine) as session:
        leases.seen(session, me, clock())
    try:
        while True:
            cycle = previous_run(settings.schedule_crawl, settings.timezone, clock(), timedelta(days=400))
            stamp = _stamp(settings.feeds)
            if stamp != synced:  # the feeds file, synced when it changes (reading 100,000 feeds a round costs)
                with Session(engine) as session:
                    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_keys.SYNC_FEEDS})
                    feed_store.sync_sources(session, load_sources(settings.feeds), clock())  # commits, unlocks
                synced = stamp
            with Session(engine) as session:
                claimed = leases.claim(
                    session,
                    me,
                    clock(),
                    cycle,
                    lease,
                    hosts_per_claim,
                    article_attempts=settings.extract.max_attempts if settings.extract.enabled else None,
                )
            if not claimed:
                if unsettled:  # stories and figures for what this worker stored, once the work runs out
                    settle(settings, engine, clock())
                    unsettled, last_settled = False, time.monotonic()
                with Session(engine) as session:
                    leases.seen(session, me, clock())
                if until_idle:
                    break
                time.sleep(poll)
                continue
            try:
                options = CrawlOptions(now=now, hosts=frozenset(claimed), cycle=cycle, settle=False)
                result = crawl(settings, engine, options)
            finally:
                with Session(engine) as session:
                    leases.release(session, me, claimed)
            summary.rounds += 1
            summary.hosts += len(claimed)
            summary.fetched += result.fetched + result.not_modified
            summary.failed += result.failed
            summary.items_new += result.items_new
            unsettled = True
            if time.monotonic() - last_settled >= SETTLE_EVERY:  # a long crawl still gets its stories as it goes
                settle(settings, engine, clock())
                unsettled, last_settled = False, time.monotonic()
            with Session(engine) as session:
                leases.seen(session, me, clock(), feeds=result.fetched + result.not_modified + result.failed)
            if on_round:
                on_round(result, claimed)
    finally:
        with Session(engine) as session:
            leases.release(session, me)
            leases.seen(session, me, clock(), stopped=True)
        summary.seconds = time.perf_counter() - started
    return summary
