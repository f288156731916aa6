"""Items: stored once per identity, with every feed that carried them recorded as a source."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Table, bindparam, func, insert, update
from sqlmodel import Session, col, select

from pipeline.domain import Entry, host_of
from pipeline.ingest.dates import believed
from pipeline.store.models import Feed, Item, ItemSource

_ITEMS: Table = Item.__table__  # type: ignore[attr-defined]
_SOURCES: Table = ItemSource.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class StoredEntries:
    new_ids: list[int]
    seen: int
    changed_ids: list[int] = field(default_factory=list)  # known items whose feed entry now says something else
    new_keys: list[str] = field(default_factory=list)  # the entry key of each new id, in the same order


def store_entries(
    session: Session, feed_id: int, entries: tuple[Entry, ...], now: datetime, *, feed_host: str = ""
) -> StoredEntries:
    """Insert unknown entries and touch known ones; the caller commits (one transaction per feed).

    An entry is known when its key (canonical URL, else GUID) is stored, or when this feed already gave an
    item with the same GUID (a feed that changes its links keeps its GUIDs).

    An item's `host` is the host of its link, which is where its page is fetched; an entry without a link takes
    its feed's host (`feed_host`), so that the worker holding that host finishes it if another worker died first.
    """
    unique: dict[str, Entry] = {}
    for entry in entries:
        unique.setdefault(entry.key, entry)
    if not unique:
        return StoredEntries([], 0)
    by_key: dict[str, int] = {
        key: int(item_id or 0)
        for key, item_id in session.exec(select(Item.key, col(Item.id)).where(col(Item.key).in_(list(unique))))
    }
    guids = [e.guid for e in unique.values() if e.guid]
    by_guid: dict[str, int] = {}
    if guids:
        rows = session.exec(
            select(ItemSource.guid, ItemSource.item_id).where(
                ItemSource.feed_id == feed_id, col(ItemSource.guid).in_(guids)
            )
        ).all()
        by_guid = {guid: item_id for guid, item_id in rows if guid}

    fresh: list[Entry] = []
    known: dict[int, Entry] = {}
    for key, entry in unique.items():
        item_id = by_key.get(key) or (by_guid.get(entry.guid) if entry.guid else None)
        if item_id is None:
            fresh.append(entry)
        else:
            known[item_id] = entry

    new_ids: list[int] = []
    if fresh:  # Core statements on the session's connection: the ORM's bulk path cost more than the inserts
        new_ids = _insert_items(
            session,
            [
                {
                    "key": e.key,
                    "canonical_url": e.canonical_url,
                    "url": e.link,
                    "host": host_of(e.link or "") or feed_host,
                    "guid": e.guid,
                    "feed_id": feed_id,
                    "title": e.title,
                    "summary": e.summary,
                    "content": e.content,
                    "author": e.author,
                    "published_at": believed(e.published, now)[0],
                    "claimed_published_at": believed(e.published, now)[1],
                    "first_seen_at": now,
                    "last_seen_at": now,
                }
                for e in fresh
            ],
        )
        _add_sources(session, feed_id, list(zip(new_ids, fresh, strict=True)), now)

    changed: list[int] = []
    if known:
        session.execute(update(Item).where(col(Item.id).in_(list(known))).values(last_seen_at=now))
        stored = session.exec(select(Item.id, Item.title, Item.content).where(col(Item.id).in_(list(known)))).all()
        for item_id, title, content in stored:
            entry = known[int(item_id or 0)]
            if (entry.content and entry.content != content) or (entry.title and entry.title != title):
                changed.append(int(item_id or 0))
                session.execute(
                    update(Item)
                    .where(col(Item.id) == item_id)
                    .values(
                        title=entry.title or title,
                        summary=entry.summary,
                        content=entry.content or content,
                        meaning=None,
                    )
                )
        linked = set(
            session.exec(
                select(ItemSource.item_id).where(
                    ItemSource.feed_id == feed_id, col(ItemSource.item_id).in_(list(known))
                )
            ).all()
        )
        if linked:
            session.execute(
                update(ItemSource)
                .where(ItemSource.feed_id == feed_id, col(ItemSource.item_id).in_(list(linked)))  # type: ignore[arg-type]
                .values(last_seen_at=now)
            )
        _add_sources(session, feed_id, [(i, e) for i, e in known.items() if i not in linked], now)
    return StoredEntries(new_ids, len(known), changed, [e.key for e in fresh])


def _insert_items(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """The new items' ids, in the order of `rows`.

    On PostgreSQL one INSERT … SELECT unnest(array) per column: the rows travel as one array a column, so the
    statement is the same short text for any number of rows. SQLAlchemy's own many-rows INSERT writes every row's
    placeholders into the statement, which psycopg then re-parses on every call (over 50 parameters it does not
    cache the parse): a third of the crawl's own CPU per feed on PostgreSQL (benchmarks/crawl.py, PROFILE=cold).

    Both return each id with its key, and the order is restored from the keys: asked to keep the rows' order
    itself (`sort_by_parameter_order`), SQLAlchemy inserts them one row per statement on SQLite, 4,000 statements
    for a 200-feed crawl.
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        returned = connection.execute(insert(_ITEMS).returning(_ITEMS.c.id, _ITEMS.c.key), rows)
    else:
        names = tuple(rows[0])
        returned = connection.execute(_unnest_insert(names), {f"many_{n}": [row[n] for row in rows] for n in names})
    ids = {key: int(item_id) for item_id, key in returned}
    return [ids[row["key"]] for row in rows]  # keys are unique among new items


