"""The plain reader (pipeline.ingest.plainxml) must give exactly what feedparser gives, or leave the feed to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.domain import ParsedFeed
from pipeline.errors import ParseError
from pipeline.ingest import parse, plainxml
from tests.support.paths import corpus_path


def both(body: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[ParsedFeed | str, ParsedFeed | str]:
    readings: list[ParsedFeed | str] = []
    for plain in (True, False):
        monkeypatch.setattr(parse, "PLAIN_READER", plain)
        try:
            readings.append(parse.parse_feed(body, name="f"))
        except ParseError as exc:
            readings.append(str(exc))
    return readings[0], readings[1]


def corpus_files() -> list[Path]:
    real = corpus_path("feeds")
    tests = corpus_path("feedparser-tests", "tests")
    return [p for p in (*real.rglob("*"), *tests.rglob("*")) if p.is_file() and not p.name.endswith((".md", ".json"))]


def test_every_corpus_feed_reads_the_same_with_the_plain_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    files = corpus_files()
    taken = 0
    for file in files:
        body = file.read_bytes()
        ours, feedparsers = both(body, monkeypatch)
        assert ours == feedparsers, file
        taken += plainxml.read(body) is not None
    assert taken >= 400, f"the plain reader took only {taken} of {len(files)} files"


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"
     xmlns:yandex="http://news.yandex.ru" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Wire</title><link>https://wire.example/</link>
<atom:link href="https://wire.example/rss" rel="self" type="application/rss+xml"/>
<item>
  <title>Минск и Москва подписали программу</title>
  <guid>https://wire.example/1</guid>
  <description>&lt;p&gt;Правительства подписали &lt;b&gt;программу&lt;/b&gt;.&lt;/p&gt;</description>
  <yandex:full-text>Полный текст статьи.</yandex:full-text>
  <atom:author><atom:name>Отдел политики</atom:name></atom:author>
  <atom:author><atom:name>Иван Петров</atom:name><atom:email>ip@wire.example</atom:email></atom:author>
  <dc:date>2026-11-18T10:00:00+03:00</dc:date>
  <category>Политика</category>
  <media:content url="https://wire.example/1.jpg" type="image/jpeg"/>
  ITEM_EXTRA
</item>
</channel></rss>"""


@pytest.mark.parametrize(
    "extra, plain",
    [
        ("", True),
        ("<comments>https://wire.example/1#c</comments>", True),
        ("<unknownthing>kept under its own name</unknownthing>", True),
        # feedparser reads these as title, summary or link: it reads the feed
        ("<media:content url='u'><media:title>Другой заголовок</media:title></media:content>", False),
        ("<atom:link href='https://wire.example/other' rel='alternate' type='text/html'/>", False),
        ("<dc:title>Другой заголовок</dc:title>", False),
        ("<description>второе описание <b>с разметкой</b></description>", False),
        ("<title xmlns='urn:example:other'>Чужой заголовок</title>", False),  # whose title is it?
    ],
)
def test_a_plain_rss_item_reads_as_feedparser_reads_it(
    extra: str, plain: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = RSS.replace("ITEM_EXTRA", extra).encode()
    assert (plainxml.read(body) is not None) is plain
    ours, feedparsers = both(body, monkeypatch)
    assert ours == feedparsers
    assert isinstance(ours, ParsedFeed) and ours.format == "rss20"
    if not plain:
        return  # feedparser's reading, whatever it is (the extra link or markup changes it)
    [entry] = ours.entries
    assert entry.link == "https://wire.example/1"  # a permalink guid is the link
    assert entry.author == "Иван Петров (ip@wire.example)"  # the last author, as feedparser keeps it
    assert entry.content == "Полный текст статьи."


@pytest.mark.parametrize(
    "body",
    [
        b'<!DOCTYPE rss SYSTEM "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="2.0"></rss>',
        b'<rss version="2.0"><channel><title>t</title><item><title>don&#146;t</title></item></channel></rss>',
        b'<rss version="2.0" xml:base="http://e.org/"><channel><title>t</title></channel></rss>',
        b'<rss version="0.91"><channel><title>t</title></channel></rss>',
        b'<rss version="2.0"><channel><title>t</title><item><title>a</title></item>',  # not well-formed
    ],
    ids=["doctype", "cp1252 reference", "xml:base", "rss 0.91", "broken"],
)
def test_what_the_plain_reader_leaves_to_feedparser(body: bytes) -> None:
    assert plainxml.read(body) is None


def test_a_plain_atom_entry_reads_as_feedparser_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">Wire &amp;lt;b&amp;gt;</title>
    <id>tag:wire,2026:feed</id>
    <entry><title>Gas price agreed</title><id>tag:wire,2026:1</id>
      <content type="html">&lt;p&gt;Belarus will pay $128.5 per 1,000 m3.&lt;/p&gt;</content>
      <updated>2026-11-18T07:00:00Z</updated>
      <author><name>First</name></author><author><name>Second</name></author></entry></feed>"""
    assert plainxml.read(body) is not None
    ours, feedparsers = both(body, monkeypatch)
    assert ours == feedparsers
    assert isinstance(ours, ParsedFeed)
    assert ours.link == "tag:wire,2026:feed"  # the feed's id stands for its link, as in feedparser
    [entry] = ours.entries
    assert entry.guid == "tag:wire,2026:1" and entry.author == "Second"
    assert entry.summary.startswith("Belarus will pay")  # the content stands in for the summary
