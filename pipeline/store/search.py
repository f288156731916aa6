"""Finding past items and digests by what they mean: stems in Latin letters (topics/search_terms.py), matched
by prefix. SQLite searches an FTS5 index of the tokens, PostgreSQL a GIN index over their tsvector; both answer
from the index, newest first, and only the hits' texts are read, for their snippets."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, insert, inspect, literal_column, select, text
from sqlmodel import Session, SQLModel

from pipeline.store.models import ItemSearch, as_utc
from pipeline.text import sentences
from pipeline.topics.morph import words
from pipeline.topics.search_terms import matches, query_prefixes, token

_item = SQLModel.metadata.tables["items"].c
_SEARCH = SQLModel.metadata.tables["item_search"]
_search = _SEARCH.c
_digest = SQLModel.metadata.tables["digests"].c
_LEXEME = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class ItemHit:
    id: int
    title: str
    url: str
    when: datetime | None
    snippet: str


def replace_tokens(session: Session, rows: Iterable[tuple[int, str, bool]]) -> None:
    """(item id, tokens, pruned): an item's tokens replaced, except that a pruned item (its body emptied)
    keeps the tokens it had, if any. The caller commits."""
    rows = list(rows)
    if not rows:
        return
    pruned = [i for i, _, gone in rows if gone]
    kept = (
        set(session.execute(select(_search.item_id).where(_search.item_id.in_(pruned))).scalars()) if pruned else set()
    )
    write = [(i, t) for i, t, _ in rows if i not in kept]
    connection = session.connection()  # Core, as the crawl's other writes: no ORM identity work a row
    connection.execute(delete(_SEARCH).where(_search.item_id.in_([i for i, _ in write])))
    if write:
        connection.execute(insert(_SEARCH), [{"item_id": i, "tokens": t} for i, t in write])


def search_items(session: Session, query: str, limit: int = 20) -> tuple[list[ItemHit], str]:
    """Items whose title or text has every word of the query (in any of its forms), newest first; also says
    which index answered."""
    prefixes = query_prefixes(query)
    if not prefixes:
        return [], "none"
    bind = session.connection()
    if bind.dialect.name == "sqlite" and inspect(bind).has_table("item_search_fts"):
        match = " ".join('"' + p.replace('"', '""') + '"*' for p in prefixes)
        ids = list(
            session.execute(
                text(
                    "SELECT rowid FROM item_search_fts WHERE item_search_fts MATCH :match ORDER BY rowid DESC LIMIT :n"
                ),
                {"match": match, "n": limit},
            ).scalars()
        )
        method = "fts5"
    else:
        ids = _newest_matching(session, prefixes, limit)
        method = "tsvector"
    return _hits(session, ids, prefixes), method


RECENT = 20_000  # items searched newest first before the index is asked for the rest


def _newest_matching(session: Session, prefixes: list[str], limit: int) -> list[int]:
    """PostgreSQL: the newest items whose tsvector matches. Asked in one query, the planner walks item ids
    newest first for any prefix it has no statistics for, testing every row: a word no item has cost 0.9 s at
    1,000,000 items. So the newest RECENT items are searched that way (a common word fills the page there), and
    only if they fall short is the GIN index asked for the older ones, sorted apart from the id index."""
    lexemes = [lex for p in prefixes for lex in _LEXEME.findall(p)]
    matches = literal_column("tsv").bool_op("@@")(
        func.to_tsquery("simple", " & ".join(f"'{lex}':*" for lex in lexemes))
    )  # tsv: a stored column PostgreSQL alone has (migration 0007)
    newest = session.execute(select(func.max(_search.item_id))).scalar_one() or 0
    recent = select(_search.item_id).select_from(ItemSearch).where(matches, _search.item_id > newest - RECENT)
    ids = [int(i) for i in session.execute(recent.order_by(_search.item_id.desc()).limit(limit)).scalars()]
    if len(ids) < limit:
        older = select(_search.item_id).select_from(ItemSearch).where(matches, _search.item_id <= newest - RECENT)
        unordered_id: ColumnElement[int] = _search.item_id + 0  # not the id index: the GIN index, then a sort
        ids += [int(i) for i in session.execute(older.order_by(unordered_id.desc()).limit(limit - len(ids))).scalars()]
    return ids


def _hits(session: Session, ids: list[int], prefixes: list[str]) -> list[ItemHit]:
    if not ids:
        return []
    rows = {
        int(r[0]): r
        for r in session.execute(
            select(
                _item.id,
                _item.title,
                func.coalesce(_item.url, _item.canonical_url, ""),
                func.coalesce(_item.published_at, _item.first_seen_at),
                func.substr(func.coalesce(func.nullif(_item.text, ""), _item.summary), 1, 4000),
            ).where(_item.id.in_(ids))
        )
    }
    return [
        ItemHit(i, rows[i][1], rows[i][2], as_utc(rows[i][3]), snippet(rows[i][4] or rows[i][1], prefixes))
        for i in ids
        if i in rows
    ]


def snippet(body: str, prefixes: list[str], width: int = 200) -> str:
    """The first sentence holding a query word, its matching words in [brackets]."""
    for sentence in sentences(body):
        tokens = {token(w) for w in words(sentence)}
        if any(matches(p, tokens) for p in prefixes):
            marked = re.sub(
                r"[^\W_]+",
                lambda m: f"[{m[0]}]" if any(token(m[0].lower()).startswith(p) for p in prefixes) else m[0],
                sentence,
            )
            return marked if len(marked) <= width else marked[: width - 1].rsplit(" ", 1)[0] + "…"
    return " ".join(body[:width].split())


def search_digests(session: Session, query: str) -> list[tuple[str, str]]:
    """(week, snippet) of every filed digest that has every word of the query, newest first."""
    prefixes = query_prefixes(query)
    hits = []
    for week, body, tokens in session.execute(
        select(_digest.week, _digest.search_text, _digest.search_tokens).order_by(_digest.week.desc())
    ):
        have = set(tokens.split())
        if prefixes and all(matches(p, have) for p in prefixes):
            hits.append((week, snippet(body, prefixes)))
    return hits
