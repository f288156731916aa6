"""Turning feed HTML into plain text, cheaply; feed titles and teasers are small and often malformed."""

from __future__ import annotations

import html
import re

_BLOCK = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr|/blockquote)\b[^>]*>", re.I)
_DROP = re.compile(r"<\s*(script|style|noscript)\b.*?<\s*/\s*\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_LINES = re.compile(r"\s*\n\s*")
# a sentence ends at . ! ? … before a capital, a digit or an opening quote: "куб. м" and "т. е." do not end one
_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=[«\"“„'(\[]?[A-ZА-ЯЁІЎЇЄҐ0-9])|\n+")


def plain_text(fragment: str | None, *, keep_lines: bool = False) -> str:
    """Strip tags and entities; with keep_lines, block ends become line breaks (paragraphs survive)."""
    if not fragment:
        return ""
    text = _DROP.sub(" ", fragment)
    text = _BLOCK.sub("\n", text) if keep_lines else text
    text = html.unescape(_TAG.sub(" " if not keep_lines else "", text))
    if "<" in text and ">" in text:  # double-escaped markup (&lt;p&gt;) is common in feeds
        text = html.unescape(_TAG.sub(" ", text))
    text = _SPACES.sub(" ", text)
    if keep_lines:
        return _LINES.sub("\n", text).strip()
    return " ".join(text.split())


def clip(sentence: str, limit: int) -> str:
    """At most `limit` characters, cut at a word and marked with an ellipsis."""
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def sentences(text: str) -> list[str]:
    """Sentences (and lines) of a plain text, stripped, empty ones dropped: the unit of evidence."""
    return [part.strip() for part in _SENTENCE.split(text) if part.strip()]
