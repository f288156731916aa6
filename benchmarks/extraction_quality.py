"""Mean token-level F1 of our extraction against the gold article bodies of the scrapinghub benchmark.

python benchmarks/extraction_quality.py
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import CORPUS, need
from pipeline.articles.extract import extract_article
from pipeline.articles.fingerprint import tokens


def token_f1(predicted: str, gold: str) -> float:
    p, g = Counter(tokens(predicted)), Counter(tokens(gold))
    overlap = sum((p & g).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def evaluate(folder: Path) -> tuple[float, int, list[tuple[str, float]]]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    scores = []
    for key, gold in sorted(truth.items()):
        body = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes())
        result = extract_article(body, url=gold.get("url") or "")
        scores.append((key, token_f1(result.text, gold["articleBody"])))
    return sum(s for _, s in scores) / len(scores), len(scores), scores


def main() -> None:
    folder = need(CORPUS / "extraction" / "scrapinghub-benchmark")
    mean, count, scores = evaluate(folder)
    worst = sorted(scores, key=lambda s: s[1])[:5]
    print(f"pages: {count}")
    print(f"mean token F1: {mean:.4f}")
    print("lowest: " + ", ".join(f"{k[:10]} {s:.2f}" for k, s in worst))


if __name__ == "__main__":
    main()
