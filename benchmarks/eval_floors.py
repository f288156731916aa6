"""Set the dev-set floors that tests/topics/test_classify.py gates on, from the figures measured now.

    python benchmarks/eval_floors.py            # print measured figures and the floors they would set
    python benchmarks/eval_floors.py --update   # write them; refuses to lower any floor...
    python benchmarks/eval_floors.py --update --allow-lower   # ...unless told to, on purpose

A floor is the measured figure rounded down to two decimals. The file also records a hash of the dev set,
so that a changed dev set is noticed rather than silently compared against old floors.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import ROOT, need
from pipeline.jobs.classifying import load_topic_set
from pipeline.settings import load_settings
from pipeline.topics.classify import Classifier
from pipeline.topics.evaluate import read_labelled, score

FLOORS = ROOT / "tests" / "topics" / "eval_floors.json"
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"


def measure(dev: Path) -> dict[str, float]:
    settings = load_settings(ROOT / "config" / "unionwatch.toml")
    topic_set = load_topic_set(settings)
    classifier = Classifier(topic_set)
    report, _ = score(
        read_labelled(dev),
        lambda r: classifier.classify(r.title, r.text, url=r.url, lang=r.lang),
        [t.id for t in topic_set.topics],
    )
    figures = {"relevance_f1": report["relevance"]["f1"], "macro_f1_named": report["macro_f1_named"]}
    figures.update({f"{t}_f1": m["f1"] for t, m in report["topics"].items() if m["support"] >= 5})
    return figures


def dev_hash(dev: Path) -> str:
    return hashlib.sha256(dev.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true")
    parser.add_argument("--allow-lower", action="store_true")
    args = parser.parse_args()
    dev = need(DEV)
    measured = measure(dev)
    proposed = {k: math.floor(v * 100) / 100 for k, v in measured.items()}
    current = json.loads(FLOORS.read_text(encoding="utf-8"))["floors"] if FLOORS.exists() else {}
    lowered = {k: (current[k], v) for k, v in proposed.items() if k in current and v < current[k]}
    for key, value in measured.items():
        print(f"{key:32} measured {value:.4f}  floor {current.get(key, '-')} → {proposed[key]}")
    if not args.update:
        return
    if lowered and not args.allow_lower:
        print("refused: these floors would go down: " + ", ".join(f"{k} {a} → {b}" for k, (a, b) in lowered.items()))
        sys.exit(1)
    FLOORS.write_text(json.dumps({"dev_sha256": dev_hash(dev), "floors": proposed}, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {FLOORS}")


if __name__ == "__main__":
    main()
