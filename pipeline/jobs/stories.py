"""Giving each new in-scope item its story, at the end of a crawl: new items join the stories of the days
before them, or start their own."""

from __future__ import annotations

import functools
import logging
import time
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from pipeline.articles import meaning as meaning_of
from pipeline.articles.events import WINDOW, EventItem, group
from pipeline.errors import ConfigError
from pipeline.store import stories as story_store

log = logging.getLogger("unionwatch.stories")


def assign_stories(engine: Engine, now: datetime, *, days: float = 14.0, meaning: str = "off") -> tuple[int, int]:
    """Stories for the in-scope items of the last `days` that have none; returns (items given a story,
    of which joined another item's story). With `meaning` ("auto": when the optional extra is installed, "on",
    "off"), the items of the window that have no vector yet get one first, stored for the next crawl."""
    since = now - timedelta(days=days) - WINDOW
    with Session(engine) as session:
        items, known = story_store.window(session, since)
        fresh = [i for i in items if i.id not in known]
        if not fresh:
            return 0, 0
        if uses_meaning(meaning):
            try:
                items = _with_vectors(session, items)
            except Exception as exc:  # the extra's model would not load or run: the keys still give stories
                log.warning("stories: meaning not computed (%s); matched by keys this time", exc)
        found = group(items, known=known)
        new = [(i.id, found[i.id]) for i in fresh]
        bridged = {known[i]: found[i] for i in known if found.get(i, known[i]) != known[i]}
        if bridged:
            moved = story_store.join(session, bridged.items())
            log.info(
                "stories: %d stored stories joined to others by a new report (%d items moved)", len(bridged), moved
            )
        story_store.assign(session, new)
        session.commit()
    return len(new), sum(1 for item_id, story in new if story != item_id)


def uses_meaning(setting: str) -> bool:
    """Whether `story_meaning` asks for vectors; "on" without the extra is a one-line configuration error."""
    if setting == "on" and not meaning_of.available():
        raise ConfigError(
            "settings: story_meaning = \"on\" needs the optional extra: pip install 'unionwatch[meaning]'"
        )
    return setting == "on" or (setting == "auto" and meaning_of.available())


@functools.cache
def _embedder() -> meaning_of.Embedder:
    return meaning_of.Embedder(threads=1)  # one core: the crawl's workers have the others


def _with_vectors(session: Session, items: list[EventItem]) -> list[EventItem]:
    missing = [i for i in items if i.vector is None]
    if not missing:
        return items
    started = time.perf_counter()
    done = {i.id: i for i in _embedder().embedded(missing)}
    story_store.save_meanings(
        session, ((i.id, meaning_of.to_bytes(i.vector)) for i in done.values() if i.vector is not None)
    )
    log.info("stories: %d items' meaning computed in %.1fs", len(missing), time.perf_counter() - started)
    return [done.get(i.id, i) for i in items]
