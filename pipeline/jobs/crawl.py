"""`unionwatch crawl`: every due feed is fetched, parsed and stored; one feed's failure is only its own.

Fetching runs concurrently on the event loop; parsing runs in worker processes; each feed's items and its new
state (validators, health) are committed in one transaction, so a crawl killed at any point loses at most the
feeds still in flight and a rerun stores nothing twice.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col

from pipeline.domain import SILENT, FetchedBody, ParsedFeed, host_of
from pipeline.errors import ConfigError, FetchError, ParseError, UnionWatchError
from pipeline.ingest.backoff import next_check
from pipeline.ingest.feedlist import load_sources
from pipeline.ingest.fetch import FEED_ACCEPT, Fetcher, host_agents
from pipeline.jobs.articles import ArticleStage
from pipeline.jobs.classifying import worker_files
from pipeline.jobs.indexing import index_items, indicators_of
from pipeline.jobs.pool_jobs import parse_and_classify
from pipeline.jobs.stories import assign_stories
from pipeline.jobs.workers import in_pool, make_pool
from pipeline.jobs.writer import BatchWriter
from pipeline.settings import Settings
from pipeline.store import articles as article_store
from pipeline.store import feeds as feed_store
from pipeline.store import items as item_store
from pipeline.store import topics as topic_store
from pipeline.store.leases import one_at_a_time
from pipeline.store.models import CrawlRun, Feed, FetchAttempt
from pipeline.text import plural
from pipeline.topics.classify import Classification

log = logging.getLogger("unionwatch.crawl")


@dataclass
class FeedOutcome:
    name: str
    outcome: str  # ok, not_modified, error
    items_new: int = 0
    items_seen: int = 0
    error: str | None = None
    new_item_ids: list[int] = field(default_factory=list)
    changed_item_ids: list[int] = field(default_factory=list)


@dataclass
class CrawlSummary:
    fetched: int = 0
    not_modified: int = 0
    failed: int = 0
    silent: int = 0  # fetched, and answered with no items
    feeds_left: int = 0  # not done when the crawl's deadline came: due again next run
    articles_left: int = 0
    items_new: int = 0
    items_seen: int = 0
    articles: str = ""
    stories: tuple[int, int] = (0, 0)  # in-scope items given a story, of which joined another item's
    figures: int = 0  # baseline figures the newly classified items state
    seconds: float = 0.0
    outcomes: list[FeedOutcome] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"crawl: {plural(self.fetched, 'feed')} fetched"
            + (f" ({self.silent} silent: no items)" if self.silent else "")
            + f", {self.not_modified} not modified, {self.failed} failed; "
            f"{plural(self.items_new, 'item')} new, {self.items_seen} seen again; "
            + (f"{self.articles}; " if self.articles else "")
            + (
                f"{self.stories[0]} in scope, {plural(self.stories[0] - self.stories[1], 'new story', 'new stories')}; "
                if self.stories[0]
                else ""
            )
            + (f"{self.figures} baseline figures; " if self.figures else "")
            + (
                f"deadline reached: {plural(self.feeds_left, 'feed')} and {plural(self.articles_left, 'article')} "
                "left for the next run; "
                if self.feeds_left or self.articles_left
                else ""
            )
            + f"{self.seconds:.1f}s"
        )

    def add(self, outcome: FeedOutcome) -> None:
        self.outcomes.append(outcome)
        if outcome.outcome in ("ok", SILENT):
            self.fetched += 1
            self.silent += outcome.outcome == SILENT
        elif outcome.outcome == "not_modified":
            self.not_modified += 1
        else:
            self.failed += 1
        self.items_new += outcome.items_new
        self.items_seen += outcome.items_seen


Progress = Callable[[FeedOutcome], None]


@dataclass(frozen=True)
class CrawlOptions:
    """How one crawl runs; every field has the default a scheduled crawl wants.

    `now` fixes the clock for stored times (tests, replays); `transport` replaces the network (tests);
    `workers` overrides `extract.workers` (0: everything in this process).
    """

    now: datetime | None = None
    force: bool = False
    progress: Progress | None = None
    on_start: Callable[[int], None] | None = None
    transport: httpx.AsyncBaseTransport | None = None
    workers: int | None = None
    # one worker's share of a crawl several workers run against one database: the feeds of these hosts only
    # (the worker holds their leases), no sync of the feeds file, and the other workers' runs left alone
    hosts: frozenset[str] | None = None
    cycle: datetime | None = None  # with `hosts`: feeds already attempted since this time are not due again
    settle: bool = True  # give the new items stories and read their figures at the end (a worker does it less often)


@dataclass(frozen=True)
class _DueFeed:
    """What a feed's fetch needs from its stored row, read once before the fetches start."""

    feed_id: int
    name: str
    url: str
    etag: str | None
    last_modified: str | None
    failures: int


