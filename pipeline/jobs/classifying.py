"""Building the classifier from the settings, and re-classifying the whole store after the topics change."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from pipeline.errors import ConfigError
from pipeline.files import write_atomic
from pipeline.jobs.indexing import index_items, indicators_of
from pipeline.jobs.pool_jobs import WEIGHTS_FILE, load_model, topic_set_from
from pipeline.settings import Settings
from pipeline.store import corrections as correction_store
from pipeline.store import topics as topic_store
from pipeline.store.models import Item
from pipeline.topics import corrections, learned
from pipeline.topics.classify import MAX_TEXT, Classification, Classifier, TopicMatch
from pipeline.topics.definitions import TopicSet
from pipeline.topics.evaluate import read_labelled
from pipeline.topics.learned import Model, Row, dense_features, stem_slots

MODEL_FILE = "model.npz"  # the learned second opinion (topics/learned.py), beside the baseline's term weights


def load_topic_set(settings: Settings) -> TopicSet:
    return topic_set_from(settings.topics, settings.baseline_dir)


def load_classifier(settings: Settings, *, learned: bool = True) -> Classifier:
    """The lexicon, with the learned model when one has been trained (and `learned` is not turned off)."""
    return Classifier(load_topic_set(settings), load_model(model_path(settings)) if learned else None)


def model_path(settings: Settings) -> Path:
    """The model this deployment retrained (in the data folder) if any, else the one shipped in baseline/."""
    own = settings.data_dir / MODEL_FILE
    return own if own.exists() else settings.baseline_dir / MODEL_FILE


def worker_files(settings: Settings) -> tuple[str, str, str]:
    """What a worker process needs to build the same classifier: plain strings, picklable."""
    return str(settings.topics), str(settings.baseline_dir), str(model_path(settings))


def lexicon_fingerprint(topics: Path, baseline_dir: Path) -> str:
    """What the model's lexicon features were computed with: a retrain is due when this changes."""
    weights = baseline_dir / WEIGHTS_FILE
    return learned.fingerprint(
        topics.read_text(encoding="utf-8"), weights.read_text(encoding="utf-8") if weights.exists() else ""
    )


def training_row(
    lexicon: Classifier,
    title: str,
    text: str,
    relevant: bool,
    topics: frozenset[str],
    *,
    url: str = "",
    lang: str = "",
    **kw: Any,
) -> Row:
    """One labelled item as the learned model reads it: the lexicon's verdict and scores, and the stems."""
    text = text[:MAX_TEXT]
    verdict = lexicon.classify(title, text, url=url, lang=lang)
    ids = [t.id for t in lexicon.topic_set.topics]
    return Row(
        dense_features(dict(verdict.scores), verdict.relevance, verdict.relevant, ids),
        stem_slots(title, text),
        relevant,
        topics,
        verdict.relevant,
        frozenset(verdict.topic_ids),
        **kw,
    )


@dataclass(frozen=True)
class Retrained:
    model: Model
    labelled: int  # rows from labelled files (or kept from the previous model)
    corrections: int
    seconds: float
    path: Path


def retrain(settings: Settings, engine: Engine, labelled_files: list[Path], out: Path | None = None) -> Retrained:
    """Train the learned model on labelled files (or the labelled rows the current model kept) and every
    analyst's correction in the store; write it to `out`, by default this deployment's own model in the data
    folder (which then wins over the one shipped in baseline/)."""
    started = time.perf_counter()
    lexicon = load_classifier(settings, learned=False)
    ids = [t.id for t in lexicon.topic_set.topics]
    rows: list[Row] = []
    for path in labelled_files:
        for labelled_item in read_labelled(path):
            rows.append(
                training_row(
                    lexicon,
                    labelled_item.title,
                    labelled_item.text,
                    labelled_item.relevant,
                    labelled_item.topics,
                    url=labelled_item.url,
                    lang=labelled_item.lang,
                    source=f"eval:{path.name}:{labelled_item.id}",
                )
            )
    if not labelled_files:
        previous = load_model(model_path(settings))
        rows = [r for r in (previous.rows if previous else []) if not r.source.startswith("correction")]
    labelled = len(rows)
    with Session(engine) as session:
        for item_id, labels in correction_store.by_item(session).items():
            item = session.get(Item, item_id)
            if item is None:
                continue
            row = training_row(
                lexicon,
                item.title,
                item.text or item.summary,
                False,
                frozenset(),
                url=item.url or "",
                lang=item.lang,
                weight=learned.CORRECTION_WEIGHT,
                source=f"correction:{item_id}",
            )
            # the label: the lexicon's verdict (which the row already holds) with the analyst's word laid over it
            verdict = corrections.apply(
                Classification(row.lexicon_relevant, 0.0, tuple(TopicMatch(t, 0.0, ()) for t in row.lexicon_topics)),
                labels,
            )
            rows.append(replace(row, relevant=verdict.relevant, topics=frozenset(verdict.topic_ids)))
    if not rows:
        raise ConfigError("classifier: nothing to train on: give --labelled FILE, or correct items first")
    model = learned.train(rows, ids, lexicon_fingerprint(settings.topics, settings.baseline_dir))
    target = out or settings.data_dir / MODEL_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, learned.dumps(model))
    return Retrained(model, labelled, len(rows) - labelled, time.perf_counter() - started, target)


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
            for row in batch:
                verdict = classifier.classify(row.title, row.text, url=row.url, lang=row.lang)
                topic_store.save(session, row.id, verdict, now)
            session.commit()
        done += len(batch)
        last = batch[-1].id
        if progress:
            progress(len(batch))
    index_items(engine, indicators_of(settings), now)
    return done, time.perf_counter() - started
