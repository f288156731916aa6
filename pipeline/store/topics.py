"""Storing what the classifier decided, and counting items per topic."""

from __future__ import annotations

import json
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Table, bindparam, delete, func, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from pipeline.store.corrections import corrected
from pipeline.store.models import Item, ItemTopic
from pipeline.topics.classify import Classification


class ClassifyRow(NamedTuple):
    id: int
    title: str
    text: str
    url: str
    lang: str


def save(session: Session, item_id: int, result: Classification, now: datetime) -> None:
    """Replace the item's verdict and topics with these, an analyst's corrections laid over them; the caller
    commits."""
    result = corrected(session, item_id, result)
    session.execute(
        update(Item)
        .where(col(Item.id) == item_id)
        .values(relevant=result.relevant, relevance=result.relevance, classified_at=now, figures_at=None)
    )
    replace_topics(session, item_id, result)


def replace_topics(session: Session, item_id: int, result: Classification) -> None:
    """The item_topics rows only (the item's own columns are the caller's); the caller commits."""
    session.execute(delete(ItemTopic).where(col(ItemTopic.item_id) == item_id))
    if result.topics:
        session.execute(
            insert(ItemTopic),
            [
                {
                    "item_id": item_id,
                    "topic": m.topic,
                    "score": m.score,
                    "evidence": json.dumps(list(m.evidence), ensure_ascii=False),
                    "terms": json.dumps(list(m.terms), ensure_ascii=False),
                }
                for m in result.topics
            ],
        )


def save_new(session: Session, results: list[tuple[int, Classification]], now: datetime) -> None:
    """Topics of items that have none yet, in two statements whatever their number; the caller commits."""
    if not results:
        return
    table: Table = Item.__table__  # type: ignore[attr-defined]  # Core: an executemany UPDATE keyed by a bound id
    session.connection().execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            relevant=bindparam("b_relevant"), relevance=bindparam("b_relevance"), classified_at=now, figures_at=None
        ),
        [{"b_id": i, "b_relevant": r.relevant, "b_relevance": r.relevance} for i, r in results],
    )
    rows = [
        {
            "item_id": item_id,
            "topic": m.topic,
            "score": m.score,
            "evidence": json.dumps(list(m.evidence), ensure_ascii=False),
            "terms": json.dumps(list(m.terms), ensure_ascii=False),
        }
        for item_id, result in results
        for m in result.topics
    ]
    if rows:  # Core: the ORM's bulk path costs more than the insert itself (benchmarks/crawl.py)
        session.connection().execute(insert(ItemTopic.__table__), rows)  # type: ignore[attr-defined]


def counts(session: Session) -> dict[str, int]:
    rows = session.exec(select(ItemTopic.topic, func.count()).group_by(col(ItemTopic.topic))).all()
    return {topic: int(n) for topic, n in rows}


def topics_of(session: Session, item_id: int) -> list[ItemTopic]:
    return list(
        session.exec(select(ItemTopic).where(ItemTopic.item_id == item_id).order_by(col(ItemTopic.score).desc()))
    )


def texts_for_classification(session: Session, after_id: int, limit: int) -> list[ClassifyRow]:
    """What the classifier reads of each item: its words, and where it was published (link and language)."""
    rows = session.execute(
        sa_select(Item.id, Item.title, Item.text, Item.summary, Item.url, Item.lang)  # type: ignore[call-overload]
        .where(col(Item.id) > after_id)
        .order_by(col(Item.id))
        .limit(limit)
    ).all()
    return [
        ClassifyRow(int(i or 0), title, text or summary, url or "", lang or "")
        for i, title, text, summary, url, lang in rows
    ]
