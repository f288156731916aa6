from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.domain import FeedSource
from pipeline.errors import ConfigError
from pipeline.ingest.feedlist import load_sources, merge, parse_opml, parse_toml, to_opml, to_toml

ROOT = Path(__file__).resolve().parent.parent.parent


def test_shipped_feed_list_covers_the_sources_the_analysts_read() -> None:
    sources = load_sources(ROOT / "config" / "feeds.toml")
    names = " ".join(s.name for s in sources)
    for expected in (
        "BelTA",
        "Union State",
        "Belsat",
        "Nasha Niva",
        "Zerkalo",
        "Svaboda",
        "TASS",
        "Moscow Times",
        "Jamestown",
        "Kremlin",
        "News search",
    ):
        assert expected in names
    assert {s.lang for s in sources} >= {"ru", "be", "en"}


def test_toml_errors_name_the_feed() -> None:
    with pytest.raises(ConfigError, match=r"feeds: f.toml: feed 2 \(B\): key 'url' must be an http\(s\) URL"):
        parse_toml('[[feed]]\nname="A"\nurl="https://a/"\n[[feed]]\nname="B"\nurl="ftp://b/"\n', origin="f.toml")
    with pytest.raises(ConfigError, match="duplicate feed name 'A'"):
        parse_toml('[[feed]]\nname="A"\nurl="https://a/"\n[[feed]]\nname="A"\nurl="https://b/"\n', origin="f.toml")


def test_opml_round_trip_keeps_names_urls_languages_and_tags() -> None:
    sources = [
        FeedSource("BelTA (ru)", "https://www.belta.by/rss", "ru", ("belarus", "state")),
        FeedSource("Наша Ніва", "https://nashaniva.com/rss", "be", ("independent",)),
    ]
    assert parse_opml(to_opml(sources).encode(), origin="x") == sources
    assert parse_toml(to_toml(sources), origin="x") == sources


def test_opml_from_a_feed_reader_with_folders() -> None:
    opml = b"""<?xml version="1.0"?><opml version="1.0"><head/><body>
      <outline text="Belarus"><outline text="Zerkalo" type="rss" xmlUrl="https://news.zerkalo.io/rss/all.rss"/></outline>
      <outline title="TASS" xmlUrl="https://tass.ru/rss/v2.xml"/></body></opml>"""
    sources = parse_opml(opml, origin="reader.opml")
    assert sources == [
        FeedSource("Zerkalo", "https://news.zerkalo.io/rss/all.rss", "", ("Belarus",)),
        FeedSource("TASS", "https://tass.ru/rss/v2.xml"),
    ]
    merged, added = merge(sources[:1], sources)
    assert added == sources[1:] and len(merged) == 2


def test_hostile_opml_is_refused() -> None:
    with pytest.raises(ConfigError, match="entity"):
        parse_opml(b'<!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body/></opml>', origin="evil.opml")
    with pytest.raises(ConfigError, match="not valid OPML"):
        parse_opml(b"<opml><body>", origin="broken.opml")
