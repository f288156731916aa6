"""Feed HTML → plain text: the standard library's HTML parser (what pipeline.text uses) against lxml.

python benchmarks/text.py

Reads every title, summary and full text of the corpus feeds (../shared/corpus/feeds) the way the feed parser
hands them over, converts each with both (the same block and hidden elements), and prints the minimum and median
of five runs, and how many outputs differ (after whitespace is squashed).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import feedparser
import lxml.etree
import lxml.html

from benchmarks._common import CORPUS, need
from pipeline.text import BLOCKS, HIDDEN, _parsed, clean


def fragments() -> list[str]:
    found: list[str] = []
    for path in sorted(need(CORPUS / "feeds").rglob("*")):
        if path.is_file() and path.suffix in (".rss", ".xml", ".atom", ".rdf", ""):
            for entry in feedparser.parse(path.read_bytes()).entries:
                found += [entry.get("title", ""), entry.get("summary", "")]
                found += [c.get("value", "") for c in entry.get("content") or []]
    return [f for f in found if f]


def with_lxml(fragment: str) -> str:
    """The same text by lxml: lines at the same block ends, hidden elements skipped."""
    fragment = clean(fragment)  # lxml refuses control characters outright
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # and empty documents
        return fragment
    parts: list[str] = []
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""  # comments' tags are functions
        if event == "start" and tag in BLOCKS:
            parts.append("\n")
        if event == "start" and tag and element.text and tag not in HIDDEN:
            parts.append(element.text)
        if event == "end":
            parts.append("\n" if tag in BLOCKS else "")
            if element.tail and element is not root:
                parts.append(element.tail)
    return " ".join("".join(parts).split())


def with_parser(fragment: str) -> str:
    return " ".join(_parsed(fragment).split())


def timed(convert: object, items: list[str]) -> list[float]:
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        for f in items:
            convert(f)  # type: ignore[operator]
        runs.append(time.perf_counter() - t0)
    return runs


def main() -> None:
    items = fragments()
    size = sum(len(f) for f in items)
    print(f"{len(items):,} fragments, {size / 1e6:.1f} M characters; load {os.getloadavg()[0]:.2f}")
    for name, convert in (("html.parser (pipeline.text)", with_parser), ("lxml.html, same walk", with_lxml)):
        runs = timed(convert, items)
        print(f"{name:28} min {min(runs) * 1000:7.1f} ms  median {statistics.median(runs) * 1000:7.1f} ms")
    differ = sum(1 for f in items if with_parser(f) != with_lxml(f))
    print(f"outputs that differ: {differ:,} of {len(items):,}")


if __name__ == "__main__":
    main()
