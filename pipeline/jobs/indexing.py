"""After classification: each item's baseline figures and search tokens, written once per classified version,
so that neither a digest nor a search reads or stems article text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from pipeline.digest.figures import Indicator, find_figures, load_indicators
from pipeline.settings import Settings
from pipeline.store import figures as figure_store
from pipeline.store import search as search_store
from pipeline.topics.search_terms import index_text

FACTS_FILE = "facts.toml"
BATCH = 500


def indicators_of(settings: Settings) -> list[Indicator]:
    return load_indicators(settings.baseline_dir / FACTS_FILE)


def index_items(
    engine: Engine, indicators: list[Indicator], now: datetime, progress: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Figures and search tokens of every item classified since it was last read; returns (items read,
    figures found). An item is read against the indicators of its own topics: a gas price counts where the
    item is about energy prices, not wherever a number meets the word gas."""
    items = found = 0
    while True:
        with Session(engine) as session:
            batch = figure_store.due(session, BATCH)
            if not batch:
                return items, found
            results = [
                (item, find_figures(item.text, [i for i in indicators if i.topic in item.topics])) for item in batch
            ]
            found += figure_store.replace(session, results, now)
            search_store.replace_tokens(
                session, [(item.id, index_text(item.title, item.body), not item.body.strip()) for item in batch]
            )
            session.commit()
        items += len(batch)
        if progress:
            progress(items)
