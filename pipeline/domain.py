"""Plain values that travel between the stages; no I/O, no ORM, picklable for worker processes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from pipeline.text import cut_short

LEAD_CHARS = 600  # characters of text the digest reads of an item: enough for a headline when the title is a name
SILENT = "silent"  # a fetch that answered 200 with no items: the attempt's outcome, and its warning's first word


def host_of(url: str) -> str:
    """The host a link names, lower-cased; "" for none or a link that cannot be read. One spelling for per-host
    politeness in the fetcher, the workers' host leases and an outlet's home country, which must agree."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:  # "http://[::1" and other unreadable netlocs
        return ""


def is_silent(warning: str | None) -> bool:
    """Whether a feed's warning or problem says it answered with no items (rather than failed)."""
    return bool(warning and warning.startswith(SILENT + ":"))


@dataclass(frozen=True)
class FeedSource:
    """A feed as the user configured it (feeds.toml or OPML)."""

    name: str
    url: str
    lang: str = ""
    tags: tuple[str, ...] = ()
    enabled: bool = True
    user_agent: str | None = None  # for a site that refuses UnionWatch's own User-Agent (a challenge page, 403)
    unconfirmed: bool = False  # no public source confirms the URL; `doctor` tells whether it answers
    note: str = ""  # why the feed is here, or what is known about it


@dataclass(frozen=True)
class Entry:
    """One item of a parsed feed, normalised across RSS, Atom and JSON Feed."""

    title: str
    link: str | None = None
    canonical_url: str | None = None
    guid: str | None = None
    summary: str = ""
    content: str = ""  # full text carried by the feed itself (content:encoded, yandex:full-text, ...)
    author: str = ""
    published: datetime | None = None  # aware, UTC
    updated: datetime | None = None
    tags: tuple[str, ...] = ()
    publisher: str = ""  # the outlet an aggregator (Google News) names in <source>: the item's real source

    @property
    def key(self) -> str:
        """The identity of the item: its canonical URL, else its GUID, else a hash of what it says."""
        if self.canonical_url:
            return self.canonical_url
        if self.guid:
            return "guid:" + self.guid
        digest = hashlib.sha256(f"{self.title}\n{self.summary}".encode()).hexdigest()[:32]
        return "hash:" + digest


@dataclass(frozen=True)
class ParsedFeed:
    format: str  # feedparser's version string ("rss20", "atom10", ...) or "json1"
    title: str = ""
    link: str = ""
    entries: tuple[Entry, ...] = ()
    warning: str | None = None  # what was wrong with a malformed feed that still yielded items


@dataclass(frozen=True)
class FetchedBody:
    """What the fetch layer hands on: the bytes and the facts about them."""

    url: str  # after redirects
    status: int
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    permanent_url: str | None = None  # set when every redirect on the way was 301/308
    attempts: int = 1
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class TopicHit:
    score: float
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class WeekItem:
    """One stored item as the digest sees it."""

    id: int
    title: str
    url: str
    source: str
    lang: str
    when: datetime  # publication time, else first seen (UTC)
    cluster: int  # the story it belongs to (minus its own id when it has no copies)
    topics: dict[str, TopicHit] = field(default_factory=dict)
    carriers: tuple[str, ...] = ()  # other feeds that carried this very item
    lead: str = ""  # the start of its text, for a headline when the title is only a channel's name
    title_cut: bool = False  # its feed cuts titles at one length, and this title is that long
    text_cut: bool = False  # its feed cuts texts at one length, and this text is that long
    # its title was only a channel's name, so its headline is its text's first sentence, which is its lead too
    headlined_by_text: bool = False

    @property
    def top_score(self) -> float:
        """The score of its strongest topic; 0 without a topic."""
        return max((hit.score for hit in self.topics.values()), default=0.0)

    @property
    def shown_title(self) -> str:
        """The title as a reader sees it: one its feed cut ends in an ellipsis."""
        return cut_short(self.title) if self.title_cut else self.title

    def shown(self, sentence: str) -> str:
        """A sentence of its text as a reader sees it: the one its feed cut off ("… sanctions against Belaru")
        ends in an ellipsis. Known only while the lead holds the whole text."""
        if not self.text_cut or len(self.lead) >= LEAD_CHARS:
            return sentence
        tail = " ".join(sentence.split()).rstrip("…").strip()
        return cut_short(sentence) if tail and " ".join(self.lead.split()).endswith(tail) else sentence
