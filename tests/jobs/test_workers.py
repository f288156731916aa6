"""Workers on several hosts share one PostgreSQL store: each due feed fetched once, hosts kept polite across all
workers, and a killed worker's hosts taken over once its lease runs out. Real processes, a real server on three
loopback addresses (three hosts), a real PostgreSQL."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session, select

from pipeline.store.db import open_store
from pipeline.store.models import HostLease, Item
from tests.support.commands import clean_environment, installed_command, unionwatch
from tests.support.httpserver import LocalServer, Route
from tests.support.paths import corpus_path

HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
FEEDS_PER_HOST = 3
ITEMS_PER_FEED = 3


def rss(feed: str) -> bytes:
    items = "".join(
        f"<item><title>Belarus and Russia sign union programme {n} ({feed})</title>"
        f"<link>https://example.org/{feed}/{n}</link>"
        f"<description>Belarus and Russia, report {n} of {feed}.</description></item>"
        for n in range(ITEMS_PER_FEED)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{feed}</title>{items}</channel></rss>'.encode()


# a crawl cadence that fires next about half a year from now: the tests that count each feed fetched once per
# firing must not straddle one (the default fires every three hours, and a run across one fetched hosts twice)
QUIET = f"0 12 1 {(date.today().month + 5) % 12 + 1} *"


@pytest.fixture
def hosts() -> Iterator[list[LocalServer]]:
    servers = [LocalServer(host) for host in HOSTS]
    yield servers
    for server in servers:
        server.close()


def feeds_on(servers: list[LocalServer], delay: float) -> list[tuple[str, str]]:
    feeds = []
    for h, server in enumerate(servers):
        for f in range(FEEDS_PER_HOST):
            name = f"h{h}f{f}"
            feeds.append((name, server.add(f"/{name}.rss", body=rss(name), delay=delay)))
    return feeds


def worker(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        installed_command("--config", str(config), "worker", "--until-idle", *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_environment(),
    )


def stored_keys(db_url: str) -> list[str]:
    engine = open_store(db_url)
    try:
        with Session(engine) as session:
            return [str(k) for k in session.exec(select(Item.key)).all()]
    finally:
        engine.dispose()


def feeds_linking_to_pages(hosts: list[LocalServer], link: Callable[[int, str], str]) -> list[tuple[str, str]]:
    """Two feeds on each of the first two hosts, three items each, whose pages (a real article, 0.3 s to answer)
    are on the third host; `link(host index, page URL)` gives the link the feed carries for the page."""
    page = next(corpus_path("extraction", "ru-news-html").glob("*.html")).read_bytes()
    feeds = []
    for h in (0, 1):
        for f in range(2):
            name = f"h{h}f{f}"
            links = [
                link(h, hosts[2].add(f"/{name}/{n}.html", Route(body=page, content_type="text/html", delay=0.3)))
                for n in range(3)
            ]
            entries = "".join(
                f"<item><title>Belarus and Russia, report {n} of {name}</title><link>{url}</link></item>"
                for n, url in enumerate(links)
            )
            body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>{entries}</channel></rss>'
            feeds.append((name, hosts[h].add(f"/{name}.rss", body=body.encode())))
    return feeds


def two_workers_fetch_each_page_once_and_one_at_a_time(config: Path, pages: LocalServer) -> None:
    """Two workers, a host each a claim, until idle: each of the twelve pages fetched once, and never two at a
    time on the page host (`per_host = 1` across both workers)."""
    first, second = worker(config, "--hosts", "1"), worker(config, "--hosts", "1")
    outputs = [p.communicate(timeout=120) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    assert len(pages.routes) == 12
    for route in pages.routes:
        assert len(pages.requests_for(route)) == 1, (route, pages.requests_for(route))
    arrivals = sorted(r.time for r in pages.requests)
    assert all(b - a >= 0.25 for a, b in itertools.pairwise(arrivals)), arrivals


def test_two_workers_fetch_each_feed_once_and_keep_each_host_polite(
    hosts: list[LocalServer], make_settings: Any, db_url: str
) -> None:
    if not db_url.startswith("postgresql"):
        settings = make_settings([("x", hosts[0].url("/x.rss"))])
        ran = unionwatch(settings.config_file, "worker", "--until-idle")
        assert ran.returncode != 0 and "PostgreSQL" in ran.stderr and len(ran.stderr.strip().splitlines()) == 1, (
            ran.stderr
        )
        return
    settings = make_settings(feeds_on(hosts, delay=0.4), allow_private=True, per_host=1, schedule_crawl=QUIET)
    first, second = worker(settings.config_file, "--hosts", "1"), worker(settings.config_file, "--hosts", "1")
    outputs = [p.communicate(timeout=120) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    assert all("0 rounds" not in out for out, _ in outputs), outputs  # both took part
    for server in hosts:
        for route in server.routes:
            assert len(server.requests_for(route)) == 1, (route, server.requests_for(route))
        arrivals = sorted(r.time for r in server.requests)
        # per_host = 1 across both workers: one request to a host at a time, each taking the 0.4 s delay
        assert all(b - a >= 0.35 for a, b in itertools.pairwise(arrivals)), arrivals
    keys = stored_keys(db_url)
    assert len(keys) == len(set(keys)) == len(HOSTS) * FEEDS_PER_HOST * ITEMS_PER_FEED
    engine = open_store(db_url)
    with Session(engine) as session:  # the workers gave the stored items their stories before they stopped
        in_scope = session.exec(select(Item).where(Item.relevant == True)).all()  # noqa: E712
        assert in_scope and all(i.story_id is not None for i in in_scope)
    engine.dispose()
    assert "workers:" not in unionwatch(settings.config_file, "status").stdout  # both stopped: none live


@pytest.mark.postgres
def test_article_pages_on_a_host_both_workers_feeds_link_to_are_fetched_once_and_one_at_a_time(
    hosts: list[LocalServer], make_settings: Any, db_url: str
) -> None:
    """Feeds on two hosts, their articles on a third: each worker held one feed host and fetched its items' pages
    at once, so the page host saw both workers' `per_host` together. Pages are leased by their host now."""
    if not db_url.startswith("postgresql"):
        pytest.skip("workers share a PostgreSQL database")
    feeds = feeds_linking_to_pages(hosts, lambda h, page: page)
    settings = make_settings(feeds, extract={"enabled": True, "workers": 0}, per_host=1, schedule_crawl=QUIET)
    two_workers_fetch_each_page_once_and_one_at_a_time(settings.config_file, hosts[2])
    engine = open_store(db_url)
    with Session(engine) as session:
        states = session.exec(select(Item.extraction_status)).all()
    engine.dispose()
    assert len(states) == 12 and "pending" not in states, states


