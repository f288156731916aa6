"""Feed bodies → ParsedFeed: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed 1.0/1.1 by hand.

Pure: bytes in, values out. The format is told from the body, since servers send feeds as text/html,
text/plain or application/octet-stream often enough; feedparser is only ever given bytes, never a URL, so it
cannot fetch anything behind our limits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import feedparser

from pipeline.domain import Entry, ParsedFeed
from pipeline.errors import ParseError
from pipeline.ingest import plainxml
from pipeline.ingest.dates import rfc822_with_zone_name
from pipeline.ingest.encoding import decode
from pipeline.ingest.urls import canonical_url
from pipeline.text import clean, plain_text

PLAIN_READER = True  # plain RSS 2.0 and Atom 1.0 read by pipeline.ingest.plainxml; False: feedparser reads all
FULL_TEXT_KEYS = ("yandex_full-text", "full-text", "fulltext", "turbo_content")
_PROLOG_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']*(["'])""", re.I)
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF|RDF|channel)\b", re.I)
_HTML_ROOT = re.compile(rb"<(?:!doctype\s+html|html)\b", re.I)


def parse_feed(body: bytes, *, name: str, content_type: str = "", base_url: str = "") -> ParsedFeed:
    """Parse one feed body; raises ParseError naming the feed when nothing feed-like can be read."""
    text = decode(body, content_type).text  # pipeline.ingest.encoding: the one place bytes become text
    head = text[:4096].lstrip("\ufeff\t\r\n ")
    if not head:
        raise ParseError(f"parse: feed {name}: empty body")
    if head[:1] in ("{", "["):
        return _parse_json_feed(text, name=name, base_url=base_url)
    utf8 = text.encode("utf-8")
    if _HTML_ROOT.search(utf8[:1024]) and not _FEED_ROOT.search(utf8[:4096]):
        kind = content_type.split(";")[0].strip() or "text/html"
        raise ParseError(f"parse: feed {name}: not a feed, got {kind}")
    return _parse_xml_feed(utf8, name=name, base_url=base_url)


