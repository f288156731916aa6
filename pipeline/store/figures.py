"""Baseline figures the items state (table item_figures): written once per classified version of an item,
read by the digest's baseline panel and the archive's indicator pages without reading any article text."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlmodel import Session, SQLModel

from pipeline.digest.figures import Figure
from pipeline.store.models import Item, ItemFigure, as_utc
from pipeline.store.weekly import best_text, item_time

_ITEMS = SQLModel.metadata.tables["items"]
_FIGURES = SQLModel.metadata.tables["item_figures"]
_item = _ITEMS.c
_figure = _FIGURES.c
_topic = SQLModel.metadata.tables["item_topics"].c
_version = SQLModel.metadata.tables["item_versions"].c


@dataclass(frozen=True)
class Due:
    """An item whose text has not been read for figures since it was last classified."""

    id: int
    title: str
    body: str  # the best text; "" once pruned
    topics: frozenset[str]  # empty when out of scope
    when: datetime  # the item's time
    edited_at: datetime | None = None  # when its latest edit was seen, if it has been edited

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}"


def due(session: Session, limit: int = 500) -> list[Due]:
    rows = session.execute(
        select(_item.id, _item.title, best_text(), _item.relevant, item_time())
        .where(_item.figures_at.is_(None), _item.classified_at.is_not(None))
        .order_by(_item.id)
        .limit(limit)
    ).all()
    ids = [int(r[0]) for r in rows if r[3]]
    topics: dict[int, set[str]] = defaultdict(set)
    edited: dict[int, datetime | None] = {}
    if ids:
        for item_id, topic in session.execute(select(_topic.item_id, _topic.topic).where(_topic.item_id.in_(ids))):
            topics[int(item_id)].add(topic)
        for item_id, latest in session.execute(
            select(_version.item_id, func.max(_version.fetched_at))
            .where(_version.item_id.in_(ids), _version.version > 1)
            .group_by(_version.item_id)
        ):
            edited[int(item_id)] = as_utc(latest)
    return [
        Due(int(i), title, text or "", frozenset(topics.get(int(i), ())), as_utc(when) or datetime.min, edited.get(i))
        for i, title, text, _, when in rows
    ]


def replace(session: Session, found: Iterable[tuple[Due, list[Figure]]], now: datetime) -> int:
    """Each item's figures replaced by these, and the item marked read; the caller commits. A figure the item
    stated before keeps the time it was first reported; a new one is dated by the item, or by the edit that
    brought it. An item whose body was pruned keeps the figures it had. Returns the number of figures written."""
    found = list(found)
    connection = session.connection()  # Core, as the crawl's other writes: no ORM identity work a row
    done = [item.id for item, _ in found]
    emptied = [item.id for item, figures in found if item.body.strip() or figures]
    before: dict[tuple[int, str, float, str], datetime] = {}
    if emptied:
        for item_id, indicator, value, sentence, at in session.execute(
            select(_figure.item_id, _figure.indicator, _figure.value, _figure.sentence, _figure.reported_at).where(
                _figure.item_id.in_(emptied)
            )
        ):
            before[(int(item_id), indicator, float(value), sentence)] = as_utc(at) or now
        connection.execute(delete(_FIGURES).where(_figure.item_id.in_(emptied)))
    rows: list[dict[str, object]] = [
        {
            "item_id": item.id,
            "indicator": f.indicator,
            "value": f.value,
            "unit": f.unit,
            "period": f.period,
            "sentence": f.sentence,
            "reported_at": before.get((item.id, f.indicator, f.value, f.sentence), item.edited_at or item.when),
        }
        for item, figures in found
        if item.id in emptied
        for f in figures
    ]
    if rows:
        connection.execute(insert(_FIGURES), rows)
    if done:
        connection.execute(update(_ITEMS).where(_item.id.in_(done)).values(figures_at=now))
    return len(rows)


@dataclass(frozen=True)
class Reported:
    """A figure with the item that stated it."""

    figure: Figure
    item_id: int
    when: datetime  # when it was reported


def _reports(session: Session, where: list[ColumnElement[bool]]) -> list[Reported]:
    rows = session.execute(
        select(
            _figure.indicator,
            _figure.value,
            _figure.unit,
            _figure.period,
            _figure.sentence,
            _figure.item_id,
            _figure.reported_at,
        )
        .join(Item, _item.id == _figure.item_id)
        .where(_item.relevant.is_(True), *where)
        .order_by(_figure.reported_at, _figure.id)
    ).all()
    return [
        Reported(Figure(ind, float(value), unit, period, sentence), int(item_id), as_utc(when) or datetime.min)
        for ind, value, unit, period, sentence, item_id, when in rows
    ]


def reported_between(session: Session, start: datetime, end: datetime) -> list[Reported]:
    """Every figure stated by an in-scope item of the span, oldest first."""
    return _reports(session, [_figure.reported_at >= start, _figure.reported_at < end])


def latest_before(session: Session, indicators: Iterable[str], before: datetime) -> dict[str, Reported]:
    """The last figure reported for each indicator before `before`: one indexed lookup per indicator."""
    found: dict[str, Reported] = {}
    for indicator in indicators:
        newest = (
            select(func.max(_figure.reported_at))
            .select_from(ItemFigure)
            .join(Item, _figure.item_id == _item.id)
            .where(_figure.indicator == indicator, _item.relevant.is_(True), _figure.reported_at < before)
        ).scalar_subquery()
        reports = _reports(session, [_figure.indicator == indicator, _figure.reported_at == newest])
        if reports:
            found[indicator] = reports[-1]
    return found