@dataclass(frozen=True)
class _Attempt:
    """One feed's fetch in one crawl: what its fetch_attempts row records, whatever the outcome."""

    feed: _DueFeed
    run_id: int
    started_at: datetime
    t0: float

    def duration_ms(self) -> int:
        return int((time.perf_counter() - self.t0) * 1000)


def crawl(settings: Settings, engine: Engine, options: CrawlOptions | None = None) -> CrawlSummary:
    """Run one crawl to completion."""
    return asyncio.run(crawl_async(settings, engine, options))


async def crawl_async(settings: Settings, engine: Engine, options: CrawlOptions | None = None) -> CrawlSummary:
    options = options or CrawlOptions()
    started = time.perf_counter()
    clock = _Clock(options.now)
    sources = load_sources(settings.feeds)
    shared = options.hosts is not None
    with Session(engine) as session:
        if not shared:  # a worker syncs the feeds file before it claims, under an advisory lock
            feed_store.sync_sources(session, sources, clock())
        due = [
            _DueFeed(f.id or 0, f.name, f.url, f.etag, f.last_modified, f.consecutive_failures)
            for f in feed_store.due_feeds(session, clock(), force=options.force, hosts=options.hosts)
            if options.cycle is None or f.last_attempt_at is None or f.last_attempt_at < options.cycle
        ]
        if not shared:  # a crawl runs under the run lock: one still "running" now was killed before it could say so
            session.execute(
                update(CrawlRun)
                .where(col(CrawlRun.status) == "running")
                .values(status="interrupted", error="the process ended before the crawl finished (killed?)")
            )
        run = CrawlRun(started_at=clock())
        session.add(run)
        session.commit()
        run_id = run.id or 0
    if options.on_start:
        options.on_start(len(due))
    summary = CrawlSummary()
    pool = make_pool(settings.extract.workers if options.workers is None else options.workers)
    try:
        async with Fetcher(
            settings.fetch,
            settings.user_agent,
            allow_private=settings.allow_private_urls,
            transport=options.transport,
            host_agents=host_agents(sources),
        ) as fetcher:
            writer = BatchWriter(engine)
            stage = ArticleStage(fetcher, pool, engine, writer, settings, clock, options.hosts)
            with Session(engine) as session:  # left by an interrupted crawl, or due a check for edits
                stage.schedule(
                    article_store.due_item_ids(
                        session, clock(), max_attempts=settings.extract.max_attempts, hosts=options.hosts
                    )
                )
            tasks = [
                asyncio.create_task(_crawl_feed(fetcher, pool, writer, settings, clock, run_id, feed)) for feed in due
            ]
            try:
                async with asyncio.timeout(settings.fetch.crawl_deadline):
                    for task in asyncio.as_completed(tasks):
                        outcome = await task
                        stage.schedule(outcome.new_item_ids + outcome.changed_item_ids)
                        summary.add(outcome)
                        if options.progress:
                            options.progress(outcome)
                    await stage.wait()
            except TimeoutError:  # what is left stays due: the feeds keep their check time, the items their status
                summary.feeds_left = sum(1 for task in tasks if not task.done())
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                summary.articles_left = await stage.stop()
                writer.flush()
                log.warning(
                    "crawl: deadline of %gs reached; %d feeds and %d articles left for the next run",
                    settings.fetch.crawl_deadline, summary.feeds_left, summary.articles_left,
                )  # fmt: skip
            if stage.counts:
                summary.articles = stage.summary()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if options.settle:
        summary.stories, summary.figures = settle(settings, engine, clock())
    summary.seconds = time.perf_counter() - started
    with Session(engine) as session:
        run_row = session.get(CrawlRun, run_id)
        if run_row is not None:
            run_row.finished_at = clock()
            run_row.status = "completed"
            run_row.feeds_fetched = summary.fetched
            run_row.feeds_not_modified = summary.not_modified
            run_row.feeds_failed = summary.failed
            run_row.items_new = summary.items_new
            run_row.items_seen = summary.items_seen
            session.add(run_row)
            session.commit()
    return summary


