"""The user's list of feeds: feeds.toml (ours) and OPML (every feed reader's), read and written.

Pure apart from reading and writing the one file named; errors name the file and the entry.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree as ET

from pipeline.domain import FeedSource
from pipeline.errors import ConfigError

_ALLOWED = frozenset({"name", "url", "lang", "tags", "enabled", "user_agent", "unconfirmed", "note"})


def load_sources(path: Path) -> list[FeedSource]:
    """Read a feeds file, .toml or .opml by its extension."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"feeds: {path}: cannot read ({exc.strerror or exc})") from exc
    if path.suffix.lower() in (".opml", ".xml"):
        return parse_opml(raw, origin=str(path))
    return parse_toml(raw.decode("utf-8", errors="replace"), origin=str(path))


def parse_toml(text: str, *, origin: str) -> list[FeedSource]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"feeds: {origin}: not valid TOML: {exc}") from exc
    unknown = set(data) - {"feed"}
    if unknown:
        raise ConfigError(f"feeds: {origin}: unknown key '{sorted(unknown)[0]}' (feeds are [[feed]] tables)")
    entries = data.get("feed", [])
    if not isinstance(entries, list):
        raise ConfigError(f"feeds: {origin}: key 'feed' must be an array of tables ([[feed]])")
    sources: list[FeedSource] = []
    for number, entry in enumerate(entries, start=1):
        where = f"feeds: {origin}: feed {number}"
        extra = set(entry) - _ALLOWED
        if extra:
            raise ConfigError(f"{where}: unknown key '{sorted(extra)[0]}'")
        name, url = entry.get("name"), entry.get("url")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: key 'name' is missing or empty")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(f"{where} ({name}): key 'url' must be an http(s) URL, got {url!r}")
        tags = entry.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ConfigError(f"{where} ({name}): key 'tags' must be a list of strings")
        agent = entry.get("user_agent")
        if agent is not None and (not isinstance(agent, str) or not agent.strip() or "\n" in agent or "\r" in agent):
            raise ConfigError(f"{where} ({name}): key 'user_agent' must be one line of text")
        for flag in ("enabled", "unconfirmed"):
            if not isinstance(entry.get(flag, True), bool):
                raise ConfigError(f"{where} ({name}): key '{flag}' must be true or false")
        sources.append(
            FeedSource(
                name=name.strip(),
                url=url.strip(),
                lang=str(entry.get("lang", "")),
                tags=tuple(tags),
                enabled=bool(entry.get("enabled", True)),
                user_agent=agent.strip() if agent else None,
                unconfirmed=bool(entry.get("unconfirmed", False)),
                note=str(entry.get("note", "")),
            )
        )
    _check_unique(sources, origin)
    return sources


def _check_unique(sources: list[FeedSource], origin: str) -> None:
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise ConfigError(f"feeds: {origin}: duplicate feed name '{source.name}'")
        seen.add(source.name)


def parse_opml(raw: bytes, *, origin: str, skipped: list[str] | None = None) -> list[FeedSource]:
    """OPML 1/2 outlines with xmlUrl; a category outline's title becomes a tag of the feeds inside it. An outline
    whose URL is not http(s) (file:, javascript:, empty) is skipped, and said in `skipped`: a feeds file must only
    ever hold what a crawl can fetch. Nesting of any depth is walked without recursion."""
    if b"<!ENTITY" in raw.upper():
        raise ConfigError(f"feeds: {origin}: OPML with entity declarations is refused")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise ConfigError(f"feeds: {origin}: not valid OPML ({exc})") from exc
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise ConfigError(f"feeds: {origin}: not OPML (no <opml><body>)")
    sources: list[FeedSource] = []
    names = _Names()
    stack: list[tuple[Iterator[ET.Element], tuple[str, ...]]] = [(iter(body.findall("outline")), ())]
    while stack:
        outlines, tags = stack[-1]
        outline = next(outlines, None)
        if outline is None:
            stack.pop()
            continue
        url = outline.get("xmlUrl", outline.get("xmlurl"))  # present but empty is a bad feed, not a folder
        label = (outline.get("title") or outline.get("text") or "").strip()
        if url is None:
            stack.append((iter(outline.findall("outline")), tags + ((label,) if label else ())))
            continue
        url = url.strip()
        if not url.lower().startswith(("http://", "https://")) or any(c.isspace() for c in url):
            if skipped is not None:
                skipped.append(f"{label or '(no title)'}: URL {url[:80]!r} is not http(s)")
            continue
        lang = outline.get("language") or outline.get("lang") or ""
        own = tuple(t.strip() for t in (outline.get("category") or "").replace("/", ",").split(",") if t.strip())
        sources.append(FeedSource(name=names.unique(label or url), url=url, lang=lang, tags=tags + own))
    return sources


class _Names:
    """Unique names in constant time each: "X", "X (2)", "X (3)"… (appending " (2)" until free was cubic for
    10,000 outlines of one name)."""

    def __init__(self, taken: Iterable[str] = (), suffix: str = "") -> None:
        self.taken = set(taken)
        self.next: dict[str, int] = {}
        self.suffix = suffix

    def unique(self, name: str) -> str:
        if name not in self.taken:
            self.taken.add(name)
            return name
        n = self.next.get(name, 2)
        while (candidate := f"{name} ({self.suffix}{n})") in self.taken:
            n += 1
        self.next[name] = n + 1
        self.taken.add(candidate)
        return candidate


def to_opml(sources: list[FeedSource], *, title: str = "UnionWatch feeds") -> str:
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for source in sources:
        attrs = {"type": "rss", "text": source.name, "title": source.name, "xmlUrl": source.url}
        if source.lang:
            attrs["language"] = source.lang
        if source.tags:
            attrs["category"] = ",".join(source.tags)
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def to_toml(sources: list[FeedSource]) -> str:
    """[[feed]] tables; JSON string escapes are valid TOML basic strings."""
    blocks = []
    for s in sources:
        lines = ["[[feed]]", f"name = {json.dumps(s.name, ensure_ascii=False)}", f"url = {json.dumps(s.url)}"]
        if s.lang:
            lines.append(f"lang = {json.dumps(s.lang)}")
        lines.append("tags = [" + ", ".join(json.dumps(t, ensure_ascii=False) for t in s.tags) + "]")
        if not s.enabled:
            lines.append("enabled = false")
        if s.unconfirmed:
            lines.append("unconfirmed = true")
        if s.user_agent:
            lines.append(f"user_agent = {json.dumps(s.user_agent, ensure_ascii=False)}")
        if s.note:
            lines.append(f"note = {json.dumps(s.note, ensure_ascii=False)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def merge(existing: list[FeedSource], incoming: list[FeedSource]) -> tuple[list[FeedSource], list[FeedSource]]:
    """Sources to add: those whose URL and name are both new. Returns (merged, added)."""
    urls = {s.url for s in existing}
    names = _Names((s.name for s in existing), suffix="imported ")
    added = []
    for source in incoming:
        if source.url in urls:
            continue
        added.append(replace(source, name=names.unique(source.name)))
        urls.add(source.url)
    return existing + added, added
