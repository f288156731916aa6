"""Which event each in-scope item reports: the rows the story matcher reads, and the story ids it gives back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import Session, SQLModel

from pipeline.articles.events import LEAD_CHARS, EventItem
from pipeline.articles.meaning import from_bytes
from pipeline.store.models import Item, as_utc
from pipeline.store.weekly import best_text, feed_names, item_time

_item = SQLModel.metadata.tables["items"].c


def window(session: Session, since: datetime) -> tuple[list[EventItem], dict[int, int]]:
    """In-scope items from `since` on, as the matcher sees them, and the story ids already given."""
    feeds = feed_names(session)
    rows = session.execute(
        select(
            _item.id,
            item_time(),
            _item.title,
            func.substr(best_text(), 1, LEAD_CHARS * 3),
            _item.feed_id,
            _item.lang,
            _item.cluster_id,
            _item.story_id,
            _item.meaning,
        ).where(item_time() >= since, _item.relevant.is_(True))
    )
    items: list[EventItem] = []
    known: dict[int, int] = {}
    for item_id, when, title, text, feed_id, lang, cluster, story, meaning in rows:
        moment = as_utc(when)
        if moment is None:
            continue
        items.append(
            EventItem(
                int(item_id),
                moment,
                title or "",
                text or "",
                feeds.get(feed_id, ""),
                lang or "",
                cluster,
                from_bytes(meaning) if meaning else None,
            )
        )
        if story is not None:
            known[int(item_id)] = int(story)
    return items, known


def save_meanings(session: Session, vectors: Iterable[tuple[int, bytes]]) -> None:
    """Stores (item id, vector bytes) pairs; the caller commits."""
    for item_id, data in vectors:
        session.execute(update(Item).where(_item.id == item_id).values(meaning=data))


def assign(session: Session, stories: Iterable[tuple[int, int]]) -> int:
    """Writes (item id, story id) pairs; returns how many were written."""
    n = 0
    for item_id, story_id in stories:
        session.execute(update(Item).where(_item.id == item_id).values(story_id=story_id))
        n += 1
    return n


def join(session: Session, joins: Iterable[tuple[int, int]]) -> int:
    """Moves every item of each (absorbed story, story) pair into the story; returns the items moved."""
    n = 0
    for absorbed, story_id in joins:
        result = session.execute(update(Item).where(_item.story_id == absorbed).values(story_id=story_id))
        n += int(getattr(result, "rowcount", 0) or 0)
    return n
