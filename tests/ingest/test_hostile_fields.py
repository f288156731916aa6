"""Any string in any text field of a feed fails nothing but itself (issue 16): arbitrary text, surrogates, NUL and
control characters included, in every field of RSS, Atom and JSON Feed entries and in OPML outlines, crawled on
both backends beside a good feed. The crawl completes and the good feed is stored whole."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from pipeline.ingest.feedlist import parse_opml
from pipeline.jobs.crawl import CrawlOptions, crawl
from pipeline.store.db import open_store
from pipeline.store.models import Feed, ItemSource
from tests.ingest.test_crawl import NOW
from tests.support.httpserver import LocalServer
from tests.support.paths import corpus_path

# every code point, lone surrogates, NUL and C0 controls among them
TEXT = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=40)
FIELDS = st.fixed_dictionaries({k: TEXT for k in ("title", "link", "guid", "summary", "author", "tag", "date")})


def rss(f: dict[str, str]) -> bytes:
    item = "".join(f"<{tag}>{escape(f[key])}</{tag}>" for tag, key in (
        ("title", "title"), ("link", "link"), ("guid", "guid"), ("description", "summary"), ("author", "author"),
        ("category", "tag"), ("pubDate", "date")))  # fmt: skip
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(f["title"])}</title><item>{item}</item></channel></rss>'.encode(
        "utf-8", "surrogatepass"
    )


def atom(f: dict[str, str]) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry>'
        f"<title>{escape(f['title'])}</title><id>{escape(f['guid'])}</id><link href={quoteattr(f['link'])}/>"
        f"<summary>{escape(f['summary'])}</summary><author><name>{escape(f['author'])}</name></author>"
        f"<category term={quoteattr(f['tag'])}/><updated>{escape(f['date'])}</updated></entry></feed>"
    ).encode("utf-8", "surrogatepass")


def json_feed(f: dict[str, str]) -> bytes:
    item = {"id": f["guid"], "url": f["link"], "title": f["title"], "content_html": f["summary"],
            "authors": [{"name": f["author"]}], "tags": [f["tag"]], "date_published": f["date"]}  # fmt: skip
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "j", "items": [item]}).encode()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=FIELDS)
def test_any_text_in_any_field_fails_nothing_but_itself(server: LocalServer, make_settings, fields) -> None:  # type: ignore[no-untyped-def]
    good = corpus_path("feeds", "onliner.by_Annshimko", "test_data__RSS.xml").read_bytes()
    feeds = [(name, server.add(f"/{name}-{abs(hash(str(fields)))}", body=body, content_type=kind))
             for name, body, kind in (("rss", rss(fields), "application/rss+xml"),
                                      ("atom", atom(fields), "application/atom+xml"),
                                      ("json", json_feed(fields), "application/feed+json"))]  # fmt: skip
    feeds.append(("good", server.add(f"/good-{abs(hash(str(fields)))}", body=good)))
    settings_ = make_settings(feeds)
    engine = open_store(settings_.db_url)
    summary = crawl(settings_, engine, CrawlOptions(now=NOW, force=True))
    assert summary.fetched + summary.failed == 4
    with Session(engine) as s:
        good = s.exec(select(Feed).where(Feed.name == "good")).one()
        stored = s.exec(select(func.count()).select_from(ItemSource).where(ItemSource.feed_id == good.id)).one()
    assert stored == 30, "the good feed is stored whole"
    engine.dispose()


@settings(max_examples=60, deadline=None)
@given(label=TEXT, url=TEXT, category=TEXT)
def test_any_text_in_an_opml_outline_is_read_or_skipped(label: str, url: str, category: str) -> None:
    outline = f"<outline text={quoteattr(label)} xmlUrl={quoteattr(url)} category={quoteattr(category)}/>"
    good = '<outline text="Belsat" xmlUrl="https://belsat.eu/feed"/>'
    raw = f"<opml><body>{outline}{good}</body></opml>".encode("utf-8", "surrogatepass")
    skipped: list[str] = []
    try:
        sources = parse_opml(raw, origin="x.opml", skipped=skipped)
    except Exception as exc:  # only the one-line refusal of a file that is not XML
        assert type(exc).__name__ == "ConfigError" and "\n" not in str(exc)
        return
    assert sources[-1].url == "https://belsat.eu/feed"
    assert all(s.url.startswith(("http://", "https://")) for s in sources)
