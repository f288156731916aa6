"""Plain feeds read without feedparser (pipeline.ingest.plainxml) against feedparser's reading, and the time each takes.

    .venv/bin/python benchmarks/plain_feeds.py [--show 20]

For every feed file of ../shared/corpus/feeds and ../shared/corpus/feedparser-tests the parse stage runs twice,
once as shipped and once with feedparser reading everything; the two must give the same feed and the same
entries, field by field. Prints how many files the plain reader took, every file where the two differ (the
first --show of them with the field), and the parse time per feed of both readers over the real feeds.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import CORPUS, need
from benchmarks.crawl import make_feed
from pipeline.errors import ParseError
from pipeline.ingest import parse, plainxml


def both(body: bytes, name: str) -> tuple[object, object, bool]:
    parse.PLAIN_READER = True
    try:
        ours: object = parse.parse_feed(body, name=name)
    except ParseError as exc:
        ours = str(exc)
    parse.PLAIN_READER = False
    try:
        theirs: object = parse.parse_feed(body, name=name)
    except ParseError as exc:
        theirs = str(exc)
    parse.PLAIN_READER = True
    return ours, theirs, plainxml.read(body) is not None


def first_difference(ours: object, theirs: object) -> str:
    if isinstance(ours, str) or isinstance(theirs, str):
        return f"error: {ours!r:.100} / {theirs!r:.100}"
    a, b = ours, theirs
    for name in ("format", "title", "link", "warning"):
        if getattr(a, name) != getattr(b, name):
            return f"feed {name}: {getattr(a, name)!r:.100} / {getattr(b, name)!r:.100}"
    if len(a.entries) != len(b.entries):  # type: ignore[attr-defined]
        return f"entries: {len(a.entries)} / {len(b.entries)}"  # type: ignore[attr-defined]
    for n, (x, y) in enumerate(zip(a.entries, b.entries, strict=True)):  # type: ignore[attr-defined]
        for fname in x.__dataclass_fields__:
            if getattr(x, fname) != getattr(y, fname):
                return f"entry {n} {fname}: {getattr(x, fname)!r:.120} / {getattr(y, fname)!r:.120}"
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    need(CORPUS / "feeds")
    real = sorted(p for p in (CORPUS / "feeds").rglob("*") if p.is_file() and not p.name.endswith((".md", ".json")))
    tests = sorted(p for p in (CORPUS / "feedparser-tests").rglob("*") if p.is_file())
    for label, files in (("real feeds", real), ("feedparser's test files", tests)):
        taken = differ = 0
        shown = 0
        for path in files:
            body = path.read_bytes()
            ours, theirs, plain = both(body, path.name)
            taken += plain
            why = first_difference(ours, theirs) if ours != theirs else ""
            if why:
                differ += 1
                if shown < args.show:
                    shown += 1
                    print(f"  {path.relative_to(CORPUS)}: {why}")
        print(
            f"{label}: {len(files)} files, {taken} read by the plain reader, {differ} differ from feedparser's reading"
        )
    tut = (CORPUS / "feeds" / "tut.by_newscloning" / "news.tut.by_all.rss").read_bytes()
    crawled = [make_feed(tut, n, 20) for n in range(50)]  # the feed benchmarks/crawl.py serves
    for kind, bodies in (("real feed", [p.read_bytes() for p in real]), ("20-item TUT.BY feed", crawled)):
        for flag, label in ((False, "feedparser"), (True, "plain reader where it can")):
            parse.PLAIN_READER = flag
            times = []
            for _ in range(args.runs):
                t = time.process_time()
                for body in bodies:
                    with contextlib.suppress(ParseError):
                        parse.parse_feed(body, name="x")
                times.append((time.process_time() - t) / len(bodies) * 1000)
            print(f"{label}: min {min(times):.2f} ms, median {statistics.median(times):.2f} ms CPU per {kind}")
    parse.PLAIN_READER = True
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
