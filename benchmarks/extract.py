"""Article extraction throughput: a cold crawl over loopback of feeds whose items link to the 181 real pages
of the scrapinghub benchmark, reused to make at least 1,000 items.

Prints the crawl's wall time, items per second, peak RSS, and, measured in the same run, the time bare
`trafilatura.extract` takes over the same pages in one process (the limit on one core). Then a warm crawl,
which must fetch no article again.

    python benchmarks/extract.py [--items 1086] [--feeds 50] [--hosts 10]
"""

from __future__ import annotations

import argparse
import gzip
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import trafilatura

from benchmarks._common import CORPUS, need, peak_rss_mb, serve_in_child, watch_descendants
from pipeline.jobs.crawl import crawl
from pipeline.settings import load_settings
from pipeline.store.db import open_store


def rss(links: list[str], index: int) -> bytes:
    items = "".join(
        f"<item><title>Benchmark item {index}-{n}</title><link>{link}</link><description>teaser</description>"
        f"<pubDate>Mon, 23 Nov 2026 08:{n % 60:02d}:00 +0300</pubDate></item>"
        for n, link in enumerate(links)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>feed {index}</title>{items}</channel></rss>'.encode()
    )


def bare_extract_seconds(bodies: list[bytes]) -> float:
    """trafilatura.extract with its defaults over the pages, one after another, in one process."""
    t0 = time.perf_counter()
    for body in bodies:
        trafilatura.extract(body.decode("utf-8", errors="replace"))
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1086, help="items in all (181 pages reused)")
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds each answer waits")
    args = parser.parse_args()

    folder = need(CORPUS / "extraction" / "scrapinghub-benchmark" / "html")
    pages = [gzip.decompress(p.read_bytes()) for p in sorted(folder.glob("*.html.gz"))]
    bodies = [pages[n % len(pages)] for n in range(args.items)]

    routes: list[tuple[int, str, bytes, str]] = []
    links: list[tuple[int, str]] = []
    for n, body in enumerate(bodies):
        host = n % args.hosts
        routes.append((host, f"/article/{n}.html", body, f'"a{n}"'))
        links.append((host, f"/article/{n}.html"))
    per_feed = -(-args.items // args.feeds)
    feed_paths = []
    for f in range(args.feeds):
        chunk = links[f * per_feed : (f + 1) * per_feed]
        feed_paths.append((f % args.hosts, f"/feed{f}.rss", chunk))
    # feed bodies need the port, known only once the servers run: use a placeholder host:port and patch
    port_holder = "PORT_PLACEHOLDER"
    for host, path, chunk in feed_paths:
        urls = [f"http://127.0.0.{h + 2}:{port_holder}{p}" for h, p in chunk]
        routes.append((host, path, rss(urls, len(routes)), f'"{path}"'))
    port, server, server_pid = serve_in_child(args.hosts, args.latency, routes, patch=(port_holder,))
    watch_descendants(exclude={server_pid} if server_pid else None)

    with multiprocessing.get_context("spawn").Pool(1) as one:  # its own process, so its memory is its own
        bare = one.apply(bare_extract_seconds, (bodies,))

    with tempfile.TemporaryDirectory() as tmp:
        folder_tmp = Path(tmp)
        feeds_toml = "".join(
            f'[[feed]]\nname = "feed {path}"\nurl = "http://127.0.0.{host + 2}:{port}{path}"\n\n'
            for host, path, _ in feed_paths
        )
        (folder_tmp / "feeds.toml").write_text(feeds_toml, encoding="utf-8")
        (folder_tmp / "unionwatch.toml").write_text(
            'feeds = "feeds.toml"\ndata_dir = "data"\nallow_private_urls = true\nstory_meaning = "off"\n',
            encoding="utf-8",
        )
        settings = load_settings(folder_tmp / "unionwatch.toml")
        engine = open_store(settings.db_url)
        t0 = time.perf_counter()
        cold = crawl(settings, engine)
        wall = time.perf_counter() - t0
        server.send("stats")
        after_cold = server.recv()[0]
        t0 = time.perf_counter()
        warm = crawl(settings, engine)
        warm_wall = time.perf_counter() - t0
        server.send("stats")
        warm_requests = server.recv()[0] - after_cold
    server.send("stop")
    server.recv()
    own, child = peak_rss_mb()
    print(f"items: {cold.items_new} from {args.feeds} feeds on {args.hosts} hosts ({len(pages)} distinct pages)")
    print(f"cold crawl: {wall:.2f} s wall, {cold.items_new / wall:.1f} items/s; {cold.articles}")
    print(f"bare trafilatura.extract, one process, same pages: {bare:.2f} s")
    print(f"crawl / bare: {wall / bare:.2f} (target ≤ 0.75)")
    print(
        f"warm crawl: {warm_wall:.2f} s, {warm_requests} requests ({warm.not_modified} feeds not modified), "
        f"{warm_requests - warm.not_modified - warm.fetched} article requests"
    )
    print(f"peak RSS: {own:.0f} MB main process, {child:.0f} MB largest worker (target ≤ 400 MB)")


if __name__ == "__main__":
    main()
