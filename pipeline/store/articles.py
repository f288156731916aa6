"""The full-text side of items: which need work, and storing what extraction found (text, versions, cluster)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from pipeline.extract import Extracted
from pipeline.fingerprint import text_hash
from pipeline.store.models import Feed, Item, ItemVersion

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
        )
        for item, lang in rows
    ]


def due_item_ids(session: Session, now: datetime, *, max_attempts: int, limit: int = 5000) -> list[int]:
    """Items left pending by an interrupted crawl or a passing failure, and young articles due a recheck."""
    query = (
        select(Item.id)
        .where(
            or_(
                (col(Item.extraction_status).in_(["pending", "fetch_failed"]))
                & (col(Item.extraction_attempts) < max_attempts),
                col(Item.recheck_at) <= now,
            )
        )
        .order_by(col(Item.id))
        .limit(limit)
    )
    return [int(i) for i in session.exec(query).all() if i is not None]


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
) -> Outcome:
    """Store one extraction; a changed text becomes a new version, the old ones stay. Caller commits."""
    item = session.get(Item, job.item_id)
    assert item is not None
    item.extracted_at = now
    item.extraction_attempts = job.attempts + 1
    item.article_etag, item.article_last_modified = etag, last_modified
    item.recheck_at = now + recheck_after if recheck_after is not None else None
    new_version = None
    if result.status in GOOD:
        item.extraction_status, item.extraction_reason = result.status, None
        item.text = result.text
        item.lang = result.lang or item.lang
        item.minhash = result.minhash
        item.site_name = (result.site_name or item.site_name)[:200]
        item.author = item.author or result.author
        item.published_at = item.published_at or result.published
        digest = result.text_hash or text_hash(result.text)
        if digest != item.text_hash:
            latest = session.exec(select(func.max(ItemVersion.version)).where(ItemVersion.item_id == job.item_id)).one()
            new_version = int(latest or 0) + 1
            session.add(
                ItemVersion(
                    item_id=job.item_id,
                    version=new_version,
                    fetched_at=now,
                    title=result.title or item.title,
                    text=result.text,
                    content_hash=digest,
                )
            )
            item.text_hash = digest
        if item.cluster_id is None:
            item.cluster_id = cluster_id or job.item_id
    elif not job.had_text:  # a failed recheck never replaces text we already have
        item.extraction_status = result.status
        item.extraction_reason = result.reason
        item.text = result.text if len(result.text) > len(job.content or job.summary) else (job.content or job.summary)
        item.lang = result.lang or item.lang
        item.cluster_id = item.cluster_id or job.item_id
    else:
        item.extraction_reason = f"recheck: {result.reason}"
    session.add(item)
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


def cluster_members(session: Session, cluster_id: int) -> list[tuple[Item, str]]:
    query = (
        select(Item, Feed.name)
        .join(Feed, col(Feed.id) == Item.feed_id)
        .where(Item.cluster_id == cluster_id)
        .order_by(col(Item.first_seen_at), col(Item.id))
    )
    return [(i, n) for i, n in session.exec(query).all()]
