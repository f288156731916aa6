"""Classification throughput on one core, for items of up to 4,000 characters (the corpus items): the lexicon
alone (the reference, measured in the same run) and with the learned model, min and median of five runs.

python benchmarks/classify.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import CORPUS, ROOT, need
from pipeline.jobs.classifying import load_topic_set, model_path
from pipeline.jobs.pool_jobs import load_model
from pipeline.settings import load_settings
from pipeline.topics.classify import Classifier

RUNS = 5


def rates(classifier: Classifier, texts: list[tuple[str, str]]) -> list[float]:
    out = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        for title, text in texts:
            classifier.classify(title, text)
        out.append(len(texts) / (time.perf_counter() - t0))
    return out


def main() -> None:
    rows = [json.loads(line) for line in need(CORPUS / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    settings = load_settings(ROOT / "config" / "unionwatch.toml")
    topic_set = load_topic_set(settings)
    model = load_model(model_path(settings))
    lexicon = Classifier(topic_set)
    learned = Classifier(topic_set, model)
    texts = [(r.get("title") or "", (r.get("text") or "")[:4000]) for r in rows]
    long = [(t, x) for t, x in texts if len(x) >= 3500]
    lexicon.classify(*texts[0])
    learned.classify(*texts[0])
    chars = sum(len(t) + len(x) for t, x in texts) / len(texts)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {RUNS} runs each, items/s on one core")
    print(f"items: {len(texts)} (mean {chars:.0f} characters); long: {len(long)} of 3,500–4,000 characters")
    for name, classifier in (("lexicon", lexicon), ("lexicon + learned model", learned)):
        if name != "lexicon" and model is None:
            print(f"{name}: no model in {settings.baseline_dir} (classify --retrain)")
            continue
        every, longs = rates(classifier, texts), rates(classifier, long)
        print(
            f"{name:24} all: min {min(every):.0f}, median {statistics.median(every):.0f}; "
            f"long: min {min(longs):.0f}, median {statistics.median(longs):.0f} (target ≥ 500)"
        )


if __name__ == "__main__":
    main()
