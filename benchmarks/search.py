"""Searching the stored items as `archive search` does, on SQLite (FTS5) and PostgreSQL (GIN over a tsvector).

python benchmarks/search.py [--items 104000] [--keep DIR] [--pg postgresql+psycopg://user@host:port/db]

Fills a store the way benchmarks/digest.py does (the real corpus repeated to --items, classified and indexed as a
crawl would), then runs analysts' queries (stems, both alphabets, a common word and a rare one) seven times each
and prints the minimum and median time per query, with the substring scan the search replaced (LIKE over title
and text) measured on the same store in the same run as the reference. Target: at most 50 ms per query.
--pg fills and measures a PostgreSQL database too (one already filled by an earlier run is measured as it is).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, or_, select
from sqlmodel import Session, SQLModel

from benchmarks.digest import fill
from pipeline.digest.weeks import Week
from pipeline.store.db import open_store
from pipeline.store.search import search_items

QUERIES = [
    "газ", "союзные программы", "Орешник", "Oreshnik", "налог", "Lukashenko Putin", "Беларусь", "Zapad",
    "Ганцевичи",  # rare: no hit in the benchmark's store, so the substring scan reads every row
]  # fmt: skip
RUNS = 7


def measure(url: str) -> None:
    engine = open_store(url)
    items = SQLModel.metadata.tables["items"].c
    backend = engine.dialect.name
    with Session(engine) as session:
        total = session.execute(select(func.count()).select_from(SQLModel.metadata.tables["items"])).scalar_one()
        print(f"{backend}: {total:,} items")
        medians = []
        for query in QUERIES:
            times, found, method = [], 0, ""
            for _ in range(RUNS):
                t0 = time.perf_counter()
                hits, method = search_items(session, query, 20)
                times.append(time.perf_counter() - t0)
                found = len(hits)
            word = query.split()[0]
            t0 = time.perf_counter()
            scanned = session.execute(
                select(items.id)
                .where(or_(items.title.ilike(f"%{word}%"), items.text.ilike(f"%{word}%")))
                .order_by(items.id.desc())
                .limit(20)
            ).all()
            scan = time.perf_counter() - t0
            medians.append(statistics.median(times))
            print(
                f"  {query!r:22} {found:>2} hits ({method}): min {min(times) * 1000:6.1f} ms, "
                f"median {statistics.median(times) * 1000:6.1f} ms; reference LIKE scan for {word!r}: "
                f"{scan * 1000:7.1f} ms ({len(scanned)} rows)"
            )
        print(f"  worst median {max(medians) * 1000:.1f} ms (target ≤ 50 ms)")
    engine.dispose()


def _count(url: str) -> int:
    engine = open_store(url)
    with Session(engine) as session:
        n = session.execute(select(func.count()).select_from(SQLModel.metadata.tables["items"])).scalar_one()
    engine.dispose()
    return int(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=104_000)
    parser.add_argument("--keep", type=Path, help="folder to keep the SQLite store in (reused when it exists)")
    parser.add_argument("--pg", help="an empty PostgreSQL database to fill and measure as well")
    args = parser.parse_args()
    week = Week.parse("2026-W47")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="unionwatch-search-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "bench.db"
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if not db.exists():
        fill(f"sqlite:///{db}", args.items, week)
    measure(f"sqlite:///{db}")
    if args.pg:
        if not _count(args.pg):  # a database filled by an earlier run is measured again as it is
            fill(args.pg, args.items, week)
        measure(args.pg)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
