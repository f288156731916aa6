"""Analysts' corrections: stored one row per statement, read back in order, laid over every verdict stored."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from pipeline.store.models import Correction
from pipeline.topics.classify import Classification
from pipeline.topics.corrections import Label, apply


def add(session: Session, item_id: int, labels: Iterable[Label], now: datetime) -> None:
    for label in labels:
        session.add(Correction(item_id=item_id, kind=label.kind, topic=label.topic, created_at=now))


def of_item(session: Session, item_id: int) -> list[tuple[Label, datetime]]:
    rows = session.exec(
        select(Correction).where(Correction.item_id == item_id).order_by(col(Correction.created_at), col(Correction.id))
    )
    return [(Label(r.kind, r.topic), r.created_at) for r in rows]


def by_item(session: Session, item_ids: Iterable[int] | None = None) -> dict[int, list[Label]]:
    """Every corrected item's labels, oldest first (of the given items, or all)."""
    query = select(Correction).order_by(col(Correction.item_id), col(Correction.created_at), col(Correction.id))
    if item_ids is not None:
        query = query.where(col(Correction.item_id).in_(sorted(set(item_ids))))
    found: dict[int, list[Label]] = defaultdict(list)
    for r in session.exec(query):
        found[r.item_id].append(Label(r.kind, r.topic))
    return dict(found)


def corrected(session: Session, item_id: int, result: Classification) -> Classification:
    """The verdict with the item's corrections laid over it."""
    return apply(result, [label for label, _ in of_item(session, item_id)])