def settle(settings: Settings, engine: Engine, now: datetime) -> tuple[tuple[int, int], int]:
    """Stories for the items that have none, and the baseline figures of newly classified items: what a crawl
    does after its fetches. One process at a time (workers on other hosts do it too)."""
    figures = 0
    with one_at_a_time(engine, "stories and figures"):
        stories = assign_stories(engine, now, meaning=settings.story_meaning)
        try:
            figures = index_items(engine, indicators_of(settings), now)[1]
        except ConfigError as exc:  # the crawl's items are stored; the figures wait for the baseline to be fixed
            log.warning("%s; figures not read this time", exc)
    return stories, figures


class _Clock:
    """The crawl's notion of now: fixed when a test or replay gives one, else the real UTC time."""

    def __init__(self, fixed: datetime | None) -> None:
        self.fixed = fixed

    def __call__(self) -> datetime:
        return self.fixed if self.fixed is not None else datetime.now(UTC)


async def _crawl_feed(
    fetcher: Fetcher,
    pool: Executor,
    writer: BatchWriter,
    settings: Settings,
    clock: _Clock,
    run_id: int,
    feed: _DueFeed,
) -> FeedOutcome:
    attempt = _Attempt(feed, run_id, clock(), time.perf_counter())
    body: FetchedBody | None = None
    error: UnionWatchError | None = None
    parsed: ParsedFeed | None = None
    verdicts: dict[str, Classification] = {}
    topics = worker_files(settings)
    try:
        body = await fetcher.get(feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT)
        if not body.not_modified:
            parsed, verdicts = await in_pool(
                pool, parse_and_classify, body.body, feed.name, body.content_type, body.url, topics
            )
    except (FetchError, ParseError) as exc:
        error = exc
    except Exception as exc:  # a bug in one feed's path must not end the crawl; it is logged and counted
        log.exception("crawl: feed %s: unexpected error", feed.name)
        error = UnionWatchError(f"crawl: feed {feed.name}: internal error {type(exc).__name__}: {exc}")

    async def fail(failure: UnionWatchError) -> FeedOutcome:
        return await writer.write(
            functools.partial(_record_failure, settings=settings, now=clock(), attempt=attempt, exc=failure, body=body)
        )

    if error is not None or body is None:
        return await fail(error or UnionWatchError(f"crawl: feed {feed.name}: no response"))
    try:
        return await writer.write(
            functools.partial(
                _record_success, now=clock(), attempt=attempt, body=body, parsed=parsed, verdicts=verdicts
            )
        )
    except (SQLAlchemyError, ValueError) as exc:  # the store refused what this feed gave: the feed fails, not the run
        log.warning("crawl: feed %s: its items could not be stored (%s)", feed.name, exc)
        reason = (str(getattr(exc, "orig", None) or exc) or type(exc).__name__).splitlines()[0][:200]
        return await fail(UnionWatchError(f"store: feed {feed.name}: items refused by the database ({reason})"))


