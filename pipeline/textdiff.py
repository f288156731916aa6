"""Word-level differences between two versions of an article, for people and for the digest."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_SENTENCE = re.compile(r"(?<=[.!?…])\s+")


def word_diff(old: str, new: str, *, context: int = 6) -> list[str]:
    """Changed passages in git's --word-diff=plain style: [-removed-] {+added+}, a few words around each."""
    a, b = old.split(), new.split()
    hunks = []
    for group in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_grouped_opcodes(context):
        parts = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                parts.append(" ".join(a[i1:i2]))
                continue
            if i2 > i1:
                parts.append("[-" + " ".join(a[i1:i2]) + "-]")
            if j2 > j1:
                parts.append("{+" + " ".join(b[j1:j2]) + "+}")
        hunks.append(" ".join(parts))
    return hunks


@dataclass(frozen=True)
class SentenceChanges:
    added: list[str]
    removed: list[str]


def sentence_changes(old: str, new: str) -> SentenceChanges:
    """Sentences added and removed between two versions, for a short summary of an edit."""
    before = [s.strip() for s in _SENTENCE.split(old) if s.strip()]
    after = [s.strip() for s in _SENTENCE.split(new) if s.strip()]
    old_set, new_set = set(before), set(after)
    return SentenceChanges(
        added=[s for s in after if s not in old_set], removed=[s for s in before if s not in new_set]
    )
