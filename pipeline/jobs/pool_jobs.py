"""What runs inside the worker processes: parsing a feed, extracting an article, and classifying either.

Only what those jobs need is imported here (the parsers and the classifier, not the store or SQLAlchemy): the
forkserver preloads this module, and a crawl pays for that import once per run, 0.6 s of CPU when it was the
store's module (`benchmarks/crawl.py`: most of what a 200-feed crawl's pool cost beyond parsing).
"""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.articles.extract import Extracted, extract_article, from_feed_text
from pipeline.domain import ParsedFeed
from pipeline.errors import ConfigError
from pipeline.ingest.parse import parse_feed
from pipeline.topics import learned
from pipeline.topics.classify import Classification, Classifier
from pipeline.topics.definitions import TopicSet, load_topics
from pipeline.topics.learned import Model

WEIGHTS_FILE = "weights.json"


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


def load_model(path: Path) -> Model | None:
    if not path.exists():
        return None
    try:
        return learned.loads(path.read_bytes())
    except (OSError, ValueError, KeyError, EOFError) as exc:
        raise ConfigError(f"classifier: {path}: unreadable learned model ({exc}); retrain it or remove it") from exc


@functools.lru_cache(maxsize=4)
def _cached(topics: str, baseline_dir: str, model: str, stamp: tuple[float, float, float]) -> Classifier:
    return Classifier(topic_set_from(Path(topics), Path(baseline_dir)), load_model(Path(model)))


def worker_classifier(topics: str, baseline_dir: str, model_file: str) -> Classifier:
    """The classifier inside a worker process: built once, rebuilt only when the files change."""
    weights = Path(baseline_dir) / WEIGHTS_FILE
    model = Path(model_file)
    stamp = (
        Path(topics).stat().st_mtime,
        weights.stat().st_mtime if weights.exists() else 0.0,
        model.stat().st_mtime if model.exists() else 0.0,
    )
    return _cached(topics, baseline_dir, model_file, stamp)


def extract_and_classify(body: bytes, *, title: str, topics: tuple[str, str, str], **options: Any) -> Extracted:
    """Worker job: extraction and classification together, so the event loop's process does neither."""
    result = extract_article(body, **options)
    if result.status not in ("ok", "feed"):
        return result
    verdict = worker_classifier(*topics).classify(title, result.text, url=options.get("url") or "", lang=result.lang)
    return replace(result, classification=verdict)


def feed_text_and_classify(
    text: str, *, title: str, topics: tuple[str, str, str], lang_hint: str = "", url: str = ""
) -> Extracted:
    result = from_feed_text(text, lang_hint=lang_hint)
    verdict = worker_classifier(*topics).classify(title, result.text, url=url, lang=result.lang)
    return replace(result, classification=verdict)


def parse_and_classify(
    body: bytes, name: str, content_type: str, base_url: str, topics: tuple[str, str, str]
) -> tuple[ParsedFeed, dict[str, Classification]]:
    """Worker job: parse the feed and give every entry a first verdict from its title and teaser (or the
    feed's own full text); the article stage judges again when it has the page."""
    parsed = parse_feed(body, name=name, content_type=content_type, base_url=base_url)
    classifier = worker_classifier(*topics)
    verdicts = {
        e.key: classifier.classify(e.title, e.content or e.summary, url=e.canonical_url or e.link or base_url)
        for e in parsed.entries
    }
    return parsed, verdicts
