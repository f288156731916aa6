"""Finding past items and digests by words: SQLite FTS5 where the index exists, ILIKE elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, inspect, or_, select, text
from sqlmodel import Session, SQLModel

from pipeline.store.models import as_utc

_item = SQLModel.metadata.tables["items"].c
_digest = SQLModel.metadata.tables["digests"].c


@dataclass(frozen=True)
class ItemHit:
    id: int
    title: str
    url: str
    when: datetime | None
    snippet: str


def terms_of(query: str) -> list[str]:
    return [t for t in query.lower().split() if t]


def search_items(session: Session, query: str, limit: int = 20) -> tuple[list[ItemHit], str]:
    """Items whose title or text has every word of the query, best first; also says which method ran."""
    terms = terms_of(query)
    if not terms:
        return [], "none"
    bind = session.connection()
    if bind.dialect.name == "sqlite" and inspect(bind).has_table("items_fts"):
        match = " ".join('"' + t.replace('"', '""') + '"' for t in terms)
        rows = session.execute(
            text(
                "SELECT items.id, items.title, coalesce(items.url, items.canonical_url, ''), "
                "coalesce(items.published_at, items.first_seen_at), "
                "snippet(items_fts, 1, '[', ']', '…', 14) FROM items_fts JOIN items ON items.id = items_fts.rowid "
                "WHERE items_fts MATCH :match ORDER BY rank LIMIT :limit"
            ),
            {"match": match, "limit": limit},
        ).all()
        return [ItemHit(int(r[0]), r[1], r[2], as_utc(r[3]), " ".join(str(r[4]).split())) for r in rows], "fts5"
    patterns = [f"%{_escape(t)}%" for t in terms]
    conditions = [or_(_item.title.ilike(p, escape="\\"), _item.text.ilike(p, escape="\\")) for p in patterns]
    rows = session.execute(
        select(_item.id, _item.title, _item.url, _item.published_at, _item.first_seen_at, _item.text)
        .where(and_(*conditions))
        .order_by(_item.id.desc())
        .limit(limit)
    ).all()
    return [ItemHit(int(r[0]), r[1], r[2] or "", r[3] or r[4], _snippet(r[5], terms[0])) for r in rows], "like"


def search_digests(session: Session, query: str) -> list[tuple[str, str]]:
    """(week, snippet) of every filed digest that has every word of the query, newest first."""
    terms = terms_of(query)
    hits = []
    for week, body in session.execute(select(_digest.week, _digest.search_text).order_by(_digest.week.desc())):
        if terms and all(t in body for t in terms):
            hits.append((week, _snippet(body, terms[0])))
    return hits


def _escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _snippet(body: str, term: str, width: int = 90) -> str:
    at = body.lower().find(term)
    if at < 0:
        return " ".join(body[: width * 2].split())
    start, end = max(0, at - width), min(len(body), at + len(term) + width)
    return ("…" if start else "") + " ".join(body[start:end].split()) + ("…" if end < len(body) else "")
