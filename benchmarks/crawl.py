"""Crawl throughput over loopback: N feeds on H hosts (127.0.0.x), each answering after an injected latency.

Prints the cold and warm crawl wall time (min and median of --runs cold crawls, each into a new store),
requests made, the most concurrent requests any host saw, peak RSS, and the references measured in the same
run: the latency bound (rounds of requests the limits allow × latency), feedparser alone over the same bytes
in one process, and a bare asyncio + httpx + feedparser loop over the same loopback feeds under the same
limits, which is what a crawl costs before it stores, classifies or keeps any health.

    python benchmarks/crawl.py [--feeds 200] [--items 20] [--hosts 50] [--latency 0.25] [--runs 3] [--postgres]

PROFILE=cold profiles this process's CPU in the last cold crawl (PROFILE_SORT=cumulative, PROFILE_MATCH=pipeline
to narrow it); PROFILE=warm profiles the warm crawl's wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import re
import resource
import ssl
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import feedparser
import httpx
from sqlalchemy.engine import Engine

from benchmarks._common import CORPUS, descendants_cpu, need, peak_rss_mb, serve_in_child, watch_descendants
from pipeline.jobs.crawl import CrawlOptions, crawl, settle
from pipeline.settings import FetchSettings, load_settings
from pipeline.store.db import open_store
from tests.support.postgres import Unavailable, new_database, running_postgres


def make_feed(template: bytes, index: int, items: int) -> bytes:
    """A real TUT.BY feed cut to `items` entries, its links made unique to this feed."""
    text = template.decode("utf-8")
    head, _, rest = text.partition("<item>")
    entries = ["<item>" + part for part in rest.split("<item>")]
    entries[-1] = entries[-1].split("</channel>")[0]
    chosen = (entries * (items // len(entries) + 1))[:items]
    body = "".join(
        re.sub(r"(<link>|<guid[^>]*>)https?://", rf"\1https://f{index}n{n}.", e) for n, e in enumerate(chosen)
    )
    return (head + body + "</channel></rss>").encode("utf-8")


def bare_loop(urls: list[str], limits: FetchSettings) -> float:
    """The reference: fetch every feed under the same global and per-host limits, parse it, keep nothing. One
    small client per host, as the crawler has: one client pooling a hundred connections spends more CPU scanning
    its pool than parsing (the reference would flatter the crawl)."""

    async def run() -> None:
        overall = asyncio.Semaphore(limits.concurrency)
        per_host: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(limits.per_host))
        connections = httpx.Limits(max_connections=limits.per_host, max_keepalive_connections=limits.per_host)
        clients: dict[str, httpx.AsyncClient] = {}
        tls = ssl.create_default_context()  # once: loading the CA store per client costs more than a feed

        async def one(url: str) -> None:
            host = httpx.URL(url).host
            if host not in clients:
                clients[host] = httpx.AsyncClient(limits=connections, timeout=30, verify=tls)
            client = clients[host]
            async with overall, per_host[host]:
                body = (await client.get(url)).content
            feedparser.parse(body)

        await asyncio.gather(*(one(url) for url in urls))
        for client in clients.values():
            await client.aclose()

    started = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - started


def cpu_seconds(server: int | None = None) -> float:
    """CPU of this process and every process below it but the loopback server: the crawl's forkserver and
    workers included."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    time.sleep(0.06)  # one more sample of the descendants
    return own.ru_utime + own.ru_stime + descendants_cpu(exclude={server} if server else None)


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def spread(values: list[float]) -> str:
    return f"min {min(values):.2f} s, median {statistics.median(values):.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.25)
    parser.add_argument("--concurrency", type=int, default=None, help="default: the shipped setting")
    parser.add_argument("--per-host", type=int, default=None, help="default: the shipped setting")
    parser.add_argument("--runs", type=int, default=3, help="cold crawls and bare loops, alternating")
    parser.add_argument(
        "--postgres", action="store_true", help="store in a PostgreSQL server started here (its CPU not counted)"
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        base = ""
        if args.postgres:
            try:
                base = stack.enter_context(running_postgres())
            except Unavailable as exc:
                print(f"skipped: no PostgreSQL server could be started ({exc})")
                return
        measure(args, base)


def measure(args: argparse.Namespace, postgres: str) -> None:

    template = need(CORPUS / "feeds" / "tut.by_newscloning" / "news.tut.by_all.rss").read_bytes()
    bodies = [make_feed(template, i, args.items) for i in range(args.feeds)]
    routes = [(i % args.hosts, f"/feed{i}.rss", body, f'"v{i}"') for i, body in enumerate(bodies)]
    port, hosts, server_pid = serve_in_child(args.hosts, args.latency, routes)
    # the database server's processes are not the crawl's: the target compares the client side
    watch_descendants(exclude={server_pid} if server_pid else None, exclude_names=frozenset({"postgres"}))
    feeds_toml = []
    per_host_count: dict[int, int] = {}
    for index, path, _, _ in routes:
        per_host_count[index] = per_host_count.get(index, 0) + 1
        feeds_toml.append(f'[[feed]]\nname = "feed {path}"\nurl = "http://127.0.0.{index + 2}:{port}{path}"\n')

    urls = [f"http://127.0.0.{index + 2}:{port}{path}" for index, path, _, _ in routes]
    colds: list[float] = []
    bares: list[float] = []
    cpu_cold: list[float] = []
    cpu_bare: list[float] = []
    cpu_main: list[float] = []  # of cpu_cold: this process (fetching, storing, settling)
    cpu_settle: list[float] = []  # of cpu_main: stories, figures and search tokens after the fetches
    engines: list[Engine] = []  # disposed at the end: a PostgreSQL server stops only once its clients have gone
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            folder = Path(tmp) / f"run{run}"
            folder.mkdir()
            (folder / "feeds.toml").write_text("\n".join(feeds_toml), encoding="utf-8")
            fetch = []
            if args.concurrency:
                fetch.append(f"concurrency = {args.concurrency}")
            if args.per_host:
                fetch.append(f"per_host = {args.per_host}")
            (folder / "unionwatch.toml").write_text(
                # the feed stage alone: articles are benchmarked by benchmarks/extract.py; the core, without the
                # optional story matcher by meaning (about ten items a second: `eval-stories --meaning` measures it)
                'feeds = "feeds.toml"\ndata_dir = "data"\nstory_meaning = "off"\n'
                + (f'database_url = "{new_database(postgres, "crawl")}"\n' if postgres else "")
                + "[extract]\nenabled = false\n[fetch]\n"
                + "\n".join(fetch)
                + "\n",
                encoding="utf-8",
            )
            settings = load_settings(folder / "unionwatch.toml")
            engine = open_store(settings.db_url)
            engines.append(engine)
            limits = settings.fetch

            c0 = cpu_seconds(server_pid)
            bares.append(bare_loop(urls, limits))
            cpu_bare.append(cpu_seconds(server_pid) - c0)
            hosts.send("stats")
            before = hosts.recv()[0]
            c0, own0 = cpu_seconds(server_pid), own_cpu()
            t0 = time.perf_counter()
            if os.environ.get("PROFILE") == "cold" and run == args.runs - 1:  # this process's share, by own time
                import cProfile
                import pstats

                with cProfile.Profile(time.process_time) as prof:  # CPU, not the wait for the database
                    cold = crawl(settings, engine, CrawlOptions(settle=False))
                stats = pstats.Stats(prof).sort_stats(os.environ.get("PROFILE_SORT", "tottime"))
                stats.print_stats(os.environ.get("PROFILE_MATCH", ""), 30)
            else:
                cold = crawl(settings, engine, CrawlOptions(settle=False))
            s0 = own_cpu()
            settle(settings, engine, datetime.now(UTC))  # what crawl() does last, timed apart
            colds.append(time.perf_counter() - t0)
            cpu_cold.append(cpu_seconds(server_pid) - c0)
            cpu_settle.append(own_cpu() - s0)
            cpu_main.append(own_cpu() - own0)
            hosts.send("stats")
            cold_requests = hosts.recv()[0] - before
        rounds = max(
            math.ceil(args.feeds / limits.concurrency),
            max(math.ceil(n / limits.per_host) for n in per_host_count.values()),
        )
        latency_bound = rounds * args.latency

        t0 = time.perf_counter()
        for body in bodies:
            feedparser.parse(body)
        parse_bound = time.perf_counter() - t0

        t0 = time.perf_counter()
        if os.environ.get("PROFILE") == "warm":
            import cProfile
            import pstats

            with cProfile.Profile() as prof:
                warm = crawl(settings, engine)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        else:
            warm = crawl(settings, engine)
        warm_wall = time.perf_counter() - t0
        hosts.send("stats")
        total_requests, peaks = hosts.recv()
        warm_requests = total_requests - before - cold_requests
    hosts.send("stop")
    hosts.recv()
    for each in engines:
        each.dispose()
    own, child = peak_rss_mb()
    bound = max(latency_bound, parse_bound)
    load = " ".join(f"{n:.2f}" for n in os.getloadavg())
    print(
        f"feeds {args.feeds} × {args.items} items on {args.hosts} hosts, latency {args.latency * 1000:.0f} ms, "
        f"concurrency {limits.concurrency}, per host {limits.per_host}; {args.runs} runs; load average {load}; "
        + ("PostgreSQL on this machine (its processes' CPU not counted)" if postgres else "SQLite")
    )
    print(f"cold crawl: {spread(colds)}; {cold.items_new} items new; {cold_requests} requests; {cold.failed} failed")
    print(
        f"warm crawl: {warm_wall:.2f} s wall; {warm.not_modified} not modified; "
        f"{warm_requests} requests; {warm.items_new} items new"
    )
    print(f"bare asyncio + httpx + feedparser loop: {spread(bares)}")
    per_feed = [c / args.feeds * 1000 for c in cpu_cold]
    per_feed_bare = [c / args.feeds * 1000 for c in cpu_bare]
    cpu_ratio = statistics.median(per_feed) / statistics.median(per_feed_bare)
    print(
        f"CPU per feed, all processes: cold crawl min {min(per_feed):.1f} ms, median {statistics.median(per_feed):.1f} "
        f"ms; bare loop min {min(per_feed_bare):.1f} ms, median {statistics.median(per_feed_bare):.1f} ms; "
        f"crawl / bare (medians) {cpu_ratio:.2f} (target ≤ 1.15)"
    )
    main_ms = statistics.median(cpu_main) / args.feeds * 1000
    settle_ms = statistics.median(cpu_settle) / args.feeds * 1000
    print(
        f"  of the crawl's CPU per feed (medians): this process {main_ms:.1f} ms (fetch, store; settle {settle_ms:.1f} "
        f"ms), parse and first classification in the worker processes {statistics.median(per_feed) - main_ms:.1f} ms"
    )
    ratios = [c / b for c, b in zip(colds, bares, strict=True)]
    ratio = f"min {min(ratios):.2f}, median {statistics.median(ratios):.2f}"
    print(f"cold / bare loop: {ratio} (target ≤ 1.5 up to a few dozen feeds)")
    print(f"latency bound: {rounds} rounds × {args.latency:.2f} s = {latency_bound:.2f} s")
    print(f"feedparser alone, one process: {parse_bound:.2f} s")
    print(f"cold / max(bounds): {min(colds) / bound:.2f} (best run)")
    print(f"most concurrent requests one host saw: {max(peaks.values())} (limit {limits.per_host})")
    print(f"peak RSS: {own:.0f} MB main process, {child:.0f} MB largest worker (target ≤ 200 MB)")


if __name__ == "__main__":
    main()
