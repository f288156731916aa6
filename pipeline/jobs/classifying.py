"""Building the classifier from the settings, and re-classifying the whole store after the topics change."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from pipeline.articles.extract import Extracted, extract_article, from_feed_text
from pipeline.errors import ConfigError
from pipeline.settings import Settings
from pipeline.store import topics as topic_store
from pipeline.topics.classify import Classifier
from pipeline.topics.definitions import TopicSet, load_topics

WEIGHTS_FILE = "weights.json"


def load_topic_set(settings: Settings) -> TopicSet:
    return topic_set_from(settings.topics, settings.baseline_dir)


def topic_set_from(topics: Path, baseline_dir: Path) -> TopicSet:
    """The topic definitions with the baseline's term weights applied, when they have been built."""
    weights_path = baseline_dir / WEIGHTS_FILE
    weights: dict[str, dict[str, float]] = {}
    if weights_path.exists():
        try:
            weights = json.loads(weights_path.read_text(encoding="utf-8"))["boosts"]
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"baseline: {weights_path}: unreadable term weights ({exc})") from exc
    return load_topics(topics, weights)


def load_classifier(settings: Settings) -> Classifier:
    return Classifier(load_topic_set(settings))


@functools.lru_cache(maxsize=4)
def _cached(topics: str, baseline_dir: str, stamp: tuple[float, float]) -> Classifier:
    return Classifier(topic_set_from(Path(topics), Path(baseline_dir)))


def worker_classifier(topics: str, baseline_dir: str) -> Classifier:
    """The classifier inside a worker process: built once, rebuilt only when the files change."""
    weights = Path(baseline_dir) / WEIGHTS_FILE
    stamp = (Path(topics).stat().st_mtime, weights.stat().st_mtime if weights.exists() else 0.0)
    return _cached(topics, baseline_dir, stamp)


def extract_and_classify(body: bytes, *, title: str, topics: tuple[str, str], **options: Any) -> Extracted:
    """Worker job: extraction and classification together, so the event loop's process does neither."""
    result = extract_article(body, **options)
    if result.status not in ("ok", "feed"):
        return result
    return replace(result, classification=worker_classifier(*topics).classify(title, result.text))


def feed_text_and_classify(text: str, *, title: str, topics: tuple[str, str], lang_hint: str = "") -> Extracted:
    result = from_feed_text(text, lang_hint=lang_hint)
    return replace(result, classification=worker_classifier(*topics).classify(title, result.text))


def classify_all(
    settings: Settings, engine: Engine, now: datetime, progress: Callable[[int], None] | None = None
) -> tuple[int, float]:
    """Re-classify every stored item; returns (items, seconds). Batches of 500, one transaction each."""
    classifier = load_classifier(settings)
    started = time.perf_counter()
    done, last = 0, 0
    while True:
        with Session(engine) as session:
            batch = topic_store.texts_for_classification(session, last, 500)
            if not batch:
                break
            for item_id, title, text in batch:
                topic_store.save(session, item_id, classifier.classify(title, text), now)
            session.commit()
        done += len(batch)
        last = batch[-1][0]
        if progress:
            progress(len(batch))
    return done, time.perf_counter() - started
