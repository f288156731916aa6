"""Cross-validated figures of the classifier as deployed (lexicon, plus the learned model where it won), on
train.jsonl and dev.jsonl together, reported per file: precision, recall and F1 per target, the lexicon alone
beside it, over several fold draws (minimum and median), and the classifier's throughput with the model.

    .venv/bin/python benchmarks/learned_cv.py [--draws 5]

Needs ../shared/eval. The folds are stratified by relevance; each item is judged by a model that did not see it.
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

from benchmarks._common import EVAL, ROOT, need
from pipeline.jobs.classifying import load_classifier, training_row
from pipeline.settings import load_settings
from pipeline.topics import learned
from pipeline.topics.classify import Classifier
from pipeline.topics.evaluate import read_labelled


def prf(gold: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float]:
    tp = int((gold & predicted).sum())
    fp = int((~gold & predicted).sum())
    fn = int((gold & ~predicted).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=5)
    args = parser.parse_args()
    need(EVAL)
    settings = load_settings(ROOT / "config" / "unionwatch.toml")
    lexicon = load_classifier(settings, learned=False)
    ids = [t.id for t in lexicon.topic_set.topics]
    items = [(f, i) for f in ("dev.jsonl", "train.jsonl") for i in read_labelled(EVAL / f)]
    rows = [
        training_row(lexicon, i.title, i.text, i.relevant, i.topics, url=i.url, lang=i.lang, source=f"eval:{f}:{i.id}")
        for f, i in items
    ]
    names = ("relevant", *ids)
    gold = np.array([[i.relevant and (n == "relevant" or n in i.topics) for n in names] for _, i in items])
    lex = np.array([[r.lexicon_relevant and (n == "relevant" or n in r.lexicon_topics) for n in names] for r in rows])
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {args.draws} fold draws")
    figures: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    modes: dict[str, list[str]] = {n: [] for n in names}
    for draw in range(args.draws):
        rng = np.random.default_rng(draw)
        fold = np.empty(len(rows), dtype=int)
        for value in (False, True):
            where = np.flatnonzero(gold[:, 0] == value)
            rng.shuffle(where)
            fold[where] = np.arange(len(where)) % learned.FOLDS
        predicted = np.zeros_like(gold)
        for k in range(learned.FOLDS):  # the whole deployment per fold: modes chosen by an inner CV
            model = learned.train([r for r, f in zip(rows, fold, strict=True) if f != k], ids, "cv", seed=draw)
            for n in names:
                modes[n].append(model.targets[n].mode)
            classifier = Classifier(lexicon.topic_set, model)
            for i in np.flatnonzero(fold == k):
                item = items[i][1]
                verdict = classifier.classify(item.title, item.text, url=item.url, lang=item.lang)
                predicted[i] = [verdict.relevant and (n == "relevant" or n in verdict.topic_ids) for n in names]
        for file in ("dev.jsonl", "train.jsonl"):
            inside = np.array([f == file for f, _ in items])
            for j, n in enumerate(names):
                figures.setdefault((file, n), []).append(prf(gold[inside, j], predicted[inside, j]))
    for file in ("dev.jsonl", "train.jsonl"):
        inside = np.array([f == file for f, _ in items])
        print(f"\n{file}: {inside.sum()} items")
        print(f"{'':24}{'lexicon P/R/F1':>22}{'deployed P/R/F1 (median)':>28}{'F1 min':>8}  modes chosen")
        for j, n in enumerate(names):
            lp, lr, lf = prf(gold[inside, j], lex[inside, j])
            runs = figures[(file, n)]
            p = statistics.median(x[0] for x in runs)
            r = statistics.median(x[1] for x in runs)
            f = statistics.median(x[2] for x in runs)
            chosen = ", ".join(f"{m} {modes[n].count(m)}" for m in learned.MODES if modes[n].count(m))
            low = min(x[2] for x in runs)
            print(f"{n:24}{lp:>8.3f}{lr:>7.3f}{lf:>7.3f}{p:>14.3f}{r:>7.3f}{f:>7.3f}{low:>8.3f}  {chosen}")
    classifier = load_classifier(settings)
    long_items = [i for _, i in items if len(i.text) >= 1500] * 4
    started = time.perf_counter()
    for i in long_items:
        classifier.classify(i.title, i.text)
    rate = len(long_items) / (time.perf_counter() - started)
    print(
        f"\nthroughput with the learned model: {rate:.0f} items/s on one core ({len(long_items)} items of 1,500+ chars)"
    )


if __name__ == "__main__":
    main()
