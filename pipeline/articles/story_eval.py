"""Pairwise precision and recall of the story matcher on hand-labelled pairs of corpus items.

Two figures: `pairs` asks the matcher about each labelled pair alone (what it decides between two items),
`grouped` runs `group` over every dated item of the items file and asks whether the two landed in one story
(what the digest shows, joins through third items included).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from pipeline.articles.events import SAME_EVENT, EventItem, group, pair_scores
from pipeline.errors import ConfigError

_DAY = re.compile(r"\d{4}-\d\d-\d\d$")


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    same: bool


def read_pairs(path: Path) -> list[Pair]:
    pairs = []
    for n, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            pairs.append(Pair(str(raw["a"]), str(raw["b"]), bool(raw["same"])))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ConfigError(f"eval-stories: {path}: line {n}: {exc}") from exc
    return pairs


def read_items(path: Path) -> dict[str, EventItem]:
    """Corpus items (id, dataset, lang, date, url, title, text) as the matcher sees them; undated ones left
    out. A Telegram post's source is its channel, which the corpus keeps in the title."""
    items: dict[str, EventItem] = {}
    for n, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"eval-stories: {path}: line {n}: {exc}") from exc
        when = _date(str(raw.get("date") or ""))
        if when is None:
            continue
        url = str(raw.get("url") or "")
        title = str(raw.get("title") or "")
        source = title if url.startswith("tg:") else str(raw.get("dataset") or "").split(":")[-1]
        items[str(raw["id"])] = EventItem(
            n, when, title, str(raw.get("text") or ""), source, str(raw.get("lang") or "")
        )
    return items


def with_meaning(items: dict[str, EventItem], progress: Callable[[int, int], None]) -> dict[str, EventItem]:
    """The items with their vectors (the optional extra), embedded in batches on every core."""
    from pipeline.articles.meaning import Embedder

    embedder = Embedder(threads=os.cpu_count() or 1)
    keys = list(items)
    out: dict[str, EventItem] = {}
    for start in range(0, len(keys), 256):
        chunk = keys[start : start + 256]
        out.update(zip(chunk, embedder.embedded([items[k] for k in chunk]), strict=True))
        progress(len(out), len(keys))
    return out


def measure(pairs: list[Pair], items: dict[str, EventItem], threshold: float = SAME_EVENT) -> dict[str, Any]:
    usable = [p for p in pairs if p.a in items and p.b in items]
    scores = pair_scores([(items[p.a], items[p.b]) for p in usable])
    stories = group(items.values(), threshold=threshold)
    alone = [s >= threshold for s in scores]
    grouped = [stories[items[p.a].id] == stories[items[p.b].id] for p in usable]
    gold = [p.same for p in usable]
    return {
        "pairs": len(usable),
        "same_event": sum(gold),
        "skipped": len(pairs) - len(usable),
        "threshold": threshold,
        "pairwise": _prf(alone, gold),
        "grouped": _prf(grouped, gold),
        "items_grouped": len(items),
        "stories": len(set(stories.values())),
    }


def _prf(predicted: list[bool], gold: list[bool]) -> dict[str, float]:
    tp = sum(p and g for p, g in zip(predicted, gold, strict=True))
    fp = sum(p and not g for p, g in zip(predicted, gold, strict=True))
    fn = sum(g and not p for p, g in zip(predicted, gold, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "tp": tp, "fp": fp, "fn": fn}


def _date(text: str) -> datetime | None:
    try:
        if _DAY.match(text):  # a day only: noon, so that a day's items fall in one window
            return datetime.fromisoformat(text).replace(hour=12, tzinfo=UTC)
        if re.match(r"\d{4}-\d\d-\d\dT", text):
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return parsedate_to_datetime(text).astimezone(UTC)
    except (ValueError, TypeError):
        return None


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"eval-stories: {path}: cannot read ({exc})") from exc
