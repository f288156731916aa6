"""The article stage of a crawl: fetch each new item's page, extract it in a worker, store text and cluster.

Runs interleaved with the feed fetches on the same event loop and under the same fetch limits; the CPU work
(extraction, language, MinHash) goes to the worker pool so both cores are busy while the loop keeps fetching.
Article links come from third-party feeds, so their addresses are checked unless private URLs are allowed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from pipeline.articles.extract import Extracted
from pipeline.articles.fingerprint import SignatureIndex
from pipeline.articles.language import detect_language
from pipeline.domain import host_of
from pipeline.errors import FetchError, RedirectedAwayError, RefusedURLError
from pipeline.ingest.fetch import Fetcher
from pipeline.jobs.classifying import load_classifier, worker_files
from pipeline.jobs.pool_jobs import extract_and_classify, feed_text_and_classify
from pipeline.jobs.workers import in_pool
from pipeline.jobs.writer import BatchWriter
from pipeline.settings import Settings
from pipeline.store import articles as article_store

log = logging.getLogger("unionwatch.articles")

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


class ArticleStage:
    def __init__(
        self,
        fetcher: Fetcher,
        pool: Executor,
        engine: Engine,
        writer: BatchWriter,
        settings: Settings,
        clock: Callable[[], datetime],
        hosts: frozenset[str] | None = None,
    ) -> None:
        self.fetcher, self.pool, self.engine, self.settings, self.clock = fetcher, pool, engine, settings, clock
        self.writer = writer
        # a worker's round: pages are fetched only from the hosts it holds; the others stay due for their holder
        self.hosts = hosts
        self.classifier = load_classifier(settings)
        self._topics = worker_files(settings)
        self.limits = settings.extract
        self.counts: Counter[str] = Counter()
        self.new_versions = 0
        self._index: dict[str, SignatureIndex] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.jobs_total = self.jobs_done = 0

    def schedule(self, item_ids: list[int]) -> None:
        if item_ids and self.limits.enabled:
            self._tasks.append(asyncio.create_task(self._run(item_ids)))

    async def wait(self) -> None:
        while self._tasks:
            tasks, self._tasks = self._tasks, []
            await asyncio.gather(*tasks)

    async def stop(self) -> int:
        """Cancel what has not finished (the crawl's deadline passed); returns how many articles are left. Their
        items stay due, and the next crawl fetches them."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return self.jobs_total - self.jobs_done

    async def _run(self, item_ids: list[int]) -> None:
        with Session(self.engine) as session:
            jobs = [job for job in article_store.jobs_for(session, item_ids) if self._ours(job)]
        self.jobs_total += len(jobs)
        await asyncio.gather(*(self._one(job) for job in jobs))

    def _ours(self, job: article_store.ArticleJob) -> bool:
        needs_page = bool(job.url) and len(job.content) < self.limits.min_feed_text
        return self.hosts is None or not needs_page or host_of(job.url or "") in self.hosts

    async def _one(self, job: article_store.ArticleJob) -> None:
        try:
            await self._process(job)
        except Exception:  # one article's bug must not end the crawl; logged with its traceback
            log.exception("articles: item %d (%s): unexpected error", job.item_id, job.url)
            self.counts["failed"] += 1
        self.jobs_done += 1

    async def _process(self, job: article_store.ArticleJob) -> None:
        etag = last_modified = None
        if len(job.content) >= self.limits.min_feed_text:
            result = await in_pool(
                self.pool,
                feed_text_and_classify,
                job.content,
                title=job.title,
                topics=self._topics,
                lang_hint=job.lang_hint,
                url=job.url or "",
            )
        elif not job.url:
            result = Extracted(status="no_link", reason="article: the feed entry has no link")
        else:
            try:
                body = await self.fetcher.get(
                    job.url,
                    etag=job.etag if job.had_text else None,
                    last_modified=job.last_modified if job.had_text else None,
                    check_address=True,  # feeds are the user's choice; their links are not
                    accept=PAGE_ACCEPT,
                    hosts=self.hosts,
                )
            except RedirectedAwayError as exc:  # a worker's round: the page is for the holder of its new host
                await self.writer.write(
                    functools.partial(
                        article_store.hand_over, item_id=job.item_id, url=exc.target, attempts=job.attempts + 1
                    )
                )
                self.counts["handed_over"] += 1
                log.info("articles: item %d: %s; left for that host's worker", job.item_id, exc)
                return
            except RefusedURLError as exc:
                result = Extracted(status="refused", reason=str(exc))
            except FetchError as exc:
                result = Extracted(status="fetch_failed", reason=str(exc))
            else:
                if body.not_modified:
                    await self.writer.write(
                        functools.partial(
                            article_store.mark_not_modified,
                            item_id=job.item_id,
                            now=self.clock(),
                            recheck_after=self._recheck(job),
                        )
                    )
                    self.counts["not_modified"] += 1
                    return
                etag, last_modified = body.etag, body.last_modified
                result = await in_pool(
                    self.pool,
                    extract_and_classify,
                    body.body,
                    title=job.title,
                    topics=self._topics,
                    url=body.url,
                    content_type=body.content_type,
                    lang_hint=job.lang_hint,
                    need_date=job.published is None,
                )
        if not result.lang:
            result = replace(result, lang=detect_language(f"{job.title}. {job.summary}", hint=job.lang_hint))
        await self._store(job, result, etag, last_modified)

    def _recheck(self, job: article_store.ArticleJob) -> timedelta | None:
        now = self.clock()
        if job.published is not None and now - job.published > timedelta(days=self.limits.recheck_days):
            return None
        return timedelta(hours=self.limits.recheck_hours) if self.limits.recheck_hours else None

    async def _store(
        self, job: article_store.ArticleJob, result: Extracted, etag: str | None, last_modified: str | None
    ) -> None:
        now = self.clock()
        cluster_id = None
        if result.minhash is not None and not job.had_text:
            index = self._candidates(result.lang, now)
            match = index.match(result.minhash, exclude=job.item_id)
            cluster_id = match[0] if match else None
            index.add(job.item_id, cluster_id or job.item_id, result.minhash)  # now, so a twin in flight sees it
        good = result.status in article_store.GOOD
        text = result.text if good else (job.content or job.summary)
        topics = result.classification or self.classifier.classify(job.title, text, url=job.url or "", lang=result.lang)

        def write(session: Session) -> article_store.Outcome:
            outcome = article_store.apply_result(
                session,
                job,
                result,
                now,
                cluster_id=cluster_id,
                etag=etag,
                last_modified=last_modified,
                recheck_after=self._recheck(job) if good else None,
                verdict=topics,
            )
            return outcome

        outcome = await self.writer.write(write)
        if topics.topics:
            self.counts["topical"] += 1
        self.counts[result.status] += 1
        if outcome.new_version and outcome.new_version > 1:
            self.new_versions += 1
            log.info("articles: item %d changed, stored version %d (%s)", job.item_id, outcome.new_version, job.url)
        if not good and result.reason:
            log.info("articles: item %d: %s (%s)", job.item_id, result.status, result.reason)

    def _candidates(self, lang: str, now: datetime) -> SignatureIndex:
        if lang not in self._index:
            with Session(self.engine) as session:
                since = now - timedelta(days=self.limits.cluster_days)
                self._index[lang] = SignatureIndex(article_store.cluster_candidates(session, lang, since))
        return self._index[lang]

    def summary(self) -> str:
        extracted = self.counts["ok"] + self.counts["feed"]
        failed = sum(
            v
            for k, v in self.counts.items()
            if k not in ("ok", "feed", "not_modified", "topical", "disabled", "handed_over")
        )
        text = f"articles: {extracted} extracted ({self.counts['feed']} from the feed), {failed} without text"
        if self.counts["handed_over"]:
            text += f", {self.counts['handed_over']} moved to a host another worker holds"
        if self.new_versions:
            text += f", {self.new_versions} edited"
        text += f"; {self.counts['topical']} on a monitored topic"
        return text
