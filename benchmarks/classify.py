"""Classification throughput on one core, for items of up to 4,000 characters (the corpus items).

python benchmarks/classify.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import CORPUS, ROOT, need
from pipeline.jobs.classifying import load_topic_set
from pipeline.settings import load_settings
from pipeline.topics.classify import Classifier


def main() -> None:
    rows = [json.loads(line) for line in need(CORPUS / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    classifier = Classifier(load_topic_set(load_settings(ROOT / "config" / "unionwatch.toml")))
    texts = [(r.get("title") or "", (r.get("text") or "")[:4000]) for r in rows]
    classifier.classify(*texts[0])
    t0 = time.perf_counter()
    relevant = sum(classifier.classify(title, text).relevant for title, text in texts)
    seconds = time.perf_counter() - t0
    chars = sum(len(t) + len(x) for t, x in texts) / len(texts)
    print(f"items: {len(texts)} (mean {chars:.0f} characters), {relevant} judged in scope")
    print(f"classification: {seconds:.2f} s, {len(texts) / seconds:.0f} items/s on one core (target ≥ 500)")
    long = [(t, x) for t, x in texts if len(x) >= 3500]
    t0 = time.perf_counter()
    for title, text in long:
        classifier.classify(title, text)
    seconds = time.perf_counter() - t0
    print(f"long items only ({len(long)} of 3,500–4,000 characters): {len(long) / seconds:.0f} items/s on one core")


if __name__ == "__main__":
    main()
