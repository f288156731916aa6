from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import ParseError
from pipeline.ingest.parse import parse_feed
from tests.support.paths import corpus_path


def test_every_feedparser_fixture_goes_through_the_parse_stage() -> None:
    folder = corpus_path("feedparser-tests", "tests")
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert len(files) >= 2106
    parsed = refused = 0
    for file in files:
        try:
            parse_feed(file.read_bytes(), name=file.name)
            parsed += 1
        except ParseError as exc:  # the only failure the stage may report, as a one-line message
            assert str(exc).startswith(f"parse: feed {file.name}:") and "\n" not in str(exc)
            refused += 1
    assert parsed >= 2090, f"only {parsed} of {len(files)} parsed, {refused} refused"


def test_generic_realworld_feeds_parse_with_entries() -> None:
    folder = corpus_path("feeds", "generic-realworld")
    feeds = [
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix in (".xml", ".rss", ".atom", ".json")
        and "output" not in p.parts
        and not p.name.endswith(".serde.json")
    ]
    with_entries = 0
    for file in feeds:
        try:
            result = parse_feed(file.read_bytes(), name=file.name)
        except ParseError:
            continue
        with_entries += bool(result.entries)
    assert with_entries >= 0.85 * len(feeds), f"{with_entries} of {len(feeds)} real feeds gave entries"


def test_rss_parser_expected_item_counts_match() -> None:
    folder = corpus_path("feeds", "generic-realworld", "rss-parser_rbren", "test")
    checked = 0
    for expected_file in sorted((folder / "output").glob("*.json")):
        source = folder / "input" / (expected_file.stem + ".rss")
        if not source.exists():
            continue
        expected = json.loads(expected_file.read_bytes().decode("utf-8", errors="replace"))
        feed = expected.get("feed", expected)
        if not isinstance(feed, dict) or not isinstance(feed.get("items"), list):
            continue
        try:
            result = parse_feed(source.read_bytes(), name=source.name)
        except ParseError:
            continue
        assert len(result.entries) == len(feed["items"]), source.name
        checked += 1
    assert checked >= 10


ITEM = "<title>Минск и Москва</title><link>https://belta.by/1</link>"
FORMATS = [
    # (case, body, Content-Type, format reported, entries)
    ("RSS 2.0", f'<rss version="2.0"><channel><title>t</title><item>{ITEM}</item></channel></rss>', "", "rss20", 1),
    ("RSS 0.91", f'<rss version="0.91"><channel><title>t</title><item>{ITEM}</item></channel></rss>', "", "rss091u", 1),
    ("RSS 1.0 (RDF)", '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">'
     f'<channel rdf:about="x"><title>t</title></channel><item rdf:about="https://belta.by/1">{ITEM}</item></rdf:RDF>',
     "", "rss10", 1),
    ("Atom 1.0", '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>Минск и Москва</title>'
     '<id>urn:1</id><link href="https://belta.by/1"/></entry></feed>', "", "atom10", 1),
    ("RSS sent as text/html", f'<rss version="2.0"><channel><title>t</title><item>{ITEM}</item></channel></rss>',
     "text/html", "rss20", 1),
    ("JSON Feed 1.1", '{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": '
     '[{"id": "1", "url": "https://belta.by/1", "title": "Минск и Москва"}]}', "application/feed+json", "json11", 1),
    ("JSON Feed 1.0", '{"version": "https://jsonfeed.org/version/1", "title": "t", "items": '
     '[{"id": "1", "url": "https://belta.by/1", "title": "Минск и Москва"}]}', "application/json", "json1", 1),
    ("an empty channel is a feed with no entries", '<rss version="2.0"><channel><title>t</title></channel></rss>',
     "", "rss20", 0),
]  # fmt: skip


@pytest.mark.parametrize("case,body,content_type,fmt,count", FORMATS, ids=[c[0] for c in FORMATS])
def test_feed_formats(case: str, body: str, content_type: str, fmt: str, count: int) -> None:
    result = parse_feed(body.encode(), name=case, content_type=content_type)
    assert (result.format, len(result.entries)) == (fmt, count)
    assert all(e.title == "Минск и Москва" and e.canonical_url == "https://belta.by/1" for e in result.entries)


