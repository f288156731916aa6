"""The common feed read without feedparser: well-formed RSS 2.0 and Atom 1.0, as feedparser would read them.

feedparser is over half of a 20-item feed's crawl CPU (benchmarks/crawl.py), most of it its SAX handlers; lxml
reads the same feed in about a millisecond. A plain feed is read here: well-formed XML (lxml, strict, no
entities resolved, no network), no DOCTYPE, no xml:base, no C1 control characters (which feedparser reads as
cp1252), an <rss version="2.0"> or an Atom 1.0 root, and within an entry only elements that are mapped here,
ignored by both, or unknown to feedparser (kept under feedparser's own key, "yandex_full-text"). An element for
which feedparser has a handler of its own (itunes:summary, media:title, atom:link inside RSS, ...), markup
inside a field, base64 or xhtml content: the feed goes to feedparser whole. Fields are mapped as feedparser maps
them (a permalink guid or an Atom id is the link when there is none, dc:creator the author, "updated" answered
with the published date, the content as summary when there is none); `benchmarks/plain_feeds.py` holds the two
readers to the same entries over the shared corpus's real feeds and feedparser's own test files.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from feedparser.api import StrictFeedParser
from feedparser.datetimes import _parse_date
from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=False, huge_tree=False)
_NOT_PLAIN = re.compile(rb"<!DOCTYPE|xml:base|\xc2[\x80-\x9f]|&#(?:1[2-5][0-9]|x0*[89][0-9a-f]);", re.IGNORECASE)
_PREFIXES = {url.lower(): prefix for url, prefix in StrictFeedParser.namespaces.items()}
_TEXT_TYPES = (None, "text", "html", "text/plain", "text/html")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# elements that set nothing the parse stage reads, in feedparser or here
_IGNORED = frozenset(
    {"comments", "enclosure", "media_content", "media_thumbnail", "media_player", "media_rating", "itunes_image",
     "itunes_explicit", "itunes_subtitle", "itunes_duration", "itunes_episodetype", "itunes_episode",
     "itunes_season", "itunes_block", "slash_comments", "wfw_commentrss", "feedburner_origlink", "thr_total",
     "georss_point", "geo_lat", "geo_long", "contributor", "rights", "subtitle"}
)  # fmt: skip


@dataclass
class RawEntry:
    """An entry's fields under feedparser's names, answered as feedparser's dict answers them."""

    values: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        if key in ("updated", "updated_parsed") and "updated" not in self.values:
            key = key.replace("updated", "published")  # feedparser answers "updated" with the published date
        if key.endswith("_parsed"):
            raw = self.values.get(key[: -len("_parsed")])
            return _parsed(raw) if raw else default
        return self.values.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


@functools.lru_cache(maxsize=256)
def _parsed(value: str) -> Any:
    """feedparser's own date reading; an RSS entry's date is asked for twice ("updated" falls back to it)."""
    return _parse_date(value)


@dataclass
class RawFeed:
    version: str
    feed: dict[str, str]
    entries: list[RawEntry]


class _NotPlain(Exception):
    """Something feedparser reads in its own way: it reads the whole feed."""


def read(body: bytes) -> RawFeed | None:
    """The feed's fields, or None where feedparser must read it (see the module's docstring)."""
    if _NOT_PLAIN.search(body):
        return None
    try:
        root = etree.fromstring(body, _PARSER)
        if root.tag == "rss" and root.get("version") == "2.0":
            return _rss(root)
        if root.tag == f"{{{ATOM}}}feed":
            return _atom(root)
    except (etree.XMLSyntaxError, ValueError, _NotPlain):
        return None
    return None


def _name(element: Any) -> str:
    """feedparser's key for an element: its local name, lower-cased, after its namespace's usual prefix."""
    tag = element.tag
    if not tag.startswith("{"):
        return str(tag).lower()
    url, local = tag[1:].split("}", 1)
    prefix = _PREFIXES.get(url.lower())
    if prefix is None:
        if not element.prefix:
            raise _NotPlain  # an unknown namespace as the default one: which key feedparser gives it is its own
        prefix = element.prefix
    return f"{prefix}_{local}".lower() if prefix else local.lower()


def _text(element: Any) -> str:
    if len(element):
        raise _NotPlain  # markup inside a field
    return (element.text or "").strip()