@pytest.mark.postgres
def test_a_page_that_redirects_to_another_host_is_fetched_by_that_hosts_worker_one_at_a_time(
    hosts: list[LocalServer], make_settings: Any, db_url: str
) -> None:
    """Each worker's links are on its own feed's host and redirect to a third host: followed by the worker that
    met them, both workers were on the third host at once. The page is handed to whoever holds its new host."""
    if not db_url.startswith("postgresql"):
        pytest.skip("workers share a PostgreSQL database")

    def through_own_host(h: int, page: str) -> str:  # each link redirects from the feed's own host to the page
        return hosts[h].add(f"/go{urlsplit(page).path}", Route(status=302, headers={"Location": page}))

    feeds = feeds_linking_to_pages(hosts, through_own_host)
    settings = make_settings(feeds, extract={"enabled": True, "workers": 0}, per_host=1, schedule_crawl=QUIET)
    two_workers_fetch_each_page_once_and_one_at_a_time(settings.config_file, hosts[2])
    engine = open_store(db_url)
    with Session(engine) as session:
        items = session.exec(select(Item.extraction_status, Item.host)).all()
    engine.dispose()
    assert sorted(items) == [("ok", HOSTS[2])] * 12, items  # extracted, and filed under the page's real host


def test_items_without_a_link_a_killed_worker_left_pending_are_finished_by_the_next(
    hosts: list[LocalServer], make_settings: Any, db_url: str
) -> None:
    """An entry without a link has no page host; it is handled by whoever holds its feed's host, so one left
    pending when its worker died is not left pending for good."""
    if not db_url.startswith("postgresql"):
        pytest.skip("workers share a PostgreSQL database")
    text = "Belarus and Russia agreed the union programmes for the next three years. " * 30
    entries = "".join(
        f"<item><title>Union programme {n}</title><guid isPermaLink='false'>p{n}</guid>"
        f"<content:encoded>{text if n % 2 else 'Belarus and Russia.'}</content:encoded></item>"
        for n in range(4)
    )
    body = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>p</title>{entries}</channel></rss>"
    )
    settings = make_settings(
        [("p", hosts[0].add("/p.rss", body=body.encode()))], extract={"enabled": True}, schedule_crawl=QUIET
    )
    first = worker(settings.config_file)
    assert first.wait(timeout=60) == 0
    engine = open_store(db_url)
    with Session(engine) as session:  # what a worker killed between storing the items and handling them leaves
        assert {i.host for i in session.exec(select(Item)).all()} == {HOSTS[0]}
        for item in session.exec(select(Item)).all():
            item.extraction_status, item.extraction_attempts = "pending", 0
            session.add(item)
        session.commit()

    second = worker(settings.config_file)
    _out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    with Session(engine) as session:
        states = sorted(str(i.extraction_status) for i in session.exec(select(Item)).all())
    engine.dispose()
    assert states == ["feed", "feed", "no_link", "no_link"], states


