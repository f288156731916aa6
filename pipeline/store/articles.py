"""The full-text side of items: which need work, and storing what extraction found (text, versions, cluster)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, insert, or_, update
from sqlmodel import Session, col, select

from pipeline.articles.extract import Extracted
from pipeline.articles.fingerprint import text_hash
from pipeline.domain import host_of
from pipeline.ingest.dates import plausible
from pipeline.store import topics as topic_store
from pipeline.store.corrections import corrected
from pipeline.store.models import Feed, Item, ItemVersion
from pipeline.topics.classify import Classification

GOOD = ("ok", "feed")


@dataclass(frozen=True)
class ArticleJob:
    """What the article stage needs to know about one item; plain values, no session."""

    item_id: int
    url: str | None
    title: str
    summary: str
    content: str
    lang_hint: str
    etag: str | None
    last_modified: str | None
    attempts: int
    had_text: bool
    published: datetime | None
    text_hash: str | None = None
    cluster_id: int | None = None
    author: str = ""
    site_name: str = ""


def jobs_for(session: Session, item_ids: list[int]) -> list[ArticleJob]:
    if not item_ids:
        return []
    rows = session.exec(
        select(Item, Feed.lang).join(Feed, col(Feed.id) == Item.feed_id).where(col(Item.id).in_(item_ids))
    ).all()
    return [
        ArticleJob(
            item_id=item.id or 0,
            url=item.url,
            title=item.title,
            summary=item.summary,
            content=item.content,
            lang_hint=lang,
            etag=item.article_etag,
            last_modified=item.article_last_modified,
            attempts=item.extraction_attempts,
            had_text=item.extraction_status in GOOD,
            published=item.published_at,
            text_hash=item.text_hash,
            cluster_id=item.cluster_id,
            author=item.author,
            site_name=item.site_name,
        )
        for item, lang in rows
    ]


def article_due(now: datetime, max_attempts: int) -> ColumnElement[bool]:
    """An item whose article page is due: left pending by an interrupted crawl or a passing failure, or young
    and due a recheck for edits."""
    return or_(
        (col(Item.extraction_status).in_(["pending", "fetch_failed"])) & (col(Item.extraction_attempts) < max_attempts),
        col(Item.recheck_at) <= now,
    )


def due_item_ids(
    session: Session, now: datetime, *, max_attempts: int, limit: int = 5000, hosts: Iterable[str] | None = None
) -> list[int]:
    """Items whose article is due (on `hosts` only, when a worker holds those hosts)."""
    query = select(Item.id).where(article_due(now, max_attempts)).order_by(col(Item.id)).limit(limit)
    if hosts is not None:
        query = query.where(col(Item.host).in_(list(hosts)))
    return [int(i) for i in session.exec(query).all() if i is not None]


def hand_over(session: Session, *, item_id: int, url: str, attempts: int) -> None:
    """The item's page redirects to another host: it is to be fetched there, by whichever worker holds that host
    (a worker keeps only its own hosts polite). The status stays, so the page is still due; the hand-over counts
    as an attempt, so a page bouncing between hosts stops at `max_attempts`. The caller commits."""
    session.execute(
        update(Item).where(col(Item.id) == item_id).values(url=url, host=host_of(url), extraction_attempts=attempts)
    )


def cluster_candidates(session: Session, lang: str, since: datetime) -> list[tuple[int, int, bytes]]:
    """(id, cluster id, signature) of recent items in one language, for near-duplicate matching."""
    rows = session.exec(
        select(Item.id, Item.cluster_id, Item.minhash).where(
            Item.lang == lang,
            col(Item.minhash).is_not(None),
            col(Item.first_seen_at) >= since,
        )
    ).all()
    return [(int(i or 0), int(c or i or 0), bytes(m)) for i, c, m in rows if m]


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str = ""
    new_version: int | None = None


def apply_result(
    session: Session,
    job: ArticleJob,
    result: Extracted,
    now: datetime,
    *,
    cluster_id: int | None,
    etag: str | None,
    last_modified: str | None,
    recheck_after: timedelta | None,
    verdict: Classification | None = None,
) -> Outcome:
    """Store one extraction; a changed text becomes a new version, the old ones stay. Caller commits.

    Core statements, not the ORM: this runs once per article on the event loop's thread.
    """
    old_hash, old_cluster, author, published = job.text_hash, job.cluster_id, job.author, job.published
    site_name, title = job.site_name, job.title
    values: dict[str, object] = {
        "extracted_at": now,
        "extraction_attempts": job.attempts + 1,
        "article_etag": etag,
        "article_last_modified": last_modified,
        "recheck_at": now + recheck_after if recheck_after is not None else None,
    }
    new_version = None
    if result.status in GOOD:
        digest = result.text_hash or text_hash(result.text)
        values.update(
            extraction_status=result.status,
            extraction_reason=None,
            text=result.text,
            minhash=result.minhash,
            text_hash=digest,
            site_name=(result.site_name or site_name)[:200],
            author=author or result.author,
            published_at=published or (result.published if plausible(result.published, now) else None),
            cluster_id=old_cluster or cluster_id or job.item_id,
        )
        if result.lang:
            values["lang"] = result.lang
        if digest != old_hash:
            new_version = 1
            if old_hash is not None:
                latest = session.execute(
                    select(func.max(ItemVersion.version)).where(ItemVersion.item_id == job.item_id)
                ).scalar()
                new_version = int(latest or 0) + 1
            session.execute(
                insert(ItemVersion).values(
                    item_id=job.item_id,
                    version=new_version,
                    fetched_at=now,
                    title=result.title or title,
                    text=result.text,
                    content_hash=digest,
                )
            )
    elif not job.had_text:  # a failed recheck never replaces text we already have
        fallback = job.content or job.summary
        values.update(
            extraction_status=result.status,
            extraction_reason=result.reason,
            text=result.text if len(result.text) > len(fallback) else fallback,
            cluster_id=old_cluster or job.item_id,
        )
        if result.lang:
            values["lang"] = result.lang
    else:
        values["extraction_reason"] = f"recheck: {result.reason}"
    if "text" in values:
        values["meaning"] = None  # a new text means its vector is computed again
    if verdict is not None:
        verdict = corrected(session, job.item_id, verdict)
        values.update(relevant=verdict.relevant, relevance=verdict.relevance, classified_at=now, figures_at=None)
        topic_store.replace_topics(session, job.item_id, verdict)
    session.execute(update(Item).where(col(Item.id) == job.item_id).values(**values))
    return Outcome(result.status, result.reason, new_version)


def mark_not_modified(session: Session, item_id: int, now: datetime, recheck_after: timedelta | None) -> None:
    session.execute(
        update(Item)
        .where(col(Item.id) == item_id)
        .values(extracted_at=now, recheck_at=now + recheck_after if recheck_after is not None else None)
    )


def versions_of(session: Session, item_id: int) -> list[ItemVersion]:
    query = select(ItemVersion).where(ItemVersion.item_id == item_id).order_by(col(ItemVersion.version))
    return list(session.exec(query).all())


def cluster_members(session: Session, cluster_id: int, *, story: bool = False) -> list[tuple[Item, str]]:
    """The items of a near-duplicate cluster, or (`story`) of a story: the event across outlets."""
    column = Item.story_id if story else Item.cluster_id
    query = (
        select(Item, Feed.name)
        .join(Feed, col(Feed.id) == Item.feed_id)
        .where(column == cluster_id)
        .order_by(col(Item.first_seen_at), col(Item.id))
    )
    return [(i, n) for i, n in session.exec(query).all()]
