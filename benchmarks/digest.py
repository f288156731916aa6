"""Building and rendering one week's digest from a store holding a year of items.

python benchmarks/digest.py [--items 104000] [--week 2026-W47] [--keep DIR]

Fills a SQLite store with at least 100,000 items made from the real corpus (../shared/corpus/items.jsonl,
each classified once, then repeated across 52 weeks with assigned dates, some republished by a second feed,
some edited, some feeds failing), then builds, renders and writes the week's digest in a child process and
prints its time and peak RSS (targets: at most 2 s and 300 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from benchmarks._common import CORPUS, ROOT, need
from pipeline.articles.fingerprint import text_hash
from pipeline.digest.weeks import Week
from pipeline.jobs.classifying import load_topic_set
from pipeline.jobs.indexing import index_items, indicators_of
from pipeline.settings import load_settings
from pipeline.store.db import open_store
from pipeline.store.models import CrawlRun, Feed, FetchAttempt, Item, ItemSource, ItemTopic, ItemVersion
from pipeline.topics.classify import Classifier

FEEDS = 16
CHILD = """
import json, sys, time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo
t0 = time.perf_counter()
from pipeline.jobs.digest import make_digest, write_digest
from pipeline.settings import load_settings
from pipeline.store.db import open_store
from pipeline.digest.weeks import Week
imported = time.perf_counter() - t0
settings = load_settings(sys.argv[1])
engine = open_store(settings.db_url)
t1 = time.perf_counter()
digest = make_digest(settings, engine, Week.parse(sys.argv[2]), datetime.fromisoformat(sys.argv[3]))
built = time.perf_counter() - t1
files = write_digest(digest, Path(sys.argv[4]))
total = time.perf_counter() - t1
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"rss_mb": hwm / 1024, "imports": imported, "build": built, "total": total,
                  "in_scope": digest.totals["in_scope"], "headlines": len(digest.headlines),
                  "figures": len(digest.figures), "edited": len(digest.edited), "html": files.html.stat().st_size}))
