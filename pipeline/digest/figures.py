"""Figures that items state, read against the baseline's indicators (baseline/facts.toml).

Only what a sentence says in so many words counts: a number with its unit ("$128,5 за тысячу кубометров",
"80 процентов", "18 million tonnes") in a sentence that also names the indicator's subject. No match, no
figure; a figure is never derived, summed or guessed. Russian decimal commas and thin-space thousands are
understood, and so is a year or month stated in the sentence, which becomes the figure's period.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date as Day  # `date` is an indicator's field
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.text import clip, sentences

KINDS = ("price_per_1000m3", "million_tonnes", "percent", "count", "usd_billion")

_NUM = r"(?<![\d.,])(\d{1,3}(?:[  \u202f]\d{3})+|\d+)(?:([.,])(\d+))?(?![\d])"
_CURRENCY_BEFORE = r"(?:US\$|\$|USD\s?)"
_CURRENCY_AFTER = r"(?:\s?(?:\$|USD|US dollars?|dollars?|долл\.|долларов|доллара|доллар|даляраў|даляры))"
_PER_1000M3 = re.compile(
    r"(?:per|a|for|/)\s*(?:one\s+)?(?:1[ ,.]?000|thousand|tcm)\s*(?:cubic\s+met(?:er|re)s?|cu\.?\s?m|m3|m³|tcm)?"
    r"|/\s*tcm|за\s+(?:1\s*)?(?:1[ .]?000|тысяч[уаи]|тыс\.?)\s*"
    r"(?:кубометр\w*|куб\.?\s*м\.?|куб\.|кубических\s+метр\w*|м3|м³)"
    r"|за\s+тысяч[уаи]\s+кубаметр\w*|за\s+1000\s+кубаметр\w*",
    re.IGNORECASE,
)
_MONEY = re.compile(rf"{_CURRENCY_BEFORE}\s?{_NUM}|{_NUM}{_CURRENCY_AFTER}", re.IGNORECASE)
_TONNES = re.compile(
    rf"{_NUM}\s*(?:million|mln\.?|млн\.?|миллион\w*|мільён\w*|мільйон\w*)\s*(?:metric\s+)?(?:tonnes|tons|т\.?(?!\w)|тонн\w*|тон\w*)",
    re.IGNORECASE,
)
_BILLION_USD = re.compile(
    rf"(?:{_CURRENCY_BEFORE}\s?)?{_NUM}\s*(?:billion|bln|bn|млрд\.?|миллиард\w*|мільярд\w*)", re.IGNORECASE
)
_DOLLARS_AFTER = re.compile(
    r"\s+(?:в\s+)?(?:US\s+|американских\s+)?(?:долл\w*|dollars?|USD|\$|даляр\w*|долларовом)", re.IGNORECASE
)
_PERCENT = re.compile(rf"{_NUM}\s*(?:%|per\s?cent|процент\w*|проц\.|працэнт\w*|відсот\w*)", re.IGNORECASE)
_MONTHS = {
    "jan": 1, "янв": 1, "сту": 1, "feb": 2, "фев": 2, "лют": 2, "mar": 3, "мар": 3, "сак": 3, "apr": 4, "апр": 4,
    "кра": 4, "may": 5, "мая": 5, "май": 5, "тра": 5, "jun": 6, "июн": 6, "чэр": 6, "jul": 7, "июл": 7, "ліп": 7,
    "aug": 8, "авг": 8, "жні": 8, "sep": 9, "сен": 9, "вер": 9, "oct": 10, "окт": 10, "кас": 10, "nov": 11,
    "ноя": 11, "ліс": 11, "dec": 12, "дек": 12, "сне": 12,
}  # fmt: skip
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[^\W\d_]+")
_PERIOD = re.compile(r"(?:([^\W\d_]{3,})\.?\s+)?((?:19|20)\d\d)(?!\d)", re.IGNORECASE)


@dataclass(frozen=True)
class Indicator:
    id: str
    topic: str
    name: str
    value: float
    unit: str
    date: str
    source: str
    kind: str
    context: tuple[tuple[str, ...], ...] = ()
    nouns: tuple[str, ...] = ()
    low: float = 0.0
    high: float = float("inf")
    short: str = ""  # for a mail subject: "gas price"

    @property
    def since(self) -> Day:
        """The first day of the period the baseline value describes ("2023-01": 1 January 2023)."""
        year, month, day = [*self.date.split("-"), "1", "1"][:3]
        return Day(int(year), int(month), int(day))


def established(indicators: Iterable[Indicator], before: Day) -> list[Indicator]:
    """The indicators whose baseline period began before `before`: a digest of December 2019 cannot stand
    against a share of programmes implemented reported in 2023, nor count the 28 programmes signed in 2021."""
    return [i for i in indicators if i.since < before]


@dataclass(frozen=True)
class Figure:
    """One figure one sentence states."""

    indicator: str
    value: float
    unit: str
    period: str | None  # "2027" or "2027-01" when the sentence dates it
    sentence: str


def load_indicators(path: Path) -> list[Indicator]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"baseline: cannot read {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"baseline: {path}: {exc}") from exc
    return [_indicator(path, n, raw) for n, raw in enumerate(data.get("indicator", []), 1)]


def _indicator(path: Path, n: int, raw: dict[str, Any]) -> Indicator:
    where = f"baseline: {path}: indicator {raw.get('id', n)}"
    try:
        low, high = raw.get("range", [0.0, float("inf")])
        indicator = Indicator(
            id=str(raw["id"]),
            topic=str(raw["topic"]),
            name=str(raw["name"]),
            value=float(raw["value"]),
            unit=str(raw["unit"]),
            date=str(raw["date"]),
            source=str(raw["source"]),
            kind=str(raw["kind"]),
            context=tuple(tuple(str(w).lower() for w in group) for group in raw.get("context", [])),
            nouns=tuple(str(w).lower() for w in raw.get("nouns", [])),
            low=float(low),
            high=float(high),
            short=str(raw.get("short", "")),
        )
    except KeyError as exc:
        raise ConfigError(f"{where}: missing key {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if not re.fullmatch(r"(?:19|20)\d\d(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?", indicator.date):
        raise ConfigError(f"{where}: date {indicator.date!r} is not a year, year-month or day (2023, 2023-01)")
    if indicator.kind not in KINDS:
        raise ConfigError(f"{where}: kind {indicator.kind!r} is not one of {', '.join(KINDS)}")
    if indicator.kind == "count" and not indicator.nouns:
        raise ConfigError(f"{where}: a count needs `nouns`, the words that follow the number")
    return indicator


def number(whole: str, sep: str | None, fraction: str | None) -> float:
    """'128', ',', '5' → 128.5; '1', ',', '000' → 1000 (a comma before three digits groups thousands)."""
    digits = re.sub(r"\D", "", whole)
    if fraction is None:
        return float(digits)
    if sep == "," and len(fraction) == 3 and len(digits) <= 3 and digits != "0":
        return float(digits + fraction)
    return float(f"{digits}.{fraction}")


def find_figures(text: str, indicators: list[Indicator]) -> list[Figure]:
    """Every figure the text states for any of the indicators, in the order they appear."""
    found: list[Figure] = []
    if not indicators or not _DIGIT.search(text):  # most items: no indicator of their topics, or no number
        return found
    for sentence in sentences(text):
        if not _DIGIT.search(sentence):
            continue
        lowered = sentence.lower()
        words = _WORD.findall(lowered)
        for indicator in indicators:
            if not _in_context(words, indicator):
                continue
            for value in _values(sentence, lowered, indicator):
                if indicator.low <= value <= indicator.high:
                    found.append(Figure(indicator.id, value, indicator.unit, _period(sentence), clip(sentence, 400)))
    return found


def _in_context(words: list[str], indicator: Indicator) -> bool:
    return all(any(w.startswith(group) for w in words) for group in indicator.context)


def _values(sentence: str, lowered: str, indicator: Indicator) -> list[float]:
    if indicator.kind == "price_per_1000m3":
        return [
            number(*(m.group(1, 2, 3) if m.group(1) else m.group(4, 5, 6)))
            for m in _MONEY.finditer(sentence)
            if _PER_1000M3.search(sentence, m.end(), m.end() + 40)
        ]
    if indicator.kind == "million_tonnes":
        return [number(*m.group(1, 2, 3)) for m in _TONNES.finditer(sentence)]
    if indicator.kind == "percent":
        return [number(*m.group(1, 2, 3)) for m in _PERCENT.finditer(sentence)]
    if indicator.kind == "usd_billion":  # a dollar sign before, or dollars named right after
        return [
            number(*m.group(1, 2, 3))
            for m in _BILLION_USD.finditer(sentence)
            if "$" in m.group(0) or "usd" in m.group(0).lower() or _DOLLARS_AFTER.match(sentence, m.end())
        ]
    values = []
    for m in re.finditer(_NUM, lowered):
        rest = lowered[m.end() :].lstrip()
        if any(rest.startswith(noun) for noun in indicator.nouns):
            values.append(number(*m.group(1, 2, 3)))
    return values


def _period(sentence: str) -> str | None:
    for match in _PERIOD.finditer(sentence):
        month = _MONTHS.get((match[1] or "")[:3].lower())
        return f"{match[2]}-{month:02d}" if month else match[2]
    return None


def differs(value: float, reference: float) -> bool:
    """More than rounding apart: 0.5 % of the reference, at least 0.05."""
    return abs(value - reference) > max(0.05, abs(reference) * 0.005)
