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
        "Sputnik Belarus",
        "RIA Novosti",
        "Interfax",
        "Kommersant",
        "Izvestia",
        "RBC",
        "Meduza",
        "Mediazona Belarus",
        "DW",
        "Zviazda",
        "Nasha Niva (ru)",
        "OSW",
        "Belarus Digest",
    ):
        assert expected in names
    assert {s.lang for s in sources} >= {"ru", "be", "en"}
    assert all(s.lang and s.tags for s in sources), "each with language and tags"
    by_name = {s.name: s for s in sources}
    assert by_name["Radio Svaboda (RFE/RL Belarus)"].url == "https://www.svaboda.org/api/epiqq"
    assert by_name["Belsat (ru)"].url == "https://ru.belsat.eu/feed/"
    assert by_name["Union State portal"].unconfirmed and not by_name["Union State portal"].enabled
    assert by_name["BelTA (en)"].unconfirmed
    assert by_name["TASS (ru)"].user_agent and by_name["Nasha Niva"].user_agent, "sites that refuse unknown clients"


def test_a_feed_file_round_trips_user_agent_unconfirmed_and_note() -> None:
    text = (
        '[[feed]]\nname = "TASS"\nurl = "https://tass.ru/rss/v2.xml"\nlang = "ru"\ntags = ["wire"]\n'
        'user_agent = "Mozilla/5.0 (X11)"\nunconfirmed = true\nnote = "403 to unknown clients"\n'
    )
    sources = parse_toml(text, origin="f.toml")
    assert sources[0].user_agent == "Mozilla/5.0 (X11)" and sources[0].unconfirmed and sources[0].note
    assert parse_toml(to_toml(sources), origin="again") == sources
    with pytest.raises(ConfigError, match=r"feed 1 \(A\): key 'user_agent' must be one line of text"):
        parse_toml('[[feed]]\nname="A"\nurl="https://a/"\nuser_agent="x\\r\\nX-Evil: 1"\n', origin="f.toml")
    with pytest.raises(ConfigError, match=r"feed 1 \(A\): key 'unconfirmed' must be true or false"):
        parse_toml('[[feed]]\nname="A"\nurl="https://a/"\nunconfirmed="yes"\n', origin="f.toml")


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