"""


def fill(db_url: str, count: int, week: Week, seed: int = 7) -> None:
    rows = [json.loads(line) for line in need(CORPUS / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    settings = load_settings(ROOT / "config" / "unionwatch.toml")
    classifier = Classifier(load_topic_set(settings))
    verdicts = [classifier.classify(r.get("title") or "", (r.get("text") or "")[:4000]) for r in rows]
    rng = random.Random(seed)
    end = week.end(ZoneInfo(settings.timezone))
    start = end - timedelta(weeks=52)
    engine = open_store(db_url)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            insert(Feed),
            [{"id": f + 1, "name": f"Feed {f + 1}", "config_url": f"https://f{f}.example/rss",
              "url": f"https://f{f}.example/rss", "created_at": start} for f in range(FEEDS)],
        )  # fmt: skip
        items, topics, sources, versions = [], [], [], []
        for n in range(count):
            source = rows[n % len(rows)]
            verdict = verdicts[n % len(rows)]
            when = start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))
            feed = rng.randrange(FEEDS) + 1
            text = source.get("text") or ""
            cluster = n + 1 if rng.random() > 0.1 else max(1, n - rng.randrange(1, 30))  # some republished copies
            items.append(
                {"id": n + 1, "key": f"https://f{feed}.example/{n}", "canonical_url": f"https://f{feed}.example/{n}",
                 "url": f"https://f{feed}.example/{n}", "feed_id": feed, "title": source.get("title") or "",
                 "summary": text[:300], "text": text, "lang": source.get("lang") or "", "published_at": when,
                 "first_seen_at": when + timedelta(minutes=20), "extraction_status": "ok",
                 "text_hash": text_hash(text), "cluster_id": cluster, "relevant": verdict.relevant,
                 "relevance": verdict.relevance, "classified_at": when}
            )  # fmt: skip
            sources.append({"item_id": n + 1, "feed_id": feed, "first_seen_at": when, "last_seen_at": when})
            versions.append(
                {"item_id": n + 1, "version": 1, "fetched_at": when, "title": source.get("title") or "",
                 "text": text, "content_hash": text_hash(text)}
            )  # fmt: skip
            if verdict.relevant and when > end - timedelta(days=9) and rng.random() < 0.05:  # edited later
                edited = text + " Belarus will pay $131.5 per 1,000 cubic meters of gas in 2027, officials said."
                changed = min(when + timedelta(hours=8), end - timedelta(hours=1))
                versions.append(
                    {"item_id": n + 1, "version": 2, "fetched_at": changed,
                     "title": source.get("title") or "", "text": edited, "content_hash": text_hash(edited)}
                )  # fmt: skip
            for match in verdict.topics if verdict.relevant else ():
                topics.append(
                    {"item_id": n + 1, "topic": match.topic, "score": match.score,
                     "evidence": json.dumps(list(match.evidence), ensure_ascii=False),
                     "terms": json.dumps(list(match.terms), ensure_ascii=False)}
                )  # fmt: skip
        for table, data in ((Item, items), (ItemSource, sources), (ItemVersion, versions), (ItemTopic, topics)):
            for i in range(0, len(data), 5000):
                conn.execute(insert(table), data[i : i + 5000])
        crawl_times = [start + timedelta(hours=3 * k) for k in range(int((end - start).total_seconds() // 10800))]
        conn.execute(
            insert(CrawlRun),
            [{"started_at": t, "finished_at": t + timedelta(minutes=2), "status": "completed"} for t in crawl_times],
        )
        attempts = [
            {"feed_id": f + 1, "started_at": t, "outcome": "error" if f in (3, 11) and t > end - timedelta(days=4)
             else "ok", "error": "fetch: HTTP 503" if f in (3, 11) else None}
            for t in crawl_times[-200:] for f in range(FEEDS)
        ]  # fmt: skip
        conn.execute(insert(FetchAttempt), attempts)
    print(
        f"store: {count:,} items over 52 weeks ({sum(1 for r in items if r['relevant']):,} in scope), "
        f"{len(topics):,} topic rows, {len(versions) - count} edits; filled in {time.perf_counter() - t0:.1f} s"
    )
    t1 = time.perf_counter()  # what each crawl does after classifying: figures and search tokens, once per item
    read, figures = index_items(engine, indicators_of(settings), end)
    print(f"indexed {read:,} items ({figures:,} figures) in {time.perf_counter() - t1:.1f} s")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=104_000)
    parser.add_argument("--week", default="2026-W47")
    parser.add_argument("--keep", type=Path, help="folder to keep the store in (reused when it exists)")
    args = parser.parse_args()
    week = Week.parse(args.week)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="unionwatch-digest-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "bench.db"
    config = folder / "unionwatch.toml"
    config.write_text(
        f'database_url = "sqlite:///{db}"\ndata_dir = "{folder}"\ndigests_dir = "{folder / "digests"}"\n'
        f'feeds = "{ROOT / "config" / "feeds.toml"}"\ntopics = "{ROOT / "config" / "topics.toml"}"\n'
        f'baseline_dir = "{ROOT / "baseline"}"\n',
        encoding="utf-8",
    )
    if not db.exists():
        fill(f"sqlite:///{db}", args.items, week)
    now = (week.end(ZoneInfo("Europe/Minsk")) + timedelta(hours=7)).astimezone(UTC)
    runs = []
    for _ in range(5):
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(config), str(week), now.isoformat(), str(folder / "out")],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if done.returncode != 0:
            sys.exit(done.stderr)
        runs.append(json.loads(done.stdout))
    # VmHWM of the child's own address space: ru_maxrss would carry over the parent's size across fork+exec
    rss = max(r["rss_mb"] for r in runs)
    best = min(runs, key=lambda r: r["total"])
    print(
        f"digest {week}: {best['in_scope']} items in scope, {best['headlines']} headlines, "
        f"{best['figures']} figures, {best['edited']} edited; HTML {best['html'] / 1024:.0f} KiB"
    )
    totals = sorted(r["total"] for r in runs)
    print(
        f"build {best['build']:.2f} s, build + render + write: min {totals[0]:.2f} s, median "
        f"{statistics.median(totals):.2f} s (runs: {', '.join(format(r['total'], '.2f') for r in runs)}; "
        f"target ≤ 2 s); imports {best['imports']:.2f} s; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"peak RSS of the digest process: {rss:.0f} MB (target ≤ 300 MB)")
    print(f"store: {db} ({db.stat().st_size / 1e6:.0f} MB); {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