@functools.cache
def _unnest_insert(names: tuple[str, ...]) -> Any:
    """Built once: composing the statement anew for every feed cost more than running it."""
    arrays = select(
        *(
            func.unnest(bindparam(f"many_{name}", type_=ARRAY(_ITEMS.c[name].type)), type_=_ITEMS.c[name].type).label(
                name
            )
            for name in names
        )
    )
    return insert(_ITEMS).from_select(list(names), arrays).returning(_ITEMS.c.id, _ITEMS.c.key)


def _add_sources(session: Session, feed_id: int, pairs: list[tuple[int, Entry]], now: datetime) -> None:
    if pairs:
        session.connection().execute(
            insert(_SOURCES),
            [
                {
                    "item_id": item_id,
                    "feed_id": feed_id,
                    "guid": e.guid,
                    "url": e.link,
                    "publisher": e.publisher[:200],
                    "first_seen_at": now,
                    "last_seen_at": now,
                }
                for item_id, e in pairs
            ],
        )


def list_items(
    session: Session,
    *,
    since: datetime | None = None,
    feed: str | None = None,
    lang: str | None = None,
    status: str | None = None,
    limit: int = 50,
) -> tuple[list[tuple[Item, str]], int]:
    """The newest items by publication time (else first sight) matching the filters, at most `limit`, and how
    many matched in all. Status "failed" means every way of ending without text (fetch_failed, refused, …)."""
    when = func.coalesce(Item.published_at, Item.first_seen_at)
    filters = []
    if since is not None:
        filters.append(when >= since)
    if feed:
        filters.append(col(Feed.name) == feed)
    if lang:
        filters.append(col(Item.lang) == lang)
    if status == "failed":
        filters.append(col(Item.extraction_status).not_in(("ok", "feed", "pending")))
    elif status:
        filters.append(col(Item.extraction_status) == status)
    joined = select(Item, Feed.name).join(Feed, col(Feed.id) == Item.feed_id).where(*filters)
    counted = select(func.count()).select_from(Item)
    if feed:  # the join only when the feed's name is asked for: a count of the whole store needs no feeds
        counted = counted.join(Feed, col(Feed.id) == Item.feed_id)
    total = session.exec(counted.where(*filters)).one()
    rows = session.exec(joined.order_by(when.desc(), col(Item.id).desc()).limit(limit)).all()
    return [(item, name) for item, name in rows], int(total)


def sources_of(session: Session, item_id: int) -> list[tuple[ItemSource, str]]:
    query = (
        select(ItemSource, Feed.name)
        .join(Feed, col(Feed.id) == ItemSource.feed_id)
        .where(ItemSource.item_id == item_id)
        .order_by(col(ItemSource.first_seen_at))
    )
    return [(source, name) for source, name in session.exec(query).all()]
