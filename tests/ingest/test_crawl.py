"""End to end: real feeds from the shared corpus, served on loopback, crawled into SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from pipeline.ingest.parse import parse_feed
from pipeline.jobs.crawl import CrawlOptions, crawl
from pipeline.store.db import open_store
from pipeline.store.models import CrawlRun, Feed, FetchAttempt, Item, ItemSource
from tests.support.commands import installed_command
from tests.support.httpserver import LocalServer, Route
from tests.support.paths import corpus_path

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def real_feeds(server: LocalServer) -> list[tuple[str, str]]:
    files = {
        "TUT.BY": ("feeds", "tut.by_newscloning", "news.tut.by_all.rss"),
        "Onliner": ("feeds", "onliner.by_Annshimko", "test_data__RSS.xml"),
        "ukranews": ("feeds", "unian.ua+ukranews.com_Tehtehteh", "stub_pravda_rss.xml"),
        "UNIAN": ("feeds", "unian.ua+ukranews.com_Tehtehteh", "stub_unian_rss.xml"),
        "LIGA": ("feeds", "liga.net_antonchasnyk", "unparsed__xml_rss_feed.xml"),
    }
    feeds = []
    for i, (name, parts) in enumerate(files.items()):
        body = corpus_path(*parts).read_bytes()
        feeds.append((name, server.add(f"/feed{i}.xml", Route(body=body, etag=f'"{name}-1"'))))
    return feeds


def counts(engine) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Item)).one(), s.exec(
            select(func.count()).select_from(ItemSource)
        ).one()


def test_crawl_stores_real_feeds_once_and_second_crawl_is_conditional(server: LocalServer, make_settings) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(real_feeds(server))
    engine = open_store(settings.db_url)
    first = crawl(settings, engine, CrawlOptions(now=NOW))
    assert (first.fetched, first.failed) == (5, 0)
    assert first.items_new == 100 + 30 + 21 + 50 + 12
    with Session(engine) as s:
        item = s.exec(select(Item).where(Item.title.startswith("Гороскоп наоборот"))).one()  # type: ignore[attr-defined]
        assert item.canonical_url == "https://news.tut.by/go/666242.html"
        assert item.published_at == datetime(2019, 12, 30, 8, 38, tzinfo=UTC)
        assert item.first_seen_at == NOW

    before = len(server.requests)
    second = crawl(settings, engine, CrawlOptions(now=NOW + timedelta(hours=3)))
    assert (second.fetched, second.not_modified, second.items_new) == (0, 5, 0)
    again = server.requests[before:]
    assert len(again) == 5 and all("if-none-match" in r.headers for r in again)
    assert counts(engine)[0] == first.items_new


def test_same_article_in_two_feeds_is_stored_once_with_both_sources(server: LocalServer, make_settings) -> None:  # type: ignore[no-untyped-def]
    body = corpus_path("feeds", "tut.by_newscloning", "news.tut.by_all.rss").read_bytes()
    # the mirror carries the same links with other tracking parameters and a fragment
    mirror = body.replace(b"utm_source=rss-news", b"utm_source=mirror").replace(b".html?", b".html#top?")
    settings = make_settings(
        [("TUT.BY", server.add("/a.rss", body=body)), ("Mirror", server.add("/b.rss", body=mirror))]
    )
    engine = open_store(settings.db_url)
    summary = crawl(settings, engine, CrawlOptions(now=NOW))
    assert summary.items_new == 100 and summary.items_seen == 100
    items, sources = counts(engine)
    assert (items, sources) == (100, 200)


def test_one_broken_feed_never_stops_the_others(server: LocalServer, make_settings) -> None:  # type: ignore[no-untyped-def]
    good = corpus_path("feeds", "onliner.by_Annshimko", "test_data__RSS.xml").read_bytes()
    settings = make_settings(
        [
            (
                "html",
                server.add("/page", body=b"<!doctype html><html><body>Home</body></html>", content_type="text/html"),
            ),
            ("dead", server.url("/nothing-here")),
            ("down", server.add("/down", status=500)),
            ("reset", server.add("/reset", reset=True)),
            ("good", server.add("/good", body=good)),
        ]
    )
    engine = open_store(settings.db_url)
    summary = crawl(settings, engine, CrawlOptions(now=NOW))
    assert (summary.fetched, summary.failed, summary.items_new) == (1, 4, 30)
    with Session(engine) as s:
        feeds = {f.name: f for f in s.exec(select(Feed))}
        assert feeds["html"].last_error and "not a feed, got text/html" in feeds["html"].last_error
        assert "HTTP 404" in (feeds["dead"].last_error or "")
        assert feeds["down"].consecutive_failures == 1
        assert feeds["down"].next_check_at == NOW + timedelta(seconds=settings.fetch.failure_backoff)
        assert feeds["good"].consecutive_failures == 0 and feeds["good"].last_success_at == NOW
        attempts = s.exec(select(FetchAttempt)).all()
        assert sorted(a.outcome for a in attempts) == ["error"] * 4 + ["ok"]


def test_failing_feed_backs_off_and_recovers(server: LocalServer, make_settings) -> None:  # type: ignore[no-untyped-def]
    route = Route(status=503)
    settings = make_settings([("flaky", server.add("/flaky", route))], retries=0)
    engine = open_store(settings.db_url)
    crawl(settings, engine, CrawlOptions(now=NOW))
    skipped = crawl(settings, engine, CrawlOptions(now=NOW + timedelta(minutes=5)))  # still backing off
    assert skipped.fetched + skipped.failed == 0
    crawl(settings, engine, CrawlOptions(now=NOW + timedelta(minutes=16)))
    with Session(engine) as s:
        feed = s.exec(select(Feed)).one()
        assert feed.consecutive_failures == 2
        assert feed.next_check_at == NOW + timedelta(minutes=16) + timedelta(seconds=2 * settings.fetch.failure_backoff)
        assert feed.failing_since == NOW
    route.status = 200
    route.body = corpus_path("feeds", "liga.net_antonchasnyk", "unparsed__xml_rss_feed.xml").read_bytes()
    recovered = crawl(settings, engine, CrawlOptions(now=NOW + timedelta(hours=2)))
    assert recovered.fetched == 1 and recovered.items_new == 12
    with Session(engine) as s:
        feed = s.exec(select(Feed)).one()
        assert feed.consecutive_failures == 0 and feed.failing_since is None


def test_permanent_redirect_updates_the_stored_url(server: LocalServer, make_settings) -> None:  # type: ignore[no-untyped-def]
    body = corpus_path("feeds", "liga.net_antonchasnyk", "unparsed__xml_rss_feed.xml").read_bytes()
    server.add("/old.rss", status=301, headers={"Location": "/new.rss"})
    new_url = server.add("/new.rss", body=body)
    settings = make_settings([("liga", server.url("/old.rss"))])
    engine = open_store(settings.db_url)
    crawl(settings, engine, CrawlOptions(now=NOW))
    with Session(engine) as s:
        assert s.exec(select(Feed)).one().url == new_url
    crawl(settings, engine, CrawlOptions(now=NOW + timedelta(hours=1)))
    assert len(server.requests_for("/old.rss")) == 1 and len(server.requests_for("/new.rss")) == 2


def test_malformed_feed_keeps_readable_items_and_records_the_warning(server: LocalServer, make_settings) -> None:  # type: ignore[no-untyped-def]
    body = corpus_path("feeds", "tut.by_newscloning", "news.tut.by_all.rss").read_bytes()
    settings = make_settings([("cut", server.add("/cut.rss", body=body[: len(body) // 2]))])
    engine = open_store(settings.db_url)
    summary = crawl(settings, engine, CrawlOptions(now=NOW))
    assert summary.fetched == 1 and summary.items_new >= 30
    with Session(engine) as s:
        assert s.exec(select(Feed)).one().last_warning


def test_crawl_killed_halfway_then_rerun_stores_every_item_exactly_once(
    server: LocalServer, make_settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    body = corpus_path("feeds", "tut.by_newscloning", "news.tut.by_all.rss").read_bytes()
    feeds = []
    keys: set[str] = set()
    links = 0
    for i in range(12):  # twelve feeds with distinct links, the later ones slow
        text = body.replace(b"tut.by/", f"tut{i}.example.by/".encode())
        feeds.append((f"feed{i}", server.add(f"/f{i}.rss", Route(body=text, delay=0.0 if i < 4 else 1.5))))
        own = {e.key for e in parse_feed(text, name="x").entries}
        keys |= own
        links += len(own)
    settings = make_settings(feeds, concurrency=4, per_host=4)
    env = {**os.environ, "UNIONWATCH_CONFIG": str(settings.config_file)}
    proc = subprocess.Popen(installed_command("crawl"), env=env, cwd=tmp_path, stderr=subprocess.PIPE)
    engine = open_store(settings.db_url)
    deadline = time.time() + 30
    while time.time() < deadline and counts(engine)[0] < 100:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = counts(engine)[0]
    assert 100 <= partial < len(keys), "the kill must land after some feeds and before all"
    done = subprocess.run(installed_command("crawl"), env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "12 feeds fetched" in done.stdout or "not modified" in done.stdout
    items, sources = counts(engine)
    assert (items, sources) == (len(keys), links)
    with Session(engine) as s:
        assert sorted(s.exec(select(Item.key)).all()) == sorted(keys)


def _rss(items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link>{f'<pubDate>{date}</pubDate>' if date else ''}</item>"
        for title, link, date in items
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'.encode()


def test_one_article_spelled_five_ways_in_two_feeds_is_stored_once(server: LocalServer, make_settings) -> None:  # type: ignore[no-untyped-def]
    one = [("Путин", "https://президент.рф/новости/1", ""), ("Газ", "https://belta.by/a/%d0%b1", ""),
           ("Нефть", "https://belta.by/x/./y/../z", ""), ("Союз", "https://ria.ru/5?a=1&b=2", ""),
           ("Шойгу", "https://ria.ru/6", "")]  # fmt: skip
    two = [("Путин", "https://xn--d1abbgf6aiiy.xn--p1ai/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/1", ""),
           ("Газ", "https://belta.by/a/%D0%B1", ""), ("Нефть", "https://belta.by/x/z", ""),
           ("Союз", "https://ria.ru/5?b=2&a=1", ""), ("Шойгу", "https://ria.ru/6?ysclid=lq2x8", "")]  # fmt: skip
    settings = make_settings(
        [("one", server.add("/1.rss", body=_rss(one))), ("two", server.add("/2.rss", body=_rss(two)))]
    )
    engine = open_store(settings.db_url)
    summary = crawl(settings, engine, CrawlOptions(now=NOW))
    assert summary.items_new == 5
    assert counts(engine) == (5, 10)


def test_a_publication_date_that_cannot_be_right_gives_way_to_first_seen(server: LocalServer, make_settings) -> None:  # type: ignore[no-untyped-def]
    dated = [("Год 9999", "https://belta.by/1", "Fri, 31 Dec 9999 10:00:00 +0000"),
             ("Год 2200", "https://belta.by/2", "Mon, 01 Jan 2200 10:00:00 +0000"),
             ("Год 0001", "https://belta.by/3", "0001-01-01T00:00:00Z"),
             ("Год 1970", "https://belta.by/4", "Thu, 01 Jan 1970 00:00:00 +0000"),
             ("Завтра к полудню", "https://belta.by/5", (NOW + timedelta(hours=20)).strftime("%a, %d %b %Y %H:%M:%S +0000")),
             ("Вчера", "https://belta.by/6", (NOW - timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S +0000"))]  # fmt: skip
    settings = make_settings([("dates", server.add("/d.rss", body=_rss(dated)))])
    engine = open_store(settings.db_url)
    crawl(settings, engine, CrawlOptions(now=NOW))
    with Session(engine) as s:
        items = {i.title: i for i in s.exec(select(Item))}
    for title in ("Год 9999", "Год 2200", "Год 0001", "Год 1970"):
        assert items[title].published_at is None and items[title].first_seen_at == NOW, title
        assert items[title].claimed_published_at is not None and items[title].claimed_published_at.year == int(
            title[4:]
        )
    assert items["Завтра к полудню"].published_at == NOW + timedelta(hours=20), (
        "within a day ahead: a zone written wrong"
    )
    assert items["Вчера"].published_at == NOW - timedelta(days=1) and items["Вчера"].claimed_published_at is None


def test_a_feed_with_its_own_user_agent_gets_it_for_the_feed_and_its_articles(
    server: LocalServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from pipeline.settings import load_settings

    article = next(corpus_path("extraction", "ru-news-html").glob("*.html")).read_bytes()
    page = server.add("/a/1.html", body=article, content_type="text/html; charset=utf-8")
    feed = _rss([("Газ для Беларуси", page, "")])
    (tmp_path / "feeds.toml").write_text(
        f'[[feed]]\nname = "Picky"\nurl = "{server.add("/picky.rss", body=feed)}"\nlang = "ru"\n'
        'user_agent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"\n',
        encoding="utf-8",
    )
    (tmp_path / "unionwatch.toml").write_text(
        'feeds = "feeds.toml"\ndata_dir = "data"\ndigests_dir = "digests"\n'
        f'database_url = "sqlite:///{tmp_path / "uw.db"}"\nallow_private_urls = true\n'
        "[fetch]\nretries = 0\n[extract]\nworkers = 0\n",
        encoding="utf-8",
    )
    settings = load_settings(tmp_path / "unionwatch.toml")
    crawl(settings, open_store(settings.db_url), CrawlOptions(now=NOW))
    agents = {r.path: r.headers.get("user-agent") for r in server.requests}
    assert (
        agents["/picky.rss"]
        == agents["/a/1.html"]
        == "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    )


def test_an_aggregator_names_the_outlet_and_never_counts_as_one(server: LocalServer, make_settings) -> None:  # type: ignore[no-untyped-def]
    from pipeline.store.weekly import items_by_id

    google = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Google News</title><item>'
        b"<title>Belarus and Russia sign gas deal - Reuters</title><link>https://news.google.com/rss/articles/CBMi1</link>"
        b'<source url="https://www.reuters.com">Reuters</source></item></channel></rss>'
    )
    settings = make_settings([("News search", server.add("/g.rss", body=google))])
    engine = open_store(settings.db_url)
    crawl(settings, engine, CrawlOptions(now=NOW))
    with Session(engine) as s:
        item = s.exec(select(Item)).one()
        (week_item,) = items_by_id(s, [item.id or 0])
    assert item.title == "Belarus and Russia sign gas deal", "the outlet's name is not part of the headline"
    assert week_item.source == "Reuters" and week_item.carriers == ()


def test_a_lone_surrogate_or_nul_in_any_field_fails_nothing(server: LocalServer, make_settings) -> None:  # type: ignore[no-untyped-def]
    """Issue 16, 1: a JSON Feed's "\\ud800" made every crawl on SQLite exit 1; `&#0;` did the same on PostgreSQL."""
    json_feed = (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{"id": "j\\ud800", '
        '"url": "https://belta.by/j\\ud800", "title": "\\ud800Газ", "content_text": "Текст\\u0000", '
        '"authors": [{"name": "A\\udfff"}], "tags": ["\\ud800", "газ"]}]}'
    ).encode()
    rss = _rss([("Нефть&#0;", "https://belta.by/n&#0;1", ""), ("Союз&#16;", "https://belta.by/s", "")])
    rss = rss.replace(b"<title>t</title>", b"<title>t&#0;</title>").replace(b"</item>", b"<guid>g&#0;</guid></item>", 1)
    good = corpus_path("feeds", "onliner.by_Annshimko", "test_data__RSS.xml").read_bytes()
    settings = make_settings(
        [("json", server.add("/j.json", body=json_feed, content_type="application/feed+json")),
         ("rss", server.add("/r.rss", body=rss)), ("good", server.add("/good", body=good))]
    )  # fmt: skip
    engine = open_store(settings.db_url)
    summary = crawl(settings, engine, CrawlOptions(now=NOW))
    assert summary.failed == 0 and summary.items_new == 33
    with Session(engine) as s:
        titles = set(s.exec(select(Item.title)))
    assert {"Газ", "Нефть", "Союз"} <= titles, sorted(titles)[:5]


def _processes_with(marker: str) -> list[int]:
    """Processes whose environment holds `marker`: a crawl's children inherit its environment."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_a_killed_crawl_leaves_no_process_and_no_run_that_claims_to_be_running(
    server: LocalServer, make_settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Issue 16, 6: SIGKILL left the forkserver, both workers and the resource tracker alive for good, and the
    run's row "running" forever."""
    page = next(corpus_path("extraction", "ru-news-html").glob("*.html")).read_bytes()
    links = [(f"Статья {n}", server.add(f"/a/{n}.html", Route(body=page, content_type="text/html", delay=0.2)), "")
             for n in range(150)]  # fmt: skip
    settings = make_settings([("many", server.add("/many.rss", body=_rss(links)))], extract={"workers": 2}, per_host=4)
    marker = f"UNIONWATCH_KILL_TEST={tmp_path.name}"
    env = {**os.environ, "UNIONWATCH_CONFIG": str(settings.config_file), "UNIONWATCH_KILL_TEST": tmp_path.name}
    proc = subprocess.Popen(installed_command("crawl"), env=env, cwd=tmp_path, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and len(_processes_with(marker)) < 3:  # the crawl, the forkserver, a worker
        time.sleep(0.1)
    assert len(_processes_with(marker)) >= 3, "the workers never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and _processes_with(marker):
        time.sleep(0.2)
    assert _processes_with(marker) == [], "a killed crawl left processes behind"
    status = subprocess.run(installed_command("status"), env=env, cwd=tmp_path, capture_output=True, text=True)
    assert ", interrupted:" in status.stdout and ", running:" not in status.stdout
    subprocess.run(installed_command("crawl"), env=env, cwd=tmp_path, capture_output=True, check=True)
    with Session(open_store(settings.db_url)) as s:
        states = [r.status for r in s.exec(select(CrawlRun).order_by(CrawlRun.id))]  # type: ignore[arg-type]
    assert states == ["interrupted", "completed"]


def test_a_crawl_stops_at_its_deadline_and_leaves_the_rest_due(server: LocalServer, make_settings) -> None:  # type: ignore[no-untyped-def]
    """Issue 16, 5: slow-drip servers behind article links held the run lock for hours."""
    page = next(corpus_path("extraction", "ru-news-html").glob("*.html")).read_bytes()
    quick = _rss([("Быстро", server.add("/a/quick.html", Route(body=page, content_type="text/html")), "")])
    drip = [(f"Медленно {n}", server.add(f"/a/slow{n}.html", Route(body=page * 3, content_type="text/html",
                                                                   slow_chunks=0.5)), "") for n in range(4)]  # fmt: skip
    settings = make_settings(
        [("quick", server.add("/q.rss", body=quick)), ("drip", server.add("/d.rss", body=_rss(drip))),
         ("late", server.add("/late.rss", Route(body=quick, delay=8)))],
        extract={"workers": 0}, crawl_deadline=3, per_host=8,
    )  # fmt: skip
    engine = open_store(settings.db_url)
    started = time.monotonic()
    summary = crawl(settings, engine, CrawlOptions(now=NOW))
    assert time.monotonic() - started < 8, "the deadline did not hold"
    assert summary.feeds_left == 1 and summary.articles_left == 4
    assert "deadline reached: 1 feed and 4 articles left for the next run" in summary.line()
    with Session(engine) as s:
        late = s.exec(select(Feed).where(Feed.name == "late")).one()
        assert late.next_check_at is None or late.next_check_at <= NOW, "the feed left is due next run"
        pending = s.exec(select(Item).where(Item.extraction_status == "pending")).all()
        assert len(pending) == 4, "the articles left are fetched next run"
