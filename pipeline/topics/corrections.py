"""An analyst's corrections laid over the classifier's verdict: the last word on an item is the analyst's.

Pure: a verdict and the item's corrections (oldest first) in, the corrected verdict out, so a correction holds
on every re-classification, and the learned model trains on the corrected labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from pipeline.topics.classify import Classification, TopicMatch

KINDS = ("topic", "not", "out-of-scope", "in-scope")
MARK = "analyst"  # the term a topic given by a correction shows


@dataclass(frozen=True)
class Label:
    kind: str  # one of KINDS
    topic: str | None = None

    def describe(self) -> str:
        return {"topic": f"+{self.topic}", "not": f"-{self.topic}"}.get(self.kind, self.kind)


def apply(result: Classification, labels: Sequence[Label]) -> Classification:
    if not labels:
        return result
    relevant = result.relevant
    topics = {m.topic: m for m in result.topics}
    for label in labels:
        if label.kind == "out-of-scope":
            relevant, topics = False, {}
        elif label.kind == "in-scope":
            relevant = True
        elif label.kind == "topic" and label.topic:
            relevant = True
            found = topics.get(label.topic)
            topics[label.topic] = (
                replace(found, terms=(MARK, *found.terms)) if found else TopicMatch(label.topic, 0.0, (), (MARK,))
            )
        elif label.kind == "not" and label.topic:
            topics.pop(label.topic, None)
    why = f"{result.why}; corrected by an analyst: {', '.join(label.describe() for label in labels)}"
    return replace(result, relevant=relevant, topics=tuple(topics.values()) if relevant else (), why=why)
