"""Named migrations, recorded in the `schema_migrations` table, each applied in its own transaction.

Why not `create_all`: a database made by an older version must be brought forward without losing its rows,
so the schema is only ever changed by these steps, in order. The DDL goes through alembic's Operations so that
the same step runs on SQLite (batch mode for ALTER) and PostgreSQL. The test suite checks that the tables the
migrations build match the models exactly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pipeline.store import lock_keys

if TYPE_CHECKING:  # alembic is imported only when a migration is due: most commands open an up-to-date store
    from alembic.operations import Operations

Migration = tuple[str, Callable[["Operations"], None]]
log = logging.getLogger(__name__)


def _0001_initial(op: Operations) -> None:
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("feeds_fetched", sa.Integer(), nullable=False),
        sa.Column("feeds_not_modified", sa.Integer(), nullable=False),
        sa.Column("feeds_failed", sa.Integer(), nullable=False),
        sa.Column("items_new", sa.Integer(), nullable=False),
        sa.Column("items_seen", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_crawl_runs_started_at"), "crawl_runs", ["started_at"], unique=False)
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("config_url", sa.String(length=2000), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("tags", sa.String(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(), nullable=True),
        sa.Column("last_warning", sa.Text(), nullable=True),
        sa.Column("failing_since", sa.DateTime(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("next_check_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "fetch_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("crawl_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("warning", sa.Text(), nullable=True),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("items_new", sa.Integer(), nullable=False),
        sa.Column("items_seen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["crawl_id"],
            ["crawl_runs.id"],
        ),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["feeds.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_fetch_attempts_crawl_id"), "fetch_attempts", ["crawl_id"], unique=False)
    op.create_index(op.f("ix_fetch_attempts_feed_id"), "fetch_attempts", ["feed_id"], unique=False)
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=2000), nullable=False),
        sa.Column("canonical_url", sa.String(length=2000), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("guid", sa.String(length=2000), nullable=True),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("content", sa.Text(), server_default="", nullable=False),
        sa.Column("author", sa.Text(), server_default="", nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["feeds.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(op.f("ix_items_feed_id"), "items", ["feed_id"], unique=False)
    op.create_index(op.f("ix_items_first_seen_at"), "items", ["first_seen_at"], unique=False)
    op.create_index(op.f("ix_items_guid"), "items", ["guid"], unique=False)
    op.create_index(op.f("ix_items_published_at"), "items", ["published_at"], unique=False)
    op.create_table(
        "item_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("guid", sa.String(length=2000), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["feeds.id"],
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "feed_id", name="uq_item_sources_item_feed"),
    )
    op.create_index("ix_item_sources_feed_guid", "item_sources", ["feed_id", "guid"], unique=False)
    op.create_index(op.f("ix_item_sources_feed_id"), "item_sources", ["feed_id"], unique=False)
    op.create_index(op.f("ix_item_sources_item_id"), "item_sources", ["item_id"], unique=False)
    op.create_table(
        "item_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=True),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "version", name="uq_item_versions_item_version"),
    )
    op.create_index(op.f("ix_item_versions_item_id"), "item_versions", ["item_id"], unique=False)


def _0002_full_text(op: Operations) -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("text", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("lang", sa.String(length=8), server_default="", nullable=False))
        batch.add_column(sa.Column("extraction_status", sa.String(length=20), server_default="pending", nullable=False))
        batch.add_column(sa.Column("extraction_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("extraction_attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("extracted_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("recheck_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("article_etag", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("article_last_modified", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("site_name", sa.String(length=200), server_default="", nullable=False))
        batch.add_column(sa.Column("text_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("minhash", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("cluster_id", sa.Integer(), nullable=True))
        batch.create_index("ix_items_lang", ["lang"])
        batch.create_index("ix_items_extraction_status", ["extraction_status"])
        batch.create_index("ix_items_recheck_at", ["recheck_at"])
        batch.create_index("ix_items_cluster_id", ["cluster_id"])


def _0003_topics(op: Operations) -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("relevant", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("relevance", sa.Float(), server_default="0", nullable=False))
        batch.add_column(sa.Column("classified_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_items_relevant", ["relevant"])
    op.create_table(
        "item_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.Text(), server_default="", nullable=False),
        sa.Column("terms", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "topic", name="uq_item_topics_item_topic"),
    )
    op.create_index("ix_item_topics_item_id", "item_topics", ["item_id"])
    op.create_index("ix_item_topics_topic", "item_topics", ["topic"])


def _0004_digests(op: Operations) -> None:
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("data", sa.Text(), server_default="", nullable=False),
        sa.Column("search_text", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("week"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("transport", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("week", "recipient", name="uq_deliveries_week_recipient"),
    )
    op.create_index("ix_deliveries_week", "deliveries", ["week"])
    op.create_index("ix_deliveries_status", "deliveries", ["status"])
    if op.get_bind().dialect.name == "sqlite" and _has_fts5(op.get_bind()):
        for statement in ITEMS_FTS:
            op.execute(statement)


# Full-text search over items on SQLite (FTS5, kept in step by triggers); PostgreSQL searches with ILIKE.
ITEMS_FTS = [
    "CREATE VIRTUAL TABLE items_fts USING fts5(title, text, content='items', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN "
    "INSERT INTO items_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); END",
    "CREATE TRIGGER items_fts_update AFTER UPDATE OF title, text ON items BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); "
    "INSERT INTO items_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "INSERT INTO items_fts(items_fts) VALUES ('rebuild')",
]


def _0005_stories(op: Operations) -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("story_id", sa.Integer(), nullable=True))
        batch.create_index("ix_items_story_id", ["story_id"])


def _0006_corrections(op: Operations) -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_corrections_item_id", "corrections", ["item_id"])


def _0007_figures_and_search(op: Operations) -> None:
    """Figures and search tokens are written once per classified item (figures_at NULL: due, so every stored
    item is read once after this step); the search matches stems, so the old word index goes."""
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("figures_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_items_figures_at", ["figures_at"])
    op.create_table(
        "item_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=True),
        sa.Column("sentence", sa.Text(), server_default="", nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_item_figures_item_id", "item_figures", ["item_id"])
    op.create_index("ix_item_figures_indicator", "item_figures", ["indicator"])
    op.create_index("ix_item_figures_reported_at", "item_figures", ["reported_at"])
    op.create_table(
        "item_search",
        sa.Column("item_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tokens", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("item_id"),
    )
    with op.batch_alter_table("digests") as batch:
        batch.add_column(sa.Column("search_tokens", sa.Text(), server_default="", nullable=False))
    bind = op.get_bind()
    op.execute(TITLE_PREFIX_INDEX)
    if bind.dialect.name == "sqlite":
        for statement in DROP_ITEMS_FTS:
            op.execute(statement)
        if _has_fts5(bind):
            for statement in SEARCH_FTS:
                op.execute(statement)
    elif bind.dialect.name == "postgresql":
        for statement in SEARCH_GIN:
            op.execute(statement)
    from pipeline.topics.search_terms import index_text  # digests filed before: their words as tokens

    digests = sa.table("digests", sa.column("id", sa.Integer), sa.column("search_text", sa.Text),
                       sa.column("search_tokens", sa.Text))  # fmt: skip
    for digest_id, words in bind.execute(sa.select(digests.c.id, digests.c.search_text)).all():
        bind.execute(
            digests.update().where(digests.c.id == digest_id).values(search_tokens=index_text("", words or ""))
        )


# Short titles looked up by value (weekly.repeated_titles: a Telegram channel's name its posts carry as title);
# on the first 80 characters, since a whole title may be longer than a PostgreSQL index entry may be.
TITLE_PREFIX_INDEX = "CREATE INDEX ix_items_title_prefix ON items (substr(title, 1, 80))"
# An item's time (store/weekly.item_time), spelled as the queries spell it: an expression index serves only that.
ITEM_TIME_INDEX = "CREATE INDEX ix_items_time ON items (coalesce(published_at, first_seen_at), id)"
DROP_ITEMS_FTS = [
    "DROP TRIGGER IF EXISTS items_fts_insert",
    "DROP TRIGGER IF EXISTS items_fts_delete",
    "DROP TRIGGER IF EXISTS items_fts_update",
    "DROP TABLE IF EXISTS items_fts",
]
# The search tokens' index on SQLite: FTS5 over item_search, kept in step by triggers. A query word is a prefix
# of three letters or (mostly) five (topics/search_terms.py): those are indexed as such, so a prefix every item
# carries ("belar") reads one list instead of merging every token it starts (5 ms to 0.14 ms at 104,000 items,
# for an index 2.3 times the size).
SEARCH_FTS = [
    "CREATE VIRTUAL TABLE item_search_fts USING fts5(tokens, content='item_search', content_rowid='item_id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='3 5')",
    "CREATE TRIGGER item_search_ai AFTER INSERT ON item_search BEGIN "
    "INSERT INTO item_search_fts(rowid, tokens) VALUES (new.item_id, new.tokens); END",
    "CREATE TRIGGER item_search_ad AFTER DELETE ON item_search BEGIN "
    "INSERT INTO item_search_fts(item_search_fts, rowid, tokens) VALUES ('delete', old.item_id, old.tokens); END",
    "CREATE TRIGGER item_search_au AFTER UPDATE ON item_search BEGIN "
    "INSERT INTO item_search_fts(item_search_fts, rowid, tokens) VALUES ('delete', old.item_id, old.tokens); "
    "INSERT INTO item_search_fts(rowid, tokens) VALUES (new.item_id, new.tokens); END",
]
# ... and on PostgreSQL: the tokens as a stored 'simple' tsvector (no stemming: they are stems) with a GIN index.
# Stored, not an expression index: a plan that walks item ids newest first tests each row's vector, and
# computing it there cost 40 µs a row (124 ms for a query at 104,000 items; 3 ms stored).
SEARCH_GIN = [
    "ALTER TABLE item_search ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED",
    "CREATE INDEX ix_item_search_tsv ON item_search USING gin (tsv)",
]


def _0008_edit_times(op: Operations) -> None:
    """A week's edits are found by their fetch time, which had no index (0.27 s of a digest at 1,000,000
    items, scanning every version)."""
    op.create_index("ix_item_versions_fetched_at", "item_versions", ["fetched_at"])


def _0009_url_identity(op: Operations) -> None:
    """Keys computed again under w3lib's URL identity (IDN, escapes, dot segments, parameter order, the full
    tracking list); items that turn out to be one article are merged (pipeline.store.rekey)."""
    from pipeline.store.rekey import rekey

    done = rekey(op.get_bind())
    if done.rekeyed:
        log.info("migration 0009: %d item keys rewritten, %d copies merged", done.rekeyed, done.merged)


def _0010_doubtful_dates(op: Operations) -> None:
    """Publication dates that cannot be right (pipeline.ingest.dates) give way to the first-seen time, so the
    item is filed in the week we saw it; the claimed date is kept in claimed_published_at."""
    from pipeline.ingest.dates import EARLIEST, FUTURE_SLACK

    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("claimed_published_at", sa.DateTime(), nullable=True))
    items = sa.table(
        "items",
        sa.column("id", sa.Integer),
        sa.column("published_at", sa.DateTime),
        sa.column("first_seen_at", sa.DateTime),
        sa.column("claimed_published_at", sa.DateTime),
    )
    bind = op.get_bind()
    earliest = EARLIEST.replace(tzinfo=None)
    rows = bind.execute(
        sa.select(items.c.id, items.c.published_at, items.c.first_seen_at).where(
            sa.or_(items.c.published_at < earliest, items.c.published_at > items.c.first_seen_at)
        )
    ).all()
    doubtful = [
        (i, p)
        for i, p, seen in rows
        if p is not None and (p < earliest or (seen is not None and p > seen + FUTURE_SLACK))
    ]
    for item_id, claimed in doubtful:
        bind.execute(
            items.update().where(items.c.id == item_id).values(published_at=None, claimed_published_at=claimed)
        )
    if doubtful:
        log.info("migration 0010: %d doubtful publication dates set aside", len(doubtful))


def _0011_publishers(op: Operations) -> None:
    """An aggregator's entry names its outlet (Google News' <source>): kept per source row, so a story told by
    Reuters through Google News counts Reuters, and Google News never counts as an outlet of its own."""
    with op.batch_alter_table("item_sources") as batch:
        batch.add_column(sa.Column("publisher", sa.String(length=200), server_default="", nullable=False))


def _0012_list_indexes(op: Operations) -> None:
    """`items list` (newest first by item time: 2.1 s at 1,000,000 items, a sort of the whole store), the
    digest's feed health (a week of fetch attempts, a table that grows by a row per feed per crawl) and the
    last good crawl get indexes (tests/store/test_plans.py EXPLAINs every query on both backends)."""
    op.execute(ITEM_TIME_INDEX)
    op.create_index("ix_fetch_attempts_started_at", "fetch_attempts", ["started_at"])
    op.create_index("ix_crawl_runs_finished_at", "crawl_runs", ["finished_at"])


def _0013_workers(op: Operations) -> None:
    """Workers on several hosts against one PostgreSQL: a lease per feed host, and the workers `status` lists."""
    op.create_table(
        "host_leases",
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("host"),
    )
    op.create_table(
        "workers",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("seen_at", sa.DateTime(), nullable=True),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.Column("feeds_done", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def _add_host_column(op: Operations, table_name: str) -> None:
    """A `host` column on `table_name`, filled from each row's `url` (lower-cased host name, "" without one), in
    batches of 5,000 rows so that a large store is not read into memory at once."""
    from urllib.parse import urlsplit

    op.add_column(table_name, sa.Column("host", sa.String(length=255), nullable=False, server_default=""))
    conn = op.get_bind()
    table = sa.table(table_name, sa.column("id", sa.Integer), sa.column("url", sa.String), sa.column("host", sa.String))
    update = table.update().where(table.c.id == sa.bindparam("b_id")).values(host=sa.bindparam("b_host"))
    after = 0
    while rows := conn.execute(
        sa.select(table.c.id, table.c.url).where(table.c.id > after).order_by(table.c.id).limit(5000)
    ).all():
        hosts = [{"b_id": i, "b_host": h} for i, u in rows if (h := (urlsplit(u or "").hostname or "").lower())]
        if hosts:
            conn.execute(update, hosts)
        after = rows[-1][0]


def _0014_feed_hosts(op: Operations) -> None:
    """Each feed's host as a column, so a worker's claim finds the hosts with due feeds in one indexed query
    instead of reading every due feed (benchmarks/claims.py: 88 % of the time in the database at 20,000 feeds)."""
    _add_host_column(op, "feeds")
    op.create_index("ix_feeds_host", "feeds", ["host"])


def _0015_item_hosts(op: Operations) -> None:
    """Each item's article host as a column: workers lease article hosts as they lease feed hosts, so that a page
    host that several feeds link to (or that another worker's feeds live on) sees one worker's `per_host` at a
    time, and a claim finds the hosts with due articles by index."""
    _add_host_column(op, "items")
    op.create_index("ix_items_host_status", "items", ["host", "extraction_status"])
    op.create_index("ix_items_host_recheck", "items", ["host", "recheck_at"])


def _0016_linkless_item_hosts(op: Operations) -> None:
    """Items without a link (or one without a host) take their feed's host: 0015 left them "", which no worker
    claims, so one that a killed worker left pending stayed pending for good."""
    op.execute(
        "UPDATE items SET host = (SELECT feeds.host FROM feeds WHERE feeds.id = items.feed_id) "
        "WHERE host = '' "
        "AND EXISTS (SELECT 1 FROM feeds WHERE feeds.id = items.feed_id)"
    )


def _0017_item_meaning(op: Operations) -> None:
    """Each in-scope item's embedding, computed once per text for the story matcher (articles/meaning.py)."""
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("meaning", sa.LargeBinary(), nullable=True))


