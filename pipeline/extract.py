"""Article pages → text and metadata, with trafilatura, from bytes we fetched (trafilatura never downloads).

Pure and picklable: runs in worker processes. Failures are values with a reason, never None with the reason
lost: the item keeps its feed summary and the reason is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from pipeline.fingerprint import signature
from pipeline.language import detect_language

MIN_TEXT = 250  # characters; less than this from a page is not an article body
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


@dataclass(frozen=True)
class Extracted:
    status: str  # ok, feed, too_short, failed
    text: str = ""
    reason: str = ""
    title: str = ""
    author: str = ""
    published: datetime | None = None
    site_name: str = ""
    lang: str = ""
    minhash: bytes | None = None


def decode_html(body: bytes, content_type: str = "") -> str:
    """Bytes → str: the server's charset, else the page's <meta>, else UTF-8, else detection."""
    candidates: list[str] = []
    header = _HEADER_CHARSET.search(content_type or "")
    if header:
        candidates.append(header.group(1))
    meta = _META_CHARSET.search(body[:8192])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "ignore"))
    candidates.append("utf-8")
    for name in candidates:
        try:
            return body.decode(_alias(name))
        except (LookupError, UnicodeDecodeError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    return body.decode(best.encoding if best else "cp1251", errors="replace")


def _alias(name: str) -> str:
    name = name.lower().strip()
    return {"win-1251": "cp1251", "windows1251": "cp1251", "x-cp1251": "cp1251"}.get(name, name)


@lru_cache(maxsize=1)
def _config() -> Any:
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # signals do not mix with worker pools
    return config


def extract_article(body: bytes, *, url: str, content_type: str = "", lang_hint: str = "") -> Extracted:
    """Main text, title, author, date and site name of one page."""
    import trafilatura

    try:
        html = decode_html(body, content_type)
        doc: Any = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=True, config=_config()
        )
    except Exception as exc:  # trafilatura and lxml raise many kinds on hostile pages; keep the reason
        return Extracted(status="failed", reason=f"extract: {type(exc).__name__}: {exc}"[:500])
    if doc is None or not (doc.text or "").strip():
        return Extracted(status="failed", reason="extract: no main text found on the page")
    text = doc.text.strip()
    title, author = (doc.title or "").strip(), (doc.author or "").strip()
    published, site_name = _date(doc.date), (doc.sitename or "").strip()
    if len(text) < MIN_TEXT:
        return Extracted(
            status="too_short",
            text=text,
            reason=f"extract: only {len(text)} characters of text",
            title=title,
            author=author,
            published=published,
            site_name=site_name,
        )
    return Extracted(
        status="ok",
        text=text,
        title=title,
        author=author,
        published=published,
        site_name=site_name,
        lang=detect_language(text, hint=lang_hint),
        minhash=signature(text),
    )


def from_feed_text(text: str, *, lang_hint: str = "") -> Extracted:
    """The feed carried the full text itself; no page fetch needed."""
    return Extracted(status="feed", text=text, lang=detect_language(text, hint=lang_hint), minhash=signature(text))


def _date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
