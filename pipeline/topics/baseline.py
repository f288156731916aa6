"""Term weights from the baseline documents: the vocabulary the baseline itself uses for a topic counts more.

For each topic term, the number of document sentences it appears in is counted; a term the baseline uses
often earns a boost of up to MAX_BOOST (logarithmic in the count), a term it never uses keeps weight 1.
The boosts are modest by design: the topic definitions stay the classifier's backbone, the baseline tilts
them toward what the analysts' reference texts talk about. A user can add their own documents and rebuild.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.topics.classify import Classifier
from pipeline.topics.definitions import TopicSet

MAX_BOOST = 1.25
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")


def document_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".md") and p.name.upper() != "INDEX.MD")
    if not files:
        raise ConfigError(f"baseline: {folder}: no .txt or .md documents")
    return files


def build_weights(topic_set: TopicSet, documents: list[tuple[str, str]]) -> dict[str, Any]:
    """documents: (name, text) pairs. Returns the JSON-ready weights record."""
    plain = TopicSet(topic_set.topics, topic_set.gate, topic_set.threshold, topic_set.title_weight)
    matcher = Classifier(plain)
    counts: dict[str, Counter[str]] = {t.id: Counter() for t in topic_set.topics}
    for _, text in documents:
        sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
        seen: set[tuple[int, str, str]] = set()
        for index, term, group, _ in matcher.mentions(sentences):
            if group in counts and (index, group, term.text) not in seen:
                seen.add((index, group, term.text))
                counts[group][term.text] += 1
    boosts = {
        topic: {term: round(min(MAX_BOOST, 1.0 + 0.05 * math.log2(1 + n)), 3) for term, n in sorted(c.items())}
        for topic, c in counts.items()
    }
    return {
        "built_from": [
            {"name": name, "sha256": hashlib.sha256(text.encode()).hexdigest()[:16]} for name, text in documents
        ],
        "max_boost": MAX_BOOST,
        "mentions": {topic: dict(sorted(c.items(), key=lambda kv: -kv[1])) for topic, c in counts.items()},
        "boosts": boosts,
    }
