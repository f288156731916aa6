"""Where one PostgreSQL database stops scaling: the claim and store path of `unionwatch worker` over 100,000 feeds,
with fetch and parse replaced by a fixed cost.

W simulated workers (processes) claim hosts (store/leases.py, as the worker does), "fetch" each feed of them
(sleep --cost seconds: the network and the parse, which take no database time), store --items entries per feed
with the crawl's own store code (item_store.store_entries) and the feed's new state, and give the hosts back,
until nothing is due. Prints claims per second, feeds per second, and the share of each worker's time spent in
the database (claims, stores, releases) rather than in the fixed cost.

    python benchmarks/claims.py [--feeds 100000] [--hosts 20000] [--items 5] [--cost 0.02] [--workers 1 2 4 8]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from sqlmodel import Session

from pipeline.domain import Entry
from pipeline.store import feeds as feed_store
from pipeline.store import items as item_store
from pipeline.store import leases
from pipeline.store.db import open_store
from pipeline.store.models import Feed
from tests.support.postgres import Unavailable, new_database, running_postgres

LEASE = timedelta(minutes=10)


def prepare(url: str, feeds: int, hosts: int) -> None:
    engine = open_store(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(Feed.__table__),  # type: ignore[attr-defined]
            [
                {
                    "name": f"f{i}",
                    "config_url": f"http://h{i % hosts}.example/{i}.rss",
                    "url": f"http://h{i % hosts}.example/{i}.rss",
                    "host": f"h{i % hosts}.example",
                    "lang": "",
                    "tags": "",
                    "title": "",
                    "enabled": True,
                    "consecutive_failures": 0,
                    "created_at": now,
                }
                for i in range(feeds)
            ],
        )
    engine.dispose()


def simulate(url: str, items: int, cost: float, per_claim: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    engine = open_store(url, upgrade=False)
    me = f"sim:{os.getpid()}:0"
    started = time.perf_counter()
    in_db = 0.0
    claims = feeds_done = 0
    cycle = datetime.now(UTC) - timedelta(seconds=1)  # what was attempted since is done for this simulation
    while True:
        t = time.perf_counter()
        now = datetime.now(UTC)
        with Session(engine) as session:  # as the worker does: one indexed query picks hosts with due feeds
            claimed = leases.claim(session, me, now, cycle, LEASE, per_claim)
        in_db += time.perf_counter() - t
        if not claimed:
            break
        claims += 1
        t = time.perf_counter()
        with Session(engine) as session:  # the crawl reads the due feeds of its hosts under the lease
            mine = [
                (f.id or 0, f.name, f.url)
                for f in feed_store.due_feeds(session, now, hosts=claimed)
                if f.last_attempt_at is None
            ]
        in_db += time.perf_counter() - t
        for feed_id, name, url in mine:
            time.sleep(cost)  # fetch and parse
            t = time.perf_counter()
            entries = tuple(
                Entry(title=f"{name} {n}", link=f"{url}#{n}", canonical_url=f"{url}#{n}") for n in range(items)
            )
            with Session(engine) as session:
                item_store.store_entries(session, feed_id, entries, now)
                session.execute(
                    sa.update(Feed).where(Feed.id == feed_id).values(last_attempt_at=now, last_success_at=now)  # type: ignore[arg-type]
                )
                session.commit()
            in_db += time.perf_counter() - t
            feeds_done += 1
        t = time.perf_counter()
        with Session(engine) as session:
            leases.release(session, me, claimed)
        in_db += time.perf_counter() - t
    engine.dispose()
    out.put((claims, feeds_done, in_db, time.perf_counter() - started))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=100_000)
    parser.add_argument("--hosts", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--cost", type=float, default=0.02, help="seconds of fetch and parse per feed")
    parser.add_argument("--per-claim", type=int, default=25, help="hosts claimed at a time")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8])
    args = parser.parse_args()
    try:
        with running_postgres() as base:
            print(
                f"{args.feeds:,} feeds on {args.hosts:,} hosts, {args.items} items each, fixed cost "
                f"{args.cost * 1000:.0f} ms a feed, {args.per_claim} hosts a claim; PostgreSQL on this machine, "
                f"{os.cpu_count()} cores"
            )
            print(f"{'workers':>7} {'wall':>7} {'claims/s':>9} {'feeds/s':>8} {'DB share (median)':>18}  load")
            for workers in args.workers:
                url = new_database(base, f"claims_{workers}")
                prepare(url, args.feeds, args.hosts)
                queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
                t0 = time.perf_counter()
                procs = [
                    multiprocessing.Process(target=simulate, args=(url, args.items, args.cost, args.per_claim, queue))
                    for _ in range(workers)
                ]
                for p in procs:
                    p.start()
                results = [queue.get() for _ in procs]
                for p in procs:
                    p.join()
                wall = time.perf_counter() - t0
                claims = sum(r[0] for r in results)
                done = sum(r[1] for r in results)
                share = statistics.median(r[2] / r[3] for r in results)
                load = " ".join(f"{x:.2f}" for x in os.getloadavg())
                print(f"{workers:>7} {wall:>6.0f}s {claims / wall:>9.1f} {done / wall:>8.0f} {share:>17.0%}  {load}")
                assert done == args.feeds, f"{done} feeds done of {args.feeds}"
    except Unavailable as exc:
        print(f"skipped: no PostgreSQL server could be started ({exc})")


if __name__ == "__main__":
    main()
