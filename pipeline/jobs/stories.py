"""Giving each new in-scope item its story, at the end of a crawl: new items join the stories of the days
before them, or start their own."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from pipeline.articles.events import WINDOW, group
from pipeline.store import stories as story_store


def assign_stories(engine: Engine, now: datetime, *, days: float = 14.0) -> tuple[int, int]:
    """Stories for the in-scope items of the last `days` that have none; returns (items given a story,
    of which joined another item's story)."""
    since = now - timedelta(days=days) - WINDOW
    with Session(engine) as session:
        items, known = story_store.window(session, since)
        fresh = [i for i in items if i.id not in known]
        if not fresh:
            return 0, 0
        found = group(items, known=known)
        new = [(i.id, found[i.id]) for i in fresh]
        story_store.assign(session, new)
        session.commit()
    return len(new), sum(1 for item_id, story in new if story != item_id)
