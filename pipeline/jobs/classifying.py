"""Building the classifier from the settings, and re-classifying the whole store after the topics change."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from pipeline.classify import Classifier
from pipeline.errors import ConfigError
from pipeline.settings import Settings
from pipeline.store import topics as topic_store
from pipeline.topics import TopicSet, load_topics

WEIGHTS_FILE = "weights.json"


def load_topic_set(settings: Settings) -> TopicSet:
    weights_path = settings.baseline_dir / WEIGHTS_FILE
    weights: dict[str, dict[str, float]] = {}
    if weights_path.exists():
        try:
            weights = json.loads(weights_path.read_text(encoding="utf-8"))["boosts"]
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"baseline: {weights_path}: unreadable term weights ({exc})") from exc
    return load_topics(settings.topics, weights)


def load_classifier(settings: Settings) -> Classifier:
    return Classifier(load_topic_set(settings))


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