def _fields(element: Any, mapped: dict[str, str]) -> dict[str, Any]:
    """An entry's children: `mapped` names the ones read here; the rest are ignored, kept as feedparser keeps
    them, or make the feed feedparser's."""
    values: dict[str, Any] = {}
    in_atom = element.tag.startswith(f"{{{ATOM}}}")  # an Atom entry, else an RSS item
    for child in element:
        if not isinstance(child.tag, str):
            continue  # a comment or a processing instruction
        name = _name(child)
        if child.tag.startswith(f"{{{ATOM}}}") and not in_atom:
            if child.tag != f"{{{ATOM}}}author":
                raise _NotPlain  # feedparser reads atom:link or atom:updated in an RSS item as the item's own
            values["author"] = _person(child)  # TUT.BY's: each author in turn, the last one stays
            continue
        key = mapped.get(name)
        if key == "tags":
            values.setdefault("tags", []).append({"term": child.get("term") or _text(child)})
        elif key == "content":
            values.setdefault("content", []).append({"value": _typed(child)})
        elif key == "author" and in_atom:
            values["author"] = _person(child)  # as feedparser: the last author stays
        elif key:
            values[key] = _typed(child) if key in ("title", "summary") else _text(child)
        elif name in _IGNORED or (name == "link" and in_atom):
            if len(child) and name != "link":
                raise _NotPlain  # media:content's own title and description are feedparser's title and summary
            continue
        elif hasattr(StrictFeedParser, f"_start_{name}") or hasattr(StrictFeedParser, f"_end_{name}"):
            raise _NotPlain  # feedparser maps it in its own way
        else:
            values[name] = _text(child)
    return values


def _typed(element: Any) -> str:
    if element.get("mode") or element.get("src") or element.get("type") not in _TEXT_TYPES:
        raise _NotPlain  # base64, out-of-line, xhtml or XML content
    return _text(element)


_RSS = {"title": "title", "link": "link", "guid": "id", "description": "summary", "content_encoded": "content",
        "author": "author", "dc_creator": "author", "pubdate": "published", "dc_date": "published",
        "category": "tags", "dc_subject": "tags", "source": "source"}  # fmt: skip


def _rss(root: Any) -> RawFeed:
    channel = root.find("channel")
    if (
        channel is None
        or channel.find("title") is None
        or any(_sets_channel(c) for c in channel if isinstance(c.tag, str))
    ):
        raise _NotPlain  # feedparser takes the channel's title or link from these
    entries = []
    for item in channel.iterfind("item"):
        values = _fields(item, _RSS)
        if "source" in values:
            values["source"] = {"title": values["source"]}
        guid = item.find("guid")
        if "link" not in values and guid is not None and guid.get("isPermaLink", "true") == "true":
            values["link"] = values.get("id", "")  # feedparser: a permalink guid is the link
        _summary_from_content(values)
        entries.append(RawEntry(values))
    return RawFeed("rss20", {"title": _text_of(channel, "title"), "link": _text_of(channel, "link")}, entries)


_ATOM = {"title": "title", "id": "id", "summary": "summary", "content": "content", "published": "published",
         "updated": "updated", "author": "author", "category": "tags"}  # fmt: skip


def _atom(root: Any) -> RawFeed:
    entries = []
    for entry in root.iterfind(f"{{{ATOM}}}entry"):
        values = _fields(entry, _ATOM)
        link = _alternate(entry)
        if link or values.get("id"):
            values["link"] = link or values["id"]  # feedparser: the id is the link when there is none
        _summary_from_content(values)
        entries.append(RawEntry(values))
    title = root.find(f"{{{ATOM}}}title")
    feed_id = root.find(f"{{{ATOM}}}id")
    link = _alternate(root) or (_text(feed_id) if feed_id is not None else "")
    return RawFeed("atom10", {"title": _typed(title) if title is not None else "", "link": link}, entries)


def _sets_channel(element: Any) -> bool:
    if element.tag == f"{{{ATOM}}}link":
        return bool(element.get("rel") != "self")  # an alternate atom:link is the channel's link for feedparser
    return bool(element.tag.startswith(f"{{{ATOM}}}")) or _name(element) == "dc_title"


def _text_of(parent: Any, tag: str) -> str:
    element = parent.find(tag)
    return _text(element) if element is not None else ""


def _summary_from_content(values: dict[str, Any]) -> None:
    if "summary" not in values and values.get("content"):
        values["summary"] = values["content"][0]["value"]  # feedparser: the content stands in for a summary


def _person(element: Any) -> str:
    """An Atom person as feedparser writes it: "name (email)"."""
    parts = {_name(c): _text(c) for c in element if isinstance(c.tag, str)}
    name, email = parts.get("name", ""), parts.get("email", "")
    return f"{name} ({email})" if name and email else name or email


def _alternate(element: Any) -> str:
    found = ""
    for link in element.iterfind(f"{{{ATOM}}}link"):
        href = (link.get("href") or "").strip()
        if not href:
            raise _NotPlain  # feedparser reads a link's text then
        if link.get("rel", "alternate") == "alternate" and link.get("type", "text/html") in _HTML_TYPES:
            found = href  # feedparser keeps the last
    return found