@pytest.mark.postgres
def test_a_killed_workers_hosts_are_taken_over_when_its_lease_ends(
    hosts: list[LocalServer], make_settings: Any, db_url: str
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("workers share a PostgreSQL database")
    feeds = feeds_on(hosts, delay=0.0)
    slow = hosts[0]
    for route in slow.routes.values():
        route.delay = 60.0  # the first host claimed hangs: the worker is killed while it waits
    settings = make_settings(feeds, allow_private=True, schedule_crawl=QUIET)
    doomed = worker(settings.config_file, "--hosts", "1", "--lease", "10")
    deadline = time.monotonic() + 30
    while not slow.requests and time.monotonic() < deadline:
        time.sleep(0.1)
    assert slow.requests, "the worker never reached the slow host"
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    for route in slow.routes.values():
        route.delay = 0.0

    early = worker(settings.config_file, "--lease", "10")  # the other hosts, at once; the slow one is still leased
    _out, err = early.communicate(timeout=60)
    assert early.returncode == 0, err
    for server in hosts[1:]:
        assert all(len(server.requests_for(r)) == 1 for r in server.routes)
    assert len(stored_keys(db_url)) == 2 * FEEDS_PER_HOST * ITEMS_PER_FEED
    shown = unionwatch(settings.config_file, "status").stdout
    assert f"holds {HOSTS[0]}" in shown and "workers:      1 live" in shown, (
        shown
    )  # the killed one, until its lease ends
    engine = open_store(db_url)
    with Session(engine) as session:
        lease = session.get(HostLease, HOSTS[0])
        assert lease is not None and lease.until is not None and lease.worker  # held by the dead worker
        wait = (lease.until - lease.until.now(lease.until.tzinfo)).total_seconds()
    engine.dispose()
    time.sleep(max(0.0, wait) + 0.5)

    late = worker(settings.config_file, "--lease", "10")
    _out, err = late.communicate(timeout=60)
    assert late.returncode == 0, err
    keys = stored_keys(db_url)
    assert len(keys) == len(set(keys)) == len(HOSTS) * FEEDS_PER_HOST * ITEMS_PER_FEED
    for server in hosts[1:]:  # the hosts done before the kill are not fetched again
        assert all(len(server.requests_for(r)) == 1 for r in server.routes)