def _has_fts5(conn: Connection) -> bool:
    try:
        conn.exec_driver_sql("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
        conn.exec_driver_sql("DROP TABLE temp.fts5_probe")
    except sa.exc.OperationalError:
        return False
    return True


MIGRATIONS: list[Migration] = [
    ("0001_initial", _0001_initial),
    ("0002_full_text", _0002_full_text),
    ("0003_topics", _0003_topics),
    ("0004_digests", _0004_digests),
    ("0005_stories", _0005_stories),
    ("0006_corrections", _0006_corrections),
    ("0007_figures_and_search", _0007_figures_and_search),
    ("0008_edit_times", _0008_edit_times),
    ("0009_url_identity", _0009_url_identity),
    ("0010_doubtful_dates", _0010_doubtful_dates),
    ("0011_publishers", _0011_publishers),
    ("0012_list_indexes", _0012_list_indexes),
    ("0013_workers", _0013_workers),
    ("0014_feed_hosts", _0014_feed_hosts),
    ("0015_item_hosts", _0015_item_hosts),
    ("0016_linkless_item_hosts", _0016_linkless_item_hosts),
    ("0017_item_meaning", _0017_item_meaning),
]

_TABLE = sa.Table(
    "schema_migrations",
    sa.MetaData(),
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("applied_at", sa.DateTime(), nullable=False),
)


def _one_at_a_time(conn: Connection) -> None:
    """Workers on several hosts may start together against a new database: on PostgreSQL each step waits for the
    others' (a transaction-level advisory lock), then sees what they applied."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_keys.MIGRATIONS})


def applied(conn: Connection) -> list[str]:
    if not sa.inspect(conn).has_table("schema_migrations"):
        return []
    return [row[0] for row in conn.execute(sa.select(_TABLE.c.name).order_by(_TABLE.c.name))]


def pending(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        done = set(applied(conn))
    return [name for name, _ in MIGRATIONS if name not in done]


def upgrade(engine: Engine, *, until: str | None = None) -> list[str]:
    """Apply every migration not yet recorded (up to and including `until`); returns the names applied."""
    with engine.begin() as conn:
        _one_at_a_time(conn)
        _TABLE.create(conn, checkfirst=True)
        recorded = set(applied(conn))
    if all(name in recorded for name, _ in MIGRATIONS):
        return []
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    done: list[str] = []
    for name, step in MIGRATIONS:
        with engine.begin() as conn:
            _one_at_a_time(conn)
            if name not in applied(conn):
                step(Operations(MigrationContext.configure(conn, opts={"render_as_batch": True})))
                conn.execute(_TABLE.insert().values(name=name, applied_at=datetime.now(UTC).replace(tzinfo=None)))
                done.append(name)
        if name == until:  # reached, whether applied now or before: nothing after it
            break
    return done
