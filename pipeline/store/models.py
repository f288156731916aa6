"""Tables. Times are stored as naive UTC and come back aware (UTC), whatever the backend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, LargeBinary, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC time")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return as_utc(value)


def as_utc(value: Any) -> datetime | None:
    """A stored time as an aware UTC datetime; SQLite hands back text where a query bypasses the column type
    (aggregates, raw SQL)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _time(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _text() -> Any:
    return Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class Feed(SQLModel, table=True):
    __tablename__ = "feeds"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    config_url: str = Field(max_length=2000)  # as the feeds file says; a change there resets `url`
    url: str = Field(max_length=2000)  # where we fetch now (after permanent redirects)
    host: str = Field(default="", max_length=255, index=True)  # of `url`: what workers lease (store/leases.py)
    lang: str = Field(default="", max_length=16)
    tags: str = Field(default="")  # comma-separated
    enabled: bool = True
    title: str = Field(default="", max_length=500)
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    last_attempt_at: datetime | None = _time()
    last_success_at: datetime | None = _time()
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    last_error_at: datetime | None = _time()
    last_warning: str | None = Field(default=None, sa_column=Column(Text))
    failing_since: datetime | None = _time()
    consecutive_failures: int = 0
    next_check_at: datetime | None = _time()
    created_at: datetime | None = _time()


class CrawlRun(SQLModel, table=True):
    __tablename__ = "crawl_runs"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime | None = _time(index=True)
    finished_at: datetime | None = _time(index=True)  # the last good crawl, a week's crawls (migration 0012)
    status: str = Field(default="running", max_length=20)  # running, completed, failed
    feeds_fetched: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    items_new: int = 0
    items_seen: int = 0
    error: str | None = Field(default=None, sa_column=Column(Text))


class FetchAttempt(SQLModel, table=True):
    __tablename__ = "fetch_attempts"

    id: int | None = Field(default=None, primary_key=True)
    feed_id: int = Field(foreign_key="feeds.id", index=True)
    crawl_id: int | None = Field(default=None, foreign_key="crawl_runs.id", index=True)
    started_at: datetime | None = _time(index=True)  # a week's feed health (migration 0012)
    duration_ms: int = 0
    outcome: str = Field(max_length=20)  # ok, not_modified, error
    http_status: int | None = None
    error: str | None = Field(default=None, sa_column=Column(Text))
    warning: str | None = Field(default=None, sa_column=Column(Text))
    bytes: int = 0
    items_new: int = 0
    items_seen: int = 0


class Item(SQLModel, table=True):
    __tablename__ = "items"
    # a worker's claim and its round look for the due articles of a host (store/leases.py, migration 0015)
    __table_args__ = (
        Index("ix_items_host_status", "host", "extraction_status"),
        Index("ix_items_host_recheck", "host", "recheck_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=2000)  # canonical URL, or guid:/hash: when the entry has none
    canonical_url: str | None = Field(default=None, max_length=2000)
    url: str | None = Field(default=None, max_length=2000)  # the link as first seen
    host: str = Field(default="", max_length=255)  # of `url` (else its feed's): whose worker handles it
    guid: str | None = Field(default=None, max_length=2000, index=True)
    feed_id: int = Field(foreign_key="feeds.id", index=True)  # the first feed it was seen in
    title: str = _text()
    summary: str = _text()
    content: str = _text()  # full text carried by the feed, if any
    author: str = _text()
    published_at: datetime | None = _time(index=True)
    # a date the feed or page gave that cannot be right (migration 0010): kept to show, not filed by
    claimed_published_at: datetime | None = _time()
    first_seen_at: datetime | None = _time(nullable=False, index=True)
    last_seen_at: datetime | None = _time()
    # full text (migration 0002)
    text: str = _text()  # the best text we have: extracted, else the feed's full text, else the summary
    lang: str = Field(default="", max_length=8, index=True)
    extraction_status: str = Field(default="pending", max_length=20, index=True)
    extraction_reason: str | None = Field(default=None, sa_column=Column(Text))
    extraction_attempts: int = 0
    extracted_at: datetime | None = _time()
    recheck_at: datetime | None = _time(index=True)  # when to fetch the article again to notice edits
    article_etag: str | None = Field(default=None, max_length=500)
    article_last_modified: str | None = Field(default=None, max_length=100)
    site_name: str = Field(default="", max_length=200)
    text_hash: str | None = Field(default=None, max_length=64)
    minhash: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    cluster_id: int | None = Field(default=None, index=True)  # near-duplicate copies (MinHash)
    # classification (migration 0003)
    relevant: bool | None = Field(default=None, index=True)
    relevance: float = 0.0
    classified_at: datetime | None = _time()
    # stories (migration 0005): the event an item reports, across outlets and languages
    story_id: int | None = Field(default=None, index=True)
    # the meaning of its headline and lead (migration 0017): float16 e5 vector, None until computed or after the
    # text changed; only with the optional extra (articles/meaning.py)
    meaning: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    # figures (migration 0007): when its text was last read for baseline figures; None: due (new or reclassified)
    figures_at: datetime | None = _time(index=True)


class Correction(SQLModel, table=True):
    """An analyst's word on an item (migration 0006): it outranks the classifier, now and on every re-run."""

    __tablename__ = "corrections"
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    kind: str = Field(max_length=20)  # topic, not, out-of-scope, in-scope
    topic: str | None = Field(default=None, max_length=64)
    created_at: datetime = _time(nullable=False)


class ItemTopic(SQLModel, table=True):
    """A topic assigned to an item, with its score and the sentences that earned it."""

    __tablename__ = "item_topics"
    __table_args__ = (UniqueConstraint("item_id", "topic", name="uq_item_topics_item_topic"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    topic: str = Field(max_length=64, index=True)
    score: float = 0.0
    evidence: str = _text()  # JSON list of sentences
    terms: str = _text()  # JSON list of the terms that matched


class ItemFigure(SQLModel, table=True):
    """A figure an item states for a baseline indicator (migration 0007): found once, when the item is
    classified, so the digest and the indicator pages only read them."""

    __tablename__ = "item_figures"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    indicator: str = Field(max_length=64, index=True)
    value: float
    unit: str = Field(default="", max_length=100)
    period: str | None = Field(default=None, max_length=10)
    sentence: str = _text()
    # the item's time, or when an edit brought the figure: the week a digest reports it in
    reported_at: datetime | None = _time(nullable=False, index=True)


class ItemSearch(SQLModel, table=True):
    """An item's words as the search matches them (pipeline/topics/search_terms.py), written with its figures:
    SQLite indexes them with FTS5 (item_search_fts), PostgreSQL with a GIN index over a tsvector."""

    __tablename__ = "item_search"

    item_id: int = Field(foreign_key="items.id", primary_key=True)
    tokens: str = _text()


class ItemSource(SQLModel, table=True):
    __tablename__ = "item_sources"
    __table_args__ = (UniqueConstraint("item_id", "feed_id", name="uq_item_sources_item_feed"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    feed_id: int = Field(foreign_key="feeds.id", index=True)
    guid: str | None = Field(default=None, max_length=2000)
    url: str | None = Field(default=None, max_length=2000)
    # the outlet an aggregator's entry names (migration 0011): the source of the item through this feed
    publisher: str = Field(default="", max_length=200)
    first_seen_at: datetime | None = _time()
    last_seen_at: datetime | None = _time()


class ItemVersion(SQLModel, table=True):
    __tablename__ = "item_versions"
    __table_args__ = (UniqueConstraint("item_id", "version", name="uq_item_versions_item_version"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    version: int
    fetched_at: datetime | None = _time(index=True)  # a week's edits are found by it (migration 0008)
    title: str = _text()
    text: str = _text()
    content_hash: str = Field(max_length=64)


Index("ix_item_sources_feed_guid", ItemSource.feed_id, ItemSource.guid)  # type: ignore[arg-type]


class DigestRecord(SQLModel, table=True):
    """A week's digest as it was built and mailed: the archive is rebuilt from these rows."""

    __tablename__ = "digests"

    id: int | None = Field(default=None, primary_key=True)
    week: str = Field(max_length=10, unique=True)  # 2026-W47
    built_at: datetime | None = _time(nullable=False)
    message_id: str = Field(max_length=300)  # kept, so that a retried or forced mail is the same message
    subject: str = Field(default="", max_length=500)
    data: str = _text()  # the digest's JSON
    search_text: str = _text()  # what the week said (Digest.search_text): what `archive search` reads
    search_tokens: str = _text()  # the same as search tokens (migration 0007)


class Delivery(SQLModel, table=True):
    """One recipient's copy of one week's digest: pending until the server accepts it, failed when it refuses."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("week", "recipient", name="uq_deliveries_week_recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    week: str = Field(max_length=10, index=True)
    recipient: str = Field(max_length=320)
    status: str = Field(default="pending", max_length=20, index=True)  # pending, sent, failed
    transport: str = Field(default="", max_length=20)
    attempts: int = 0
    created_at: datetime | None = _time()
    last_attempt_at: datetime | None = _time()
    next_attempt_at: datetime | None = _time()
    sent_at: datetime | None = _time()
    reply: str | None = Field(default=None, sa_column=Column(Text))  # the server's last answer


class HostLease(SQLModel, table=True):
    """Which worker fetches from a host until when: the unit of work shared between workers on several machines
    is a host's due feeds and article pages, so no host sees more than one worker's `per_host` requests at once."""

    __tablename__ = "host_leases"

    host: str = Field(primary_key=True, max_length=255)
    worker: str | None = Field(default=None, max_length=200)
    until: datetime | None = _time()


class Worker(SQLModel, table=True):
    """A `unionwatch worker` process, as `status` lists it: alive while it says so within its lease time."""

    __tablename__ = "workers"

    id: str = Field(primary_key=True, max_length=200)  # hostname:pid:start
    hostname: str = Field(default="", max_length=255)
    pid: int = 0
    started_at: datetime | None = _time()
    seen_at: datetime | None = _time()
    stopped_at: datetime | None = _time()
    feeds_done: int = 0