def _record_success(
    session: Session,
    now: datetime,
    attempt: _Attempt,
    body: FetchedBody,
    parsed: ParsedFeed | None,
    verdicts: dict[str, Classification],
) -> FeedOutcome:
    feed_id, name = attempt.feed.feed_id, attempt.feed.name
    changes: dict[str, object] = {
        "last_attempt_at": now,
        "last_success_at": now,
        "consecutive_failures": 0,
        "failing_since": None,
        "next_check_at": now,
    }
    if body.permanent_url:
        log.info("fetch: feed %s moved permanently to %s", name, body.permanent_url)
        changes["url"] = body.permanent_url
        changes["host"] = host_of(body.permanent_url)
    if not body.not_modified:  # a 304 keeps the validators we sent
        changes["etag"] = body.etag
        changes["last_modified"] = body.last_modified
    elif body.etag:
        changes["etag"] = body.etag
    stored = item_store.StoredEntries([], 0)
    if parsed is not None:
        stored = item_store.store_entries(
            session, feed_id, parsed.entries, now, feed_host=host_of(body.permanent_url or attempt.feed.url)
        )
        topic_store.save_new(
            session,
            [(i, verdicts[k]) for i, k in zip(stored.new_ids, stored.new_keys, strict=True) if k in verdicts],
            now,
        )
        changes["last_warning"] = parsed.warning
        if not parsed.entries:  # 200 and an empty list: a feed that stopped, not a quiet week
            changes["last_warning"] = f"{SILENT}: answered with no items ({len(body.body):,} bytes)"
            log.warning("parse: feed %s: %s", name, changes["last_warning"])
        if parsed.title:
            changes["title"] = parsed.title[:500]
        if parsed.warning:
            log.warning("parse: feed %s: malformed, kept %d items (%s)", name, len(parsed.entries), parsed.warning)
    outcome = "not_modified" if body.not_modified else SILENT if parsed is not None and not parsed.entries else "ok"
    feed_store.update_feed(session, feed_id, changes)
    feed_store.add_attempt(
        session,
        feed_id=feed_id,
        crawl_id=attempt.run_id,
        started_at=attempt.started_at,
        duration_ms=attempt.duration_ms(),
        outcome=outcome,
        http_status=body.status,
        warning=changes.get("last_warning") if parsed else None,
        bytes=len(body.body),
        items_new=len(stored.new_ids),
        items_seen=stored.seen,
    )
    return FeedOutcome(
        name,
        outcome,
        len(stored.new_ids),
        stored.seen,
        new_item_ids=stored.new_ids,
        changed_item_ids=stored.changed_ids,
    )


def _record_failure(
    session: Session,
    settings: Settings,
    now: datetime,
    attempt: _Attempt,
    exc: UnionWatchError,
    body: FetchedBody | None,
) -> FeedOutcome:
    feed_id, name, failures = attempt.feed.feed_id, attempt.feed.name, attempt.feed.failures
    message = str(exc)
    if not message.startswith(("fetch:", "parse:", "crawl:")):
        message = f"crawl: {message}"
    message = f"feed {name}: {message}" if f"feed {name}" not in message else message
    log.warning("%s", message)
    status = getattr(exc, "status", None) or (body.status if body else None)
    feed = session.get(Feed, feed_id)
    assert feed is not None
    feed.consecutive_failures = failures + 1
    feed.failing_since = feed.failing_since or now
    feed.last_attempt_at = feed.last_error_at = now
    feed.last_error = message
    feed.next_check_at = next_check(
        now,
        feed.consecutive_failures,
        base=settings.fetch.failure_backoff,
        ceiling=settings.fetch.failure_backoff_max,
        retry_after=exc.retry_after if isinstance(exc, FetchError) else None,
    )
    session.add(feed)
    session.add(
        FetchAttempt(
            feed_id=feed_id,
            crawl_id=attempt.run_id,
            started_at=attempt.started_at,
            duration_ms=attempt.duration_ms(),
            outcome="error",
            http_status=status,
            error=message,
            bytes=len(body.body) if body else 0,
        )
    )
    return FeedOutcome(name, "error", error=message)
