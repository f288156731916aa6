"""Bringing stored items under today's URL identity (pipeline.ingest.urls), merging the copies it reveals.

An item stored as https://президент.рф/x and another as https://xn--d1abbgf6aiiy.xn--p1ai/x are one article.
When rules of identity change, every URL key is computed again; items that now share a key are merged into
the one stored first, and nothing is lost: the copy's feeds become the survivor's sources, its versions with
other content are appended to the survivor's history, its analyst corrections move over, its topics move when
the survivor has none. Figures and search tokens are dropped and the survivor is marked for indexing again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.ingest.urls import canonical_url

_meta = sa.MetaData()
items = sa.Table(
    "items", _meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("key", sa.String),
    sa.Column("canonical_url", sa.String), sa.Column("first_seen_at", sa.DateTime),
    sa.Column("last_seen_at", sa.DateTime), sa.Column("figures_at", sa.DateTime),
)  # fmt: skip
sources = sa.Table(
    "item_sources", _meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("item_id", sa.Integer),
    sa.Column("feed_id", sa.Integer), sa.Column("first_seen_at", sa.DateTime), sa.Column("last_seen_at", sa.DateTime),
)  # fmt: skip
versions = sa.Table(
    "item_versions", _meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("item_id", sa.Integer),
    sa.Column("version", sa.Integer), sa.Column("fetched_at", sa.DateTime), sa.Column("content_hash", sa.String),
)  # fmt: skip
topics = sa.Table("item_topics", _meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("item_id", sa.Integer))
corrections = sa.Table(
    "corrections", _meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("item_id", sa.Integer)
)
figures = sa.Table(
    "item_figures", _meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("item_id", sa.Integer)
)
search = sa.Table("item_search", _meta, sa.Column("item_id", sa.Integer, primary_key=True))
BATCH = 5000


@dataclass(frozen=True)
class Rekeyed:
    rekeyed: int  # items whose key changed
    merged: int  # items folded into an earlier copy of the same article


def rekey(conn: Connection) -> Rekeyed:
    """Recompute every URL key (guid: and hash: keys are not URLs and stay); merge items that now coincide."""
    changed: dict[int, str] = {}
    last = 0
    while True:
        rows = conn.execute(
            sa.select(items.c.id, items.c.key).where(items.c.id > last).order_by(items.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1][0]
        for item_id, key in rows:
            if key.startswith(("guid:", "hash:")):
                continue
            new = canonical_url(key)
            if new and new != key:
                changed[item_id] = new
    groups: dict[str, list[int]] = defaultdict(list)
    for item_id, new in changed.items():
        groups[new].append(item_id)
    wanted = list(groups)
    for start in range(0, len(wanted), 500):  # an unchanged item already holding the new key joins its group
        for item_id, key in conn.execute(
            sa.select(items.c.id, items.c.key).where(items.c.key.in_(wanted[start : start + 500]))
        ):
            if item_id not in changed:
                groups[key].append(item_id)
    merged = 0
    for new, ids in groups.items():
        survivor, *copies = sorted(ids)
        for copy in copies:
            _merge(conn, survivor, copy)
            merged += 1
        conn.execute(items.update().where(items.c.id == survivor).values(key=new, canonical_url=new))
    return Rekeyed(len(changed), merged)


def _merge(conn: Connection, survivor: int, copy: int) -> None:
    held = {
        feed: (row_id, first, seen)
        for row_id, feed, first, seen in conn.execute(
            sa.select(sources.c.id, sources.c.feed_id, sources.c.first_seen_at, sources.c.last_seen_at).where(
                sources.c.item_id == survivor
            )
        )
    }
    for row_id, feed, first, seen in conn.execute(
        sa.select(sources.c.id, sources.c.feed_id, sources.c.first_seen_at, sources.c.last_seen_at).where(
            sources.c.item_id == copy
        )
    ).all():
        if feed in held:
            own, own_first, own_seen = held[feed]
            conn.execute(
                sources.update()
                .where(sources.c.id == own)
                .values(first_seen_at=_least(own_first, first), last_seen_at=_most(own_seen, seen))
            )
            conn.execute(sources.delete().where(sources.c.id == row_id))
        else:
            conn.execute(sources.update().where(sources.c.id == row_id).values(item_id=survivor))
    own_versions = conn.execute(
        sa.select(versions.c.version, versions.c.content_hash).where(versions.c.item_id == survivor)
    ).all()
    hashes = {h for _, h in own_versions}
    number = max((v for v, _ in own_versions), default=0)
    for row_id, content in conn.execute(
        sa.select(versions.c.id, versions.c.content_hash)
        .where(versions.c.item_id == copy)
        .order_by(versions.c.fetched_at, versions.c.version)
    ).all():
        if content in hashes:
            conn.execute(versions.delete().where(versions.c.id == row_id))
        else:
            number += 1
            hashes.add(content)
            conn.execute(versions.update().where(versions.c.id == row_id).values(item_id=survivor, version=number))
    if conn.execute(sa.select(sa.func.count()).select_from(topics).where(topics.c.item_id == survivor)).scalar():
        conn.execute(topics.delete().where(topics.c.item_id == copy))
    else:
        conn.execute(topics.update().where(topics.c.item_id == copy).values(item_id=survivor))
    conn.execute(corrections.update().where(corrections.c.item_id == copy).values(item_id=survivor))
    for table in (figures, search):
        conn.execute(table.delete().where(table.c.item_id.in_([copy, survivor])))
    mine = conn.execute(sa.select(items.c.first_seen_at, items.c.last_seen_at).where(items.c.id == survivor)).one()
    theirs = conn.execute(sa.select(items.c.first_seen_at, items.c.last_seen_at).where(items.c.id == copy)).one()
    conn.execute(items.delete().where(items.c.id == copy))
    conn.execute(
        items.update()
        .where(items.c.id == survivor)
        .values(first_seen_at=_least(mine[0], theirs[0]), last_seen_at=_most(mine[1], theirs[1]), figures_at=None)
    )


def _least(a: object, b: object) -> object:
    return b if a is None or (b is not None and b < a) else a  # type: ignore[operator]


def _most(a: object, b: object) -> object:
    return b if a is None or (b is not None and b > a) else a  # type: ignore[operator]
