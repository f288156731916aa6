"""The topic definitions (config/topics.toml) as typed values, checked when loaded."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.topics.morph import stem, words

NAMED = ("union-programmes", "tax-code", "bases", "energy-prices")


@dataclass(frozen=True)
class Term:
    """One phrase: each part is a stem, or a raw prefix when it ended in *."""

    text: str
    parts: tuple[tuple[str, bool], ...]  # (stem or prefix, is_prefix)
    weight: float = 1.0


@dataclass(frozen=True)
class Topic:
    id: str
    name: str
    description: str
    terms: tuple[Term, ...]
    exclude: tuple[Term, ...] = ()
    threshold: float | None = None  # this topic's own bar, when it differs from the set's
    near: str = ""  # a gate group ("belarus", "russia") whose mention in the same sentence a term needs ...
    away_factor: float = 1.0  # ... to count fully; elsewhere it counts this much
    context: tuple[Term, ...] = ()  # words that add to the topic only where one of its own terms is present
    weight: float = 1.0  # how much a story on it counts toward the digest's lead, beside how widely it ran
    # narrower topics this one is the setting of: where one of them scores at least twice as high, this topic
    # is a passing mention (political integration around a programme or tax item: GUIDE.md's rule)
    yields_to: tuple[str, ...] = ()
    # ... unless one of these names the occasion that makes it a subject beside them (the presidents, their
    # summit: "a summit that signs programmes is union-programmes and political-integration"); where none is
    # named, a programme item's integration talk is its setting at a lower ratio (classify.SETTING_RATIO)
    subject_with: tuple[Term, ...] = ()


@dataclass(frozen=True)
class Gate:
    belarus: tuple[Term, ...]
    russia: tuple[Term, ...]
    union: tuple[Term, ...]
    pair: tuple[Term, ...]
    off_topic: tuple[Term, ...]
    others: tuple[Term, ...] = ()  # third states and multilateral bodies: in one sentence with both, a list
    # where an outlet is at home (host suffixes: ".by", "tass.com"): there "integration" needs no qualifier
    home_outlets: tuple[str, ...] = ()
    shorthand: tuple[Term, ...] = ()  # the words that, at home, mean this integration


@dataclass(frozen=True)
class TopicSet:
    topics: tuple[Topic, ...]
    gate: Gate
    threshold: float = 2.0
    title_weight: float = 2.5
    repeat_decay: float = 0.5
    relevance_threshold: float = 2.0
    weights: dict[str, dict[str, float]] = field(default_factory=dict)  # baseline boosts: topic → term → factor

    def get(self, topic_id: str) -> Topic:
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)


def make_term(text: str, weight: float = 1.0) -> Term:
    parts = []
    for piece in text.lower().replace("ё", "е").split():
        if piece.endswith("*"):
            parts.append((piece[:-1], True))
        else:
            tokens = words(piece, flags=True)
            parts.extend((stem(token), False) for token in tokens)
    if not parts:
        raise ValueError(f"term {text!r} has no words")
    return Term(text=text, parts=tuple(parts), weight=weight)


def _weighted(raw: dict[str, Any]) -> Term:
    """A term as topics.toml writes one with its weight: { t = "…", w = 1.5 }."""
    return make_term(str(raw["t"]), float(raw.get("w", 1.0)))


_REGIONAL_A = 0x1F1E6  # the regional-indicator letter A: a flag is two of these letters, its country's ISO code


def _other_flags(sides: tuple[Term, ...]) -> tuple[Term, ...]:
    """Every flag the two sides' terms do not claim, as a third state: a channel heads a group's statement with a
    row of flags (🇦🇲 🇧🇾 🇰🇿 🇷🇺), a talk with a third state with two (🇷🇺 🇩🇪), and which states a row holds is
    not for the lexicon to list."""
    claimed = {term.parts for term in sides}
    letters = [chr(_REGIONAL_A + n) for n in range(26)]
    flags = (make_term(a + b) for a in letters for b in letters)
    return tuple(flag for flag in flags if flag.parts not in claimed)


def _unique(terms: Iterable[Term]) -> tuple[Term, ...]:
    """One term per stem sequence (цена на газ / цены на газ are one term once stemmed), the heaviest kept."""
    best: dict[tuple[tuple[str, bool], ...], Term] = {}
    for term in terms:
        if term.parts not in best or term.weight > best[term.parts].weight:
            best[term.parts] = term
    return tuple(best.values())


def load_topics(path: Path, weights: dict[str, dict[str, float]] | None = None) -> TopicSet:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"topics: {path}: {exc}") from exc
    try:
        topics = []
        for n, raw in enumerate(data.get("topic", []), start=1):
            for key in ("id", "name", "description", "terms"):
                if key not in raw:
                    raise ConfigError(f"topics: {path}: topic {n}: key '{key}' is missing")
            terms = _unique(_weighted(t) for t in raw["terms"])
            exclude = tuple(make_term(str(t)) for t in raw.get("exclude", []))
            context = _unique(_weighted(t) for t in raw.get("context", []))
            own = float(raw["threshold"]) if "threshold" in raw else None
            near, away = str(raw.get("near", "")), float(raw.get("away_factor", 1.0))
            if near and near not in ("belarus", "russia", "union"):
                raise ConfigError(f"topics: {path}: topic {n}: 'near' must be belarus, russia or union, got {near!r}")
            topics.append(
                Topic(
                    raw["id"],
                    raw["name"],
                    " ".join(raw["description"].split()),
                    terms,
                    exclude,
                    own,
                    near,
                    away,
                    context,
                    float(raw.get("weight", 1.0)),
                    tuple(str(t) for t in raw.get("yields_to", [])),
                    tuple(make_term(str(t)) for t in raw.get("subject_with", [])),
                )
            )
        gate_raw = data.get("gate", {})

        def group(key: str) -> tuple[Term, ...]:  # a term is a string, or {t = "…", w = weight}
            return tuple(_weighted(t) if isinstance(t, dict) else make_term(str(t)) for t in gate_raw.get(key, []))

        belarus, russia = group("belarus"), group("russia")
        gate = Gate(
            belarus,
            russia,
            group("union"),
            group("pair"),
            group("off_topic"),
            group("others") + _other_flags(belarus + russia),
            home_outlets=tuple(str(h).lower().strip() for h in gate_raw.get("home_outlets", [])),
            shorthand=group("shorthand"),
        )
        options = data.get("classifier", {})
        known = {x.id for x in topics}
        missing = [t for t in NAMED if t not in known]
        if missing:
            raise ConfigError(f"topics: {path}: the owner's topics must be defined: missing {', '.join(missing)}")
        for topic in topics:
            unknown = [t for t in topic.yields_to if t not in known or t == topic.id]
            if unknown:
                raise ConfigError(f"topics: {path}: topic {topic.id}: yields_to names no other topic: {unknown[0]!r}")
        return TopicSet(
            topics=tuple(topics),
            gate=gate,
            threshold=float(options.get("threshold", 2.0)),
            title_weight=float(options.get("title_weight", 2.5)),
            repeat_decay=float(options.get("repeat_decay", 0.5)),
            relevance_threshold=float(options.get("relevance_threshold", 2.0)),
            weights=weights or {},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"topics: {path}: {exc}") from exc