REFUSED = [
    # (case, body, Content-Type, the one-line error)
    ("an HTML page", "<!DOCTYPE html><html><head><title>Home</title></head><body>hi</body></html>",
     "text/html; charset=utf-8", "parse: feed an HTML page: not a feed, got text/html"),
    ("an empty body", "", "", "parse: feed an empty body: empty body"),
    ("white space only", " \r\n\t ", "", "parse: feed white space only: empty body"),
    ("JSON that is not a feed", '{"hello": "world"}', "application/json",
     "parse: feed JSON that is not a feed: not a feed, got JSON that is not a JSON Feed"),
    ("malformed JSON", '{"version": ', "application/json", "parse: feed malformed JSON: not a feed, got malformed JSON"),
    ("plain text", "Service temporarily unavailable", "text/plain", "parse: feed plain text: not a feed"),
]  # fmt: skip


@pytest.mark.parametrize("case,body,content_type,message", REFUSED, ids=[c[0] for c in REFUSED])
def test_what_is_not_a_feed_is_one_line_naming_the_feed(case: str, body: str, content_type: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_feed(body.encode(), name=case, content_type=content_type)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def tut_by() -> bytes:
    return corpus_path("feeds", "tut.by_newscloning", "news.tut.by_all.rss").read_bytes()


def test_tut_by_items_have_cyrillic_titles_dates_and_clean_links() -> None:
    result = parse_feed(tut_by(), name="tut.by")
    assert result.format == "rss20"
    assert len(result.entries) == 100
    first = result.entries[0]
    assert first.title.startswith("Гороскоп наоборот")
    assert first.canonical_url == "https://news.tut.by/go/666242.html"  # utm_* removed
    assert first.published is not None and first.published.isoformat() == "2019-12-30T08:38:00+00:00"
    assert "<img" not in first.summary and "Давайте проверим" in first.summary


def test_default_namespace_feed_with_full_text_and_html_in_titles() -> None:
    body = corpus_path("feeds", "unian.ua+ukranews.com_Tehtehteh", "stub_pravda_rss.xml").read_bytes()
    result = parse_feed(body, name="ukranews")
    assert len(result.entries) == 21
    assert all("<b>" not in e.title for e in result.entries)
    assert sum(len(e.content) > 500 for e in result.entries) >= 15  # yandex:full-text carried


def test_json_feed_is_read_without_feedparser() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Test",
            "items": [
                {
                    "id": "1",
                    "url": "https://example.org/a?utm_source=x",
                    "title": "Союзное государство",
                    "content_html": "<p>Первый абзац.</p><p>Второй.</p>",
                    "date_published": "2026-11-20T10:00:00+03:00",
                    "authors": [{"name": "A. Author"}],
                }
            ],
        }
    ).encode()
    result = parse_feed(body, name="json", content_type="application/json")
    assert result.format == "json11"
    entry = result.entries[0]
    assert entry.canonical_url == "https://example.org/a"
    assert entry.content == "Первый абзац.\nВторой."
    assert entry.published is not None and entry.published.isoformat() == "2026-11-20T07:00:00+00:00"
    assert entry.author == "A. Author"


def test_truncated_feed_keeps_the_items_it_can_read_and_says_what_was_wrong() -> None:
    body = tut_by()
    cut = body[: len(body) // 2]
    result = parse_feed(cut, name="cut")
    assert result.warning
    assert 30 <= len(result.entries) < 100


@pytest.mark.parametrize(
    "name", ["onliner.by_Annshimko/test_data__RSS.xml", "liga.net_antonchasnyk/unparsed__xml_rss_feed.xml"]
)
def test_more_real_russian_language_feeds(name: str) -> None:
    path = corpus_path("feeds", *Path(name).parts)
    result = parse_feed(path.read_bytes(), name=name)
    assert result.entries and all(e.title and e.canonical_url for e in result.entries)