def _parse_xml_feed(body: bytes, *, name: str, base_url: str) -> ParsedFeed:
    """`body` is UTF-8 already: the prolog is made to say so, as the header does, so feedparser reads it as is."""
    utf8 = _PROLOG_ENCODING.sub(rb"\1utf-8\2", body, count=1)
    plain = plainxml.read(utf8) if PLAIN_READER else None
    warning = None
    if plain is not None:  # the same fields under the same names as feedparser's: one reading below serves both
        version, feed_meta, raw_entries = plain.version, plain.feed, plain.entries
    else:
        headers = {"content-type": "application/xml; charset=utf-8"}
        try:
            parsed = feedparser.parse(utf8, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
        except Exception as exc:  # feedparser's own bugs on hostile input; the stage must not crash the run
            raise ParseError(f"parse: feed {name}: unreadable ({type(exc).__name__}: {exc})") from exc
        if parsed.get("bozo"):
            warning = f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"[:500]
        version, feed_meta, raw_entries = parsed.get("version") or "", parsed.get("feed", {}), parsed.entries
    entries = tuple(e for e in (_entry_from_feedparser(raw, base_url) for raw in raw_entries) if e)
    if not entries and not version and (not feed_meta or not _FEED_ROOT.search(body[:4096])):
        reason = f" ({warning})" if warning else ""
        raise ParseError(f"parse: feed {name}: not a feed{reason}")
    return ParsedFeed(
        format=version or "unknown",
        title=plain_text(feed_meta.get("title", "")),
        link=str(feed_meta.get("link", "") or ""),
        entries=entries,
        warning=warning,
    )


def _entry_from_feedparser(raw: Any, base_url: str) -> Entry | None:
    link = clean(str(raw.get("link") or _alternate_link(raw.get("links") or []) or "")) or None
    guid = raw.get("id") or None
    title = plain_text(raw.get("title"))
    summary = plain_text(raw.get("summary"))
    content = _full_text(raw)
    if not (link or guid or title or summary):
        return None
    source = raw.get("source")
    publisher = plain_text(source.get("title")) if isinstance(source, dict) else ""
    if publisher and title.endswith(f" - {publisher}"):  # Google News appends the outlet to every title
        title = title[: -len(publisher) - 3].rstrip()
    return Entry(
        title=title or _first_words(summary or content),
        link=link or None,
        canonical_url=canonical_url(link, base_url or None),
        guid=clean(str(guid)).strip() or None if guid else None,
        summary=summary,
        content=content,
        author=plain_text(raw.get("author")),
        published=rfc822_with_zone_name(raw.get("published"))
        or _from_struct(raw.get("published_parsed"))
        or rfc822_with_zone_name(raw.get("updated"))
        or _from_struct(raw.get("updated_parsed")),
        updated=rfc822_with_zone_name(raw.get("updated")) or _from_struct(raw.get("updated_parsed")),
        tags=_tags(t.get("term") for t in raw.get("tags") or []),
        publisher=publisher,
    )


def _tags(terms: Iterable[Any]) -> tuple[str, ...]:
    return tuple(tag for tag in (clean(str(t)) for t in terms if t not in (None, "")) if tag)


def _alternate_link(links: list[Any]) -> str | None:
    for item in links:
        if item.get("rel", "alternate") == "alternate" and item.get("href"):
            return str(item["href"])
    return None


def _full_text(raw: Any) -> str:
    candidates: list[str] = []
    for part in raw.get("content") or []:
        if part.get("value"):
            candidates.append(part["value"])
    candidates.extend(str(raw[k]) for k in FULL_TEXT_KEYS if raw.get(k))
    texts = [plain_text(c, keep_lines=True) for c in candidates]
    return max(texts, key=len, default="")


def _from_struct(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        year, month, day, hour, minute, second = (int(v) for v in value[:6])
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _first_words(text: str, limit: int = 12) -> str:
    words = text.split()
    return " ".join(words[:limit]) + (" …" if len(words) > limit else "")


def _parse_json_feed(body: str, *, name: str, base_url: str) -> ParsedFeed:
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ParseError(f"parse: feed {name}: not a feed, got malformed JSON ({exc})") from exc
    version = str(data.get("version", "")) if isinstance(data, dict) else ""
    if not version.startswith("https://jsonfeed.org/version/") and not (
        isinstance(data, dict) and isinstance(data.get("items"), list)
    ):
        raise ParseError(f"parse: feed {name}: not a feed, got JSON that is not a JSON Feed")
    assert isinstance(data, dict)
    home = str(data.get("home_page_url") or "")
    entries = []
    for raw in data.get("items") or []:
        if isinstance(raw, dict):
            entry = _entry_from_json(raw, base_url or home)
            if entry:
                entries.append(entry)
    label = "json" + version.rsplit("/", 1)[-1].replace(".", "") if version else "json"
    return ParsedFeed(format=label, title=plain_text(str(data.get("title") or "")), link=home, entries=tuple(entries))


def _entry_from_json(raw: dict[str, Any], base_url: str) -> Entry | None:
    link = raw.get("url") or raw.get("external_url")
    link = clean(str(link)) if link else None
    guid = clean(str(raw["id"])) or None if raw.get("id") not in (None, "") else None
    html_body = str(raw.get("content_html") or "")
    text_body = str(raw.get("content_text") or "")
    content = plain_text(html_body, keep_lines=True) if html_body else clean(text_body).strip()
    summary = plain_text(str(raw.get("summary") or ""))
    title = plain_text(str(raw.get("title") or ""))
    if not (link or guid or title or content):
        return None
    authors = raw.get("authors") or ([raw["author"]] if isinstance(raw.get("author"), dict) else [])
    author = clean(", ".join(str(a.get("name")) for a in authors if isinstance(a, dict) and a.get("name")))
    return Entry(
        title=title or _first_words(summary or content),
        link=link,
        canonical_url=canonical_url(link, base_url or None),
        guid=guid,
        summary=summary or _first_words(content, 60),
        content=content,
        author=author,
        published=_from_iso(raw.get("date_published")) or _from_iso(raw.get("date_modified")),
        updated=_from_iso(raw.get("date_modified")),
        tags=_tags(t for t in raw.get("tags") or [] if isinstance(t, str | int)),
    )


def _from_iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
