"""The feedparser test corpus read by UnionWatch's parse stage, against feedparser's own reading.

python benchmarks/feedparser_corpus.py [--show N]

For each of the 2,106 files of ../shared/corpus/feedparser-tests: does the parse stage (pipeline.ingest.parse:
our decoding, then feedparser, then our text) yield entries, and does each entry's title equal what feedparser
alone gives? Every difference is put down to a reason, found by undoing one of our steps at a time (markup
stripped, white space squashed, a character no text can hold dropped, another decoding of the bytes, a title made
from the text when the entry has none); what no reason explains is listed with its file.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import feedparser

from benchmarks._common import CORPUS, need
from pipeline.errors import ParseError
from pipeline.ingest.parse import parse_feed
from pipeline.text import clean, plain_text


def readable(entry: dict[str, object]) -> bool:
    parts = [entry.get("title"), entry.get("summary")] + [c.get("value") for c in entry.get("content") or []]  # type: ignore[attr-defined]
    return any(plain_text(str(p or "")) for p in parts)


def reason(ours: str, theirs: str) -> str:
    squashed = " ".join(theirs.split())
    if not theirs:
        return "feedparser has no title: ours is the first words of the text"
    if squashed == ours:
        return "white space squashed"
    if " ".join(clean(theirs).split()) == ours:
        return "a character no text can hold dropped (controls, U+FFFE)"
    if plain_text(theirs) == ours:
        return "markup stripped from the title (tags, entities, comments)"
    if "\ufffd" in ours or any(ord(c) > 127 for c in ours + theirs):
        return "the bytes decoded otherwise (BOM, header or valid UTF-8 believed over the prolog)"
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=20, help="unexplained differences to list")
    args = parser.parse_args()
    files = sorted(p for p in need(CORPUS / "feedparser-tests" / "tests").rglob("*") if p.is_file())
    t0 = time.perf_counter()
    ours_with = theirs_with = refused = titles = 0
    reasons: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    skipped: Counter[str] = Counter()  # entries feedparser gives and we skip, by why
    unexplained: list[tuple[Path, str, str]] = []
    for path in files:
        body = path.read_bytes()
        theirs = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False).entries
        theirs_with += bool(theirs)
        try:
            ours = parse_feed(body, name=path.name).entries
        except ParseError:
            refused += 1
            continue
        ours_with += bool(ours)
        if len(ours) != len(theirs):
            for entry in theirs:
                if not (entry.get("link") or entry.get("id") or readable(entry)):
                    skipped["no link, no id, and no text once markup is stripped (an <img>, a script)"] += 1
                    if entry.get("links"):
                        skipped["  of which carry only a link that is not the article's (an enclosure)"] += 1
            continue
        for mine, raw in zip(ours, theirs, strict=True):
            titles += 1
            title = str(raw.get("title") or "")
            if mine.title == title:
                continue
            why = reason(mine.title, title)
            if why:
                reasons[why] += 1
                examples.setdefault(why, []).append(str(path.relative_to(CORPUS / "feedparser-tests" / "tests")))
            else:
                unexplained.append((path, mine.title, title))
    seconds = time.perf_counter() - t0
    print(f"{len(files):,} files in {seconds:.1f} s: with entries, ours {ours_with:,}, feedparser's {theirs_with:,}; "
          f"refused as not a feed {refused:,}")  # fmt: skip
    print("entries feedparser gives and the parse stage skips, as nothing a reader could open or read:")
    for why, count in skipped.items():
        print(f"  {count:5,}  {why}")
    differ = sum(reasons.values()) + len(unexplained)
    print(f"{titles:,} titles compared in files with the same entries, {differ:,} differ:")
    for why, count in reasons.most_common():
        print(f"  {count:5,}  {why}   e.g. {', '.join(examples[why][:3])}")
    print(f"  {len(unexplained):5,}  unexplained")
    for path, mine, title in unexplained[: args.show]:
        print(f"    {path.relative_to(CORPUS)}: ours {mine!r}, feedparser {title!r}")


if __name__ == "__main__":
    main()
