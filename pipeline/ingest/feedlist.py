"""The user's list of feeds: feeds.toml (ours) and OPML (every feed reader's), read and written.

Pure apart from reading and writing the one file named; errors name the file and the entry.
"""

from __future__ import annotations

import json
import tomllib
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


def parse_opml(raw: bytes, *, origin: str) -> list[FeedSource]:
    """OPML 1/2 outlines with xmlUrl; a category outline's title becomes a tag of the feeds inside it."""
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
    names: set[str] = set()

    def walk(node: ET.Element, tags: tuple[str, ...]) -> None:
        for outline in node.findall("outline"):
            url = outline.get("xmlUrl") or outline.get("xmlurl")
            label = outline.get("title") or outline.get("text") or ""
            if url:
                name = label.strip() or url
                while name in names:
                    name += " (2)"
                names.add(name)
                lang = outline.get("language") or outline.get("lang") or ""
                own = tuple(
                    t.strip() for t in (outline.get("category") or "").replace("/", ",").split(",") if t.strip()
                )
                sources.append(FeedSource(name=name, url=url.strip(), lang=lang, tags=tags + own))
            else:
                walk(outline, tags + ((label.strip(),) if label.strip() else ()))

    walk(body, ())
    return sources


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
    names = {s.name for s in existing}
    added = []
    for source in incoming:
        if source.url in urls:
            continue
        name = source.name
        while name in names:
            name += " (imported)"
        added.append(FeedSource(name=name, url=source.url, lang=source.lang, tags=source.tags, enabled=source.enabled))
        urls.add(source.url)
        names.add(name)
    return existing + added, added
