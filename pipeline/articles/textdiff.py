"""Word-level differences between two versions of an article, for people and for the digest."""

from __future__ import annotations

import difflib


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
