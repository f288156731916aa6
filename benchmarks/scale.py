"""Workers sharing one PostgreSQL store: 1, 2 and 4 `unionwatch worker --until-idle` processes over N feeds on H
loopback hosts (127.0.0.x) that answer after an injected latency.

For each worker count, over --runs fresh databases: wall time until every worker has exited (min and median),
fetches per feed (every feed is due once: the target is exactly 1), the most requests one host had in flight
at once (never above `per_host`), and CPU per feed of the workers and everything they started (the PostgreSQL
server's own CPU is not counted: it is the client side that is compared). The server runs on the same machine.

    python benchmarks/scale.py [--feeds 2000] [--items 20] [--hosts 200] [--latency 0.25] [--runs 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from benchmarks._common import CORPUS, need, serve_in_child
from benchmarks.crawl import make_feed
from tests.support.postgres import Unavailable, new_database, running_postgres

UNIONWATCH = Path(sys.executable).parent / "unionwatch"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(base: str, folder: Path, workers: int, feeds_toml: str, per_host: int) -> tuple[float, float]:
    """Wall seconds and CPU seconds (all worker processes and their pools) of one crawl by `workers` workers."""
    url = new_database(base, f"scale_{workers}")
    (folder / "feeds.toml").write_text(feeds_toml, encoding="utf-8")
    config = folder / "unionwatch.toml"
    config.write_text(
        f'feeds = "feeds.toml"\ndata_dir = "data"\ndatabase_url = "{url}"\nallow_private_urls = true\n'
        'schedule_crawl = "0 0 1 1 *"\n'  # a cycle that does not begin during the benchmark
        'story_meaning = "off"\n'  # the core: the optional matcher by meaning costs ~0.1 s an in-scope item
        f"[fetch]\nper_host = {per_host}\n[extract]\nenabled = false\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNIONWATCH_")}
    upgrade = subprocess.run([str(UNIONWATCH), "--config", str(config), "db", "upgrade"], env=env, capture_output=True)
    assert upgrade.returncode == 0, upgrade.stderr
    cpu0, t0 = children_cpu(), time.perf_counter()
    procs = [
        subprocess.Popen(
            [str(UNIONWATCH), "--config", str(config), "worker", "--until-idle", "--hosts", "25"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(workers)
    ]
    lines = [p.communicate()[0].strip() for p in procs]
    wall = time.perf_counter() - t0
    assert all(p.returncode == 0 for p in procs), lines
    return wall, children_cpu() - cpu0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.25)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()

    template = need(CORPUS / "feeds" / "tut.by_newscloning" / "news.tut.by_all.rss").read_bytes()
    routes = [
        (i % args.hosts, f"/feed{i}.rss", make_feed(template, i, args.items), f'"v{i}"') for i in range(args.feeds)
    ]
    port, server, _ = serve_in_child(args.hosts, args.latency, routes)
    feeds_toml = "".join(
        f'[[feed]]\nname = "feed {path}"\nurl = "http://127.0.0.{index + 2}:{port}{path}"\n\n'
        for index, path, _, _ in routes
    )
    try:
        with running_postgres() as base, tempfile.TemporaryDirectory() as tmp:
            print(
                f"feeds {args.feeds} × {args.items} items on {args.hosts} hosts, latency {args.latency * 1000:.0f} ms, "
                f"per host {args.per_host}; {args.runs} runs each; PostgreSQL on this machine; "
                f"{os.cpu_count()} cores"
            )
            print(f"{'workers':>7} {'wall min':>9} {'median':>7} {'fetches/feed':>13} {'max in flight/host':>19} "
                  f"{'CPU/feed min':>13} {'median':>7}  load")  # fmt: skip
            for workers in args.workers:
                walls, cpus, per_feed, peaks = [], [], [], []
                for run in range(args.runs):
                    folder = Path(tmp) / f"w{workers}r{run}"
                    folder.mkdir()
                    server.send("stats")
                    before = server.recv()[0]
                    wall, cpu = one_run(base, folder, workers, feeds_toml, args.per_host)
                    server.send("stats")
                    after, peak = server.recv()
                    walls.append(wall)
                    cpus.append(cpu / args.feeds * 1000)
                    per_feed.append((after - before) / args.feeds)
                    peaks.append(max(peak.values()))
                load = " ".join(f"{x:.2f}" for x in os.getloadavg())
                print(
                    f"{workers:>7} {min(walls):>8.1f}s {statistics.median(walls):>6.1f}s "
                    f"{min(per_feed):>6.2f}–{max(per_feed):<6.2f} {max(peaks):>19} "
                    f"{min(cpus):>10.1f} ms {statistics.median(cpus):>5.1f} ms  {load}"
                )
    except Unavailable as exc:
        print(f"skipped: no PostgreSQL server could be started ({exc})")
    finally:
        server.send("stop")
        server.recv()


if __name__ == "__main__":
    main()
