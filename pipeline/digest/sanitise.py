"""Feed text made safe to show: whatever a feed put in a title or summary reaches the digest as plain text.

nh3 (ammonia, a maintained HTML sanitiser) removes every tag and the content of script and style; what is left
is unescaped to plain text and escaped again by the templates, so markup from a feed can only ever appear as
visible characters. Links keep only the http and https schemes.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import nh3

_DROP_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math"}


def clean_text(value: str) -> str:
    if not value:
        return ""
    for _ in range(2):  # twice: feeds often escape their markup once more (&lt;b&gt;)
        if "<" in value or "&" in value:
            value = html.unescape(nh3.clean(value, tags=set(), clean_content_tags=_DROP_CONTENT))
    return " ".join(value.split())


def safe_url(value: str | None) -> str:
    """The URL if it is http(s) with a host, else "" (no javascript:, data:, or relative links)."""
    if not value:
        return ""
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return value
