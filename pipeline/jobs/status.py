"""What an operator (or a monitor) needs to know at a glance, and whether anything needs them.

`problems` are the conditions that make `unionwatch status` exit non-zero: no successful crawl within a day,
deliveries that failed, mail pending for more than a day, every feed failing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from pipeline.cron import next_run, previous_run
from pipeline.digest.weeks import Week
from pipeline.jobs.lock import RunLock
from pipeline.settings import Settings
from pipeline.store import deliveries, leases, weekly
from pipeline.store import feeds as feed_store
from pipeline.store.models import CrawlRun, Delivery, DigestRecord, Feed

STALE_CRAWL = timedelta(days=1)
STALE_MAIL = timedelta(days=1)
WORKER_SILENCE = timedelta(hours=1)  # a worker not heard from in this long is not listed as live


@dataclass
class FailingFeed:
    name: str
    since: datetime | None
    error: str
    failures: int


@dataclass
class Status:
    now: datetime
    last_crawl: CrawlRun | None
    last_good_crawl: datetime | None
    feeds: int
    failing: list[FailingFeed]
    week: str
    week_topics: dict[str, int]
    week_items: int
    last_digest: str | None
    last_digest_built: datetime | None
    delivery_states: dict[str, int]
    failed_deliveries: list[tuple[str, str, str]]  # week, recipient, reply
    old_pending: list[tuple[str, str, str]]
    next_runs: list[tuple[str, datetime]] = field(default_factory=list)
    silent: list[tuple[str, str]] = field(default_factory=list)  # feeds that answer with no items: name, warning
    # `unionwatch worker`s seen lately: id, last seen, feeds done, hosts held; and what none of them took
    workers: list[tuple[str, datetime | None, int, list[str]]] = field(default_factory=list)
    unclaimed: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        found = []
        if self.last_good_crawl is None:
            found.append("no crawl has completed yet")
        elif self.now - self.last_good_crawl > STALE_CRAWL:
            found.append(f"no successful crawl since {self.last_good_crawl:%Y-%m-%d %H:%M} UTC")
        if self.feeds and len(self.failing) == self.feeds:
            found.append(f"all {self.feeds} feeds are failing")
        for week, recipient, reply in self.failed_deliveries:
            found.append(f"digest {week} to {recipient} failed: {reply}")
        for week, recipient, reply in self.old_pending:
            found.append(f"digest {week} to {recipient} still pending after a day: {reply}")
        if self.workers and self.unclaimed:
            found.append(f"{len(self.unclaimed)} feeds missed a whole crawl cycle and no worker holds their hosts")
        return found


def gather(settings: Settings, engine: Engine, now: datetime) -> Status:
    zone = ZoneInfo(settings.timezone)
    week = Week.of(now, zone)
    with Session(engine) as session:
        last = session.exec(select(CrawlRun).order_by(col(CrawlRun.started_at).desc())).first()
        workers = [
            (w.id, w.seen_at, w.feeds_done, hosts) for w, hosts in leases.live_workers(session, now, WORKER_SILENCE)
        ]
        if (
            last is not None
            and last.status == "running"
            and not workers  # a worker's round runs without the run lock
            and not RunLock(engine, settings.data_dir).in_use()
        ):
            last.status = "interrupted"  # shown, not stored: the next crawl records it (no process runs it)
        good = weekly.last_good_crawl(session)
        feeds = list(session.exec(select(Feed).where(col(Feed.enabled).is_(True))))
        failing = [
            FailingFeed(f.name, f.failing_since, f.last_error or "", f.consecutive_failures)
            for f in feeds
            if f.failing_since is not None
        ]
        quiet = [(f.name, f.last_warning or "") for f in feeds if f.failing_since is None and feed_store.silent(f)]
        topics = Counter(  # stories, not copies
            {topic: counts[0] for topic, counts in weekly.topic_stories(session, [week.start(zone)], now).items()}
        )
        items = weekly.count_items(session, week.start(zone), now)
        digest = session.exec(select(DigestRecord).order_by(col(DigestRecord.week).desc())).first()
        states: Counter[str] = Counter()
        if digest is not None:
            states.update(d.status for d in deliveries.of_week(session, digest.week))
        failed = [(d.week, d.recipient, d.reply or "") for d in deliveries.failed(session)]
        old = [
            (d.week, d.recipient, d.reply or "not tried yet")
            for d in session.exec(select(Delivery).where(Delivery.status == "pending"))
            if d.created_at is not None and now - d.created_at > STALE_MAIL
        ]
        unclaimed: list[str] = []
        cycle = previous_run(settings.schedule_crawl, settings.timezone, now, timedelta(days=400))
        if workers and cycle is not None:
            before = previous_run(
                settings.schedule_crawl, settings.timezone, cycle - timedelta(seconds=1), timedelta(days=400)
            )
            unclaimed = leases.unclaimed_overdue(session, now, before or cycle)
    return Status(
        now=now,
        last_crawl=last,
        last_good_crawl=good,
        feeds=len(feeds),
        failing=sorted(failing, key=lambda f: f.name),
        silent=sorted(quiet),
        week=str(week),
        week_topics=dict(topics),
        week_items=items,
        last_digest=digest.week if digest else None,
        last_digest_built=digest.built_at if digest else None,
        delivery_states=dict(states),
        failed_deliveries=failed,
        old_pending=old,
        workers=workers,
        unclaimed=unclaimed,
        next_runs=[
            (name, when)
            for name, expression in (("crawl", settings.schedule_crawl), ("digest", settings.schedule_digest))
            if (when := next_run(expression, settings.timezone, now)) is not None
        ],
    )
