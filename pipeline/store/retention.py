"""Keeping the store small for years: old article bodies go, what the digests and trends need stays.

Pruned items keep their title, URL, dates, language, cluster and topics (with evidence sentences), so past
digests, trends and `archive search` over titles still work; their text, summary, feed content and the texts
of their versions are emptied.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, or_, select, update
from sqlmodel import Session, SQLModel

from pipeline.store.weekly import in_span

_item = SQLModel.metadata.tables["items"].c
_version = SQLModel.metadata.tables["item_versions"]
_items = SQLModel.metadata.tables["items"]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CHUNK = 500


def prunable(session: Session, before: datetime) -> list[int]:
    has_body = or_(_item.text != "", _item.summary != "", _item.content != "")
    return [int(i) for i in session.execute(select(_item.id).where(in_span(EPOCH, before), has_body)).scalars()]


def prune(session: Session, before: datetime) -> tuple[int, int]:
    """Empty the bodies of items older than `before`; returns (items, versions) pruned. The caller commits."""
    ids = prunable(session, before)
    versions = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        session.execute(
            update(_items).where(_items.c.id.in_(chunk)).values(text="", summary="", content="", minhash=None)
        )
        versions += int(
            session.execute(
                select(func.count()).select_from(_version).where(_version.c.item_id.in_(chunk), _version.c.text != "")
            ).scalar_one()
        )
        session.execute(update(_version).where(_version.c.item_id.in_(chunk)).values(text=""))
    return len(ids), versions
