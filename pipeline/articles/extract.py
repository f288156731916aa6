"""Article pages → text and metadata, with trafilatura, from bytes we fetched (trafilatura never downloads).

Pure and picklable: runs in worker processes. Failures are values with a reason, never None with the reason
lost: the item keeps its feed summary and the reason is stored.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypedDict

from pipeline.articles.fingerprint import signature, text_hash
from pipeline.articles.language import detect_language
from pipeline.ingest.encoding import decode
from pipeline.topics.classify import Classification

MIN_TEXT = 250  # characters; less than this from a page is not an article body


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
    text_hash: str = ""  # computed here, in the worker, to keep the event loop's process light
    classification: Classification | None = None  # filled by the worker job when topics are known


def decode_html(body: bytes, content_type: str = "") -> str:
    """Bytes → str by the evidence feeds are read by (pipeline.ingest.encoding), the page's <meta> in place
    of the prolog."""
    return decode(body, content_type, html=True).text


@lru_cache(maxsize=1)
def _config() -> Any:
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # signals do not mix with worker pools
    return config


def extract_article(
    body: bytes, *, url: str, content_type: str = "", lang_hint: str = "", need_date: bool = True
) -> Extracted:
    """Main text, title, author, date and site name of one page.

    The page is parsed once; the metadata comes from trafilatura's own helpers, but only the ones we use
    (categories, tags, licence and the slow author fallback are skipped), and the date only when the feed
    did not give one (`need_date`). This keeps extraction cheaper than a bare `trafilatura.extract`.
    """
    import trafilatura
    from trafilatura.utils import load_html

    try:
        tree = load_html(decode_html(body, content_type))
        if tree is None:
            return Extracted(status="failed", reason="extract: the page is not HTML that can be parsed")
        meta = _metadata(tree, url, need_date)
        doc: Any = trafilatura.bare_extraction(
            tree,
            url=url,
            with_metadata=False,
            include_comments=False,
            include_tables=True,
            fast=True,  # no readability/jusText fallback: faster, and more accurate on the benchmark (README)
            config=_config(),
        )
    except Exception as exc:  # trafilatura and lxml raise many kinds on hostile pages; keep the reason
        return Extracted(status="failed", reason=f"extract: {type(exc).__name__}: {exc}"[:500])
    if doc is None or not (doc.text or "").strip():
        return Extracted(status="failed", reason="extract: no main text found on the page", **meta)
    text = doc.text.strip()
    if len(text) < MIN_TEXT:
        return Extracted(status="too_short", text=text, reason=f"extract: only {len(text)} characters of text", **meta)
    return _with_text("ok", text, lang_hint, **meta)


class _Meta(TypedDict):
    title: str
    author: str
    published: datetime | None
    site_name: str


def _metadata(tree: Any, url: str, need_date: bool) -> _Meta:
    from htmldate import find_date
    from trafilatura.metadata import examine_meta, extract_meta_json, extract_sitename, extract_title

    found = examine_meta(tree)
    with contextlib.suppress(Exception):  # trafilatura's JSON-LD reader trips on broken markup; <meta> still counts
        found = extract_meta_json(tree, found)
    published = None
    if need_date:
        published = _date(find_date(tree, extensive_search=False, original_date=True, url=url or None))
    return _Meta(
        title=(found.title or extract_title(tree) or "").strip(),
        author=(found.author or "").strip(),
        published=published,
        site_name=(found.sitename or extract_sitename(tree) or "").strip().lstrip("@"),
    )


def from_feed_text(text: str, *, lang_hint: str = "") -> Extracted:
    """The feed carried the full text itself; no page fetch needed."""
    return _with_text("feed", text, lang_hint)


def _with_text(status: str, text: str, lang_hint: str, **meta: Any) -> Extracted:
    """A good result: what every article text gets computed here, in the worker (language, MinHash, hash)."""
    return Extracted(
        status=status,
        text=text,
        lang=detect_language(text, hint=lang_hint),
        minhash=signature(text),
        text_hash=text_hash(text),
        **meta,
    )


def _date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
