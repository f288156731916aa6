"""Scores on a labelled set: per-topic precision, recall and F1, relevance, and the macro-F1 the owner reads."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.topics.classify import Classification
from pipeline.topics.definitions import NAMED


@dataclass(frozen=True)
class Labelled:
    id: str
    title: str
    text: str
    relevant: bool
    topics: frozenset[str]
    lang: str = ""
    url: str = ""  # where it was published: a Belarusian or Russian outlet reads "integration" as this pair's


def read_labelled(path: Path) -> list[Labelled]:
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"eval: {path}: cannot read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"eval: {path}: not UTF-8 (byte {exc.start}: {exc.reason}); a labelled file is UTF-8 JSON lines"
        ) from exc
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            rows.append(
                Labelled(
                    id=str(raw["id"]),
                    title=str(raw.get("title") or ""),
                    text=str(raw.get("text") or ""),
                    relevant=bool(raw["relevant"]),
                    topics=frozenset(raw.get("topics") or []),
                    lang=str(raw.get("lang") or ""),
                    url=str(raw.get("url") or ""),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ConfigError(f"eval: {path}: line {n}: {exc}") from exc
    if not rows:
        raise ConfigError(
            f"eval: {path}: no labelled items (one JSON object a line: id, title, text, relevant, topics)"
        )
    return rows


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def score(
    rows: list[Labelled], predict: Callable[[Labelled], Classification], topic_ids: Iterable[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The report's shape for one predictor, and its predictions (out of scope counts as no topics)."""
    ids = list(topic_ids)
    predictions = []
    rel = {"tp": 0, "fp": 0, "fn": 0}
    per = {t: {"tp": 0, "fp": 0, "fn": 0} for t in ids}
    for row in rows:
        result = predict(row)
        predicted = set(result.topic_ids) if result.relevant else set()
        predictions.append({"id": row.id, "relevant": result.relevant, "topics": sorted(predicted)})
        rel[
            "tp" if result.relevant and row.relevant else "fp" if result.relevant else "fn" if row.relevant else "tn"
        ] = (
            rel.get(
                "tp"
                if result.relevant and row.relevant
                else "fp"
                if result.relevant
                else "fn"
                if row.relevant
                else "tn",
                0,
            )
            + 1
        )
        gold = set(row.topics) if row.relevant else set()
        for t in ids:
            if t in predicted and t in gold:
                per[t]["tp"] += 1
            elif t in predicted:
                per[t]["fp"] += 1
            elif t in gold:
                per[t]["fn"] += 1
    topics = {t: {**_prf(c["tp"], c["fp"], c["fn"]), "support": c["tp"] + c["fn"]} for t, c in per.items()}
    report = {
        "relevance": _prf(rel["tp"], rel["fp"], rel["fn"]),
        "topics": topics,
        "macro_f1_named": round(sum(topics[t]["f1"] for t in NAMED if t in topics) / len(NAMED), 4),
    }
    return report, predictions
