"""Host leases: how workers on several machines share one PostgreSQL store, each due feed fetched once.

The unit a worker claims is a host's due feeds and article pages, not a feed: a host leased to one worker is
fetched by that worker alone, so the `per_host` limit each worker keeps holds across all of them together, with
no shared counter to keep right. A lease is taken with `SELECT … FOR UPDATE SKIP LOCKED` (two workers claiming
at once each skip the rows the other holds) and ends when its worker releases it, or when its time is up: a
killed worker's hosts go to the next worker that asks. PostgreSQL's own row locks do the queueing; a task-queue
library (procrastinate) would add a second schema, a second worker model and jobs we would still have to map
back to feeds and hosts.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col
from sqlmodel import select as entity

from pipeline.store import lock_keys
from pipeline.store.articles import article_due
from pipeline.store.models import Feed, HostLease, Item, Worker


def worker_id(started: datetime) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{started.strftime('%Y%m%dT%H%M%S')}"


def claim(
    session: Session,
    worker: str,
    now: datetime,
    cycle: datetime | None,
    lease: timedelta,
    limit: int,
    *,
    article_attempts: int | None = None,
) -> list[str]:
    """Lease to `worker` up to `limit` hosts that nobody holds (or whose lease ran out) and that have a due feed
    (enabled, not backing off, not attempted since `cycle`) or, when articles are fetched (`article_attempts`, the
    most attempts an article gets), a due article page. Indexed queries however many feeds; commits."""
    hosts_of_feeds = select(col(Feed.host)).where(col(Feed.enabled).is_(True), col(Feed.host) != "").distinct()
    session.execute(
        pg_insert(HostLease).from_select(["host"], hosts_of_feeds).on_conflict_do_nothing()
    )  # a new feed, or one redirected to a new host, gets its lease row
    due: ColumnElement[bool] = (
        select(col(Feed.id))
        .where(
            col(Feed.host) == col(HostLease.host),
            col(Feed.enabled).is_(True),
            or_(col(Feed.next_check_at).is_(None), col(Feed.next_check_at) <= now),
            *([or_(col(Feed.last_attempt_at).is_(None), col(Feed.last_attempt_at) < cycle)] if cycle else []),
        )
        .exists()
    )
    if article_attempts is not None:  # pages are fetched by the worker holding their host, like feeds
        pages_due = article_due(now, article_attempts)
        unleased = ~select(col(HostLease.host)).where(col(HostLease.host) == col(Item.host)).exists()
        session.execute(
            pg_insert(HostLease)
            .from_select(["host"], select(col(Item.host)).where(pages_due, col(Item.host) != "", unleased).distinct())
            .on_conflict_do_nothing()
        )
        due = or_(due, select(col(Item.id)).where(col(Item.host) == col(HostLease.host), pages_due).exists())
    free = (
        session.execute(
            select(col(HostLease.host))
            .where(or_(col(HostLease.until).is_(None), col(HostLease.until) < now), due)
            .order_by(col(HostLease.host))
            .limit(limit)
            .with_for_update(of=HostLease, skip_locked=True)
        )
        .scalars()
        .all()
    )
    if free:
        session.execute(update(HostLease).where(col(HostLease.host).in_(free)).values(worker=worker, until=now + lease))
    session.commit()
    return list(free)


def release(session: Session, worker: str, hosts: list[str] | None = None) -> None:
    """Give back this worker's leases (all of them when `hosts` is None); commits."""
    query = update(HostLease).where(col(HostLease.worker) == worker)
    if hosts is not None:
        query = query.where(col(HostLease.host).in_(hosts))
    session.execute(query.values(worker=None, until=None))
    session.commit()


def seen(session: Session, worker: str, now: datetime, *, feeds: int = 0, stopped: bool = False) -> None:
    """Register or refresh a worker: `status` lists the ones seen lately."""
    row = session.get(Worker, worker)
    if row is None:
        host, pid, _ = worker.split(":", 2)
        row = Worker(id=worker, hostname=host, pid=int(pid), started_at=now)
    row.seen_at = now
    row.feeds_done += feeds
    if stopped:
        row.stopped_at = now
    session.add(row)
    session.commit()


def live_workers(session: Session, now: datetime, within: timedelta) -> list[tuple[Worker, list[str]]]:
    """Workers seen within `within` and not stopped, each with the hosts it holds now."""
    workers = session.exec(
        entity(Worker)
        .where(col(Worker.stopped_at).is_(None), col(Worker.seen_at) >= now - within)
        .order_by(col(Worker.started_at))
    ).all()
    held: dict[str, list[str]] = {}
    for host, worker in session.execute(
        select(col(HostLease.host), col(HostLease.worker))
        .where(col(HostLease.until) >= now)
        .order_by(col(HostLease.host))
    ):
        held.setdefault(str(worker), []).append(host)
    return [(w, held.get(w.id, [])) for w in workers]


def unclaimed_overdue(session: Session, now: datetime, missed_since: datetime) -> list[str]:
    """Enabled feeds not attempted since `missed_since` (a whole crawl cycle ago) whose host no worker holds:
    work nobody is doing."""
    held = select(col(HostLease.host)).where(col(HostLease.until) >= now)
    names = session.execute(
        select(col(Feed.name))
        .where(
            col(Feed.enabled).is_(True),
            or_(col(Feed.last_attempt_at).is_(None), col(Feed.last_attempt_at) < missed_since),
            or_(col(Feed.next_check_at).is_(None), col(Feed.next_check_at) <= now),  # not backing off
            col(Feed.host).not_in(held),
        )
        .order_by(col(Feed.name))
    ).scalars()
    return list(names)


@contextmanager
def one_at_a_time(engine: Engine, name: str) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock named `name` for the block (waiting for it): steps that must not run in two
    workers at once, such as giving stories to new items. A no-op on SQLite, where one process runs at a time."""
    if engine.dialect.name != "postgresql":
        yield
        return
    key = lock_keys.named(name)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()
