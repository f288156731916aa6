"""Every query behind `items list`, `status` and the digest is served by an index, on both backends (issue 17's
"indexes for a big store"): the statements are caught as the real functions run them, then EXPLAINed.

An empty store is enough to ask the planner what it *can* do: SQLite plans without statistics, and PostgreSQL
is told not to prefer a sequential scan (`enable_seqscan = off`), so a plan that still scans a table whole
has no index to use."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from pipeline.digest.weeks import Week
from pipeline.jobs.digest import make_digest
from pipeline.jobs.status import gather
from pipeline.store import figures as figure_store
from pipeline.store import items as item_store
from pipeline.store import weekly
from pipeline.store.db import open_store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BIG = ("items", "item_versions", "item_sources", "item_topics", "item_figures", "fetch_attempts", "crawl_runs")


def _caught(engine: Engine, run: Any) -> list[tuple[str, Any]]:
    statements: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and not many:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return statements


def _whole_scans(engine: Engine, statement: str, parameters: Any) -> list[str]:
    """The big tables this statement reads whole."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            details = [str(row[3]) for row in cursor.fetchall()]
            scans = [m[1] for d in details if (m := re.fullmatch(r"SCAN (\w+)(?: AS \w+)?", d))]
        else:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("EXPLAIN " + statement, parameters)
            details = [str(row[0]) for row in cursor.fetchall()]
            scans = [m[1] for d in details if (m := re.search(r"Seq Scan on (\w+)", d))]
    finally:
        raw.close()
    return [table for table in scans if table in BIG]


def test_the_digest_status_and_items_list_read_through_indexes(db_url: str, make_settings) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings([])
    engine = open_store(db_url)
    week = Week.parse("2026-W47")
    start, end = NOW - timedelta(days=7), NOW

    def everything() -> None:
        with Session(engine) as s:
            item_store.list_items(s, limit=5)
            item_store.list_items(s, feed="BelTA", limit=5)
            weekly.week_items(s, start, end)
            weekly.story_keys(s, start, end)
            weekly.count_items(s, start, end)
            weekly.topic_stories(s, [start - timedelta(days=7), start], end)
            weekly.edits_between(s, start, end, 40)
            weekly.feed_troubles(s, start, end)
            weekly.cluster_first_seen(s, [1, 2])
            weekly.items_by_id(s, [1, 2])
            weekly.cut_lengths(s, 1)
            figure_store.reported_between(s, start, end)
            figure_store.latest_before(s, ["gas-price"], end)
        make_digest(settings, engine, week, NOW)
        gather(settings, engine, NOW)

    statements = _caught(engine, everything)
    assert len(statements) >= 20
    found = {statement: _whole_scans(engine, statement, parameters) for statement, parameters in statements}
    assert {s: t for s, t in found.items() if t} == {}
