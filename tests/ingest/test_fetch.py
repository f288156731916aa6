"""The fetch layer against a real HTTP server on loopback, misbehaving in the ways real servers do."""

from __future__ import annotations

import asyncio
import gzip
import time

import pytest

from pipeline.domain import FetchedBody
from pipeline.errors import FetchError, RefusedURLError, TooLargeError
from pipeline.ingest.fetch import Fetcher
from pipeline.settings import FetchSettings
from tests.support.httpserver import LocalServer, Route

FAST = FetchSettings(retries=2, backoff=0.01, connect_timeout=2, read_timeout=1, deadline=3, max_bytes=200_000)


def get(url: str, limits: FetchSettings = FAST, **kwargs: object) -> FetchedBody:
    async def run() -> FetchedBody:
        async with Fetcher(limits, "UnionWatch-test (+test@example.org)", allow_private=True) as fetcher:
            return await fetcher.get(url, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(run())


def test_user_agent_and_conditional_get(server: LocalServer) -> None:
    url = server.add("/feed", body=b"<rss/>", etag='"v1"', last_modified="Mon, 30 Dec 2019 08:38:00 GMT")
    first = get(url)
    assert first.status == 200 and first.etag == '"v1"'
    again = get(url, etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.body == b""
    sent = server.requests_for("/feed")
    assert sent[0].headers["user-agent"].startswith("UnionWatch")
    assert sent[1].headers["if-none-match"] == '"v1"'
    assert sent[1].headers["if-modified-since"] == "Mon, 30 Dec 2019 08:38:00 GMT"


def test_404_is_an_error_that_is_not_retried(server: LocalServer) -> None:
    with pytest.raises(FetchError, match=r"HTTP 404") as info:
        get(server.url("/missing"))
    assert info.value.status == 404
    assert len(server.requests_for("/missing")) == 1


def test_500_is_retried_then_succeeds(server: LocalServer) -> None:
    url = server.add("/flaky", Route(body=b"<rss/>", statuses=[500, 503]))
    result = get(url)
    assert result.status == 200 and result.attempts == 3


def test_429_honours_retry_after(server: LocalServer) -> None:
    url = server.add("/busy", Route(body=b"<rss/>", statuses=[429], headers={"Retry-After": "1"}))
    t0 = time.monotonic()
    result = get(url)
    waited = time.monotonic() - t0
    assert result.status == 200 and result.attempts == 2
    assert waited >= 0.9, "the client must wait what Retry-After asks"


def test_429_asking_too_long_gives_up_and_says_so(server: LocalServer) -> None:
    url = server.add("/busy", Route(status=429, headers={"Retry-After": "3600"}))
    with pytest.raises(FetchError, match="HTTP 429") as info:
        get(url)
    assert getattr(info.value, "retry_after", None) == 3600
    assert len(server.requests_for("/busy")) == 1


def test_slow_body_hits_the_deadline(server: LocalServer) -> None:
    url = server.add("/slow", body=b"x" * 20_000, slow_chunks=0.3)
    limits = FAST.model_copy(update={"deadline": 1.0, "retries": 0})
    with pytest.raises(FetchError, match="no complete answer within 1s"):
        get(url, limits)


def test_reset_connection_is_a_fetch_error(server: LocalServer) -> None:
    url = server.add("/reset", reset=True)
    with pytest.raises(FetchError, match=r"fetch: .*/reset") as info:
        get(url, FAST.model_copy(update={"retries": 1}))
    assert not info.value.permanent
    assert len(server.requests_for("/reset")) == 2


def test_oversized_body_is_refused(server: LocalServer) -> None:
    url = server.add("/huge", body=b"x" * 300_000)
    with pytest.raises(TooLargeError, match="cap"):
        get(url)
    assert len(server.requests_for("/huge")) == 1


def test_gzip_bomb_is_stopped_at_the_cap(server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)
    assert len(bomb) < 100_000
    url = server.add("/bomb", body=bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(TooLargeError, match="after decompression"):
        get(url)


def test_gzip_body_is_decoded(server: LocalServer) -> None:
    url = server.add("/gz", body=b"<rss>hello</rss>", gzip=True)
    assert get(url).body == b"<rss>hello</rss>"


def test_redirect_loop_stops_with_an_error(server: LocalServer) -> None:
    server.add("/a", status=302, headers={"Location": "/b"})
    server.add("/b", status=302, headers={"Location": "/a"})
    with pytest.raises(FetchError, match="redirect loop"):
        get(server.url("/a"))


def test_permanent_redirect_is_reported_temporary_is_not(server: LocalServer) -> None:
    server.add("/old", status=301, headers={"Location": "/new"})
    server.add("/new", body=b"<rss/>")
    server.add("/tmp", status=302, headers={"Location": "/new"})
    moved = get(server.url("/old"))
    assert moved.permanent_url == server.url("/new") and moved.url == server.url("/new")
    assert get(server.url("/tmp")).permanent_url is None


def test_per_host_limit_is_never_exceeded(server: LocalServer) -> None:
    for i in range(12):
        server.add(f"/f{i}", body=b"<rss/>", delay=0.1)
    limits = FAST.model_copy(update={"per_host": 3, "concurrency": 10})

    async def run() -> int:
        async with Fetcher(limits, "ua", allow_private=True) as fetcher:
            await asyncio.gather(*(fetcher.get(server.url(f"/f{i}")) for i in range(12)))
            return fetcher.stats.most_concurrent_one_host

    assert asyncio.run(run()) == 3
    # and the server saw it too: never more than 3 requests within one 0.1 s window start
    times = sorted(r.time for r in server.requests)
    assert max(sum(1 for t in times if s <= t < s + 0.09) for s in times) <= 3


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x",
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest",
        "http://[::1]/x",
        "http://224.0.0.1/",
    ],
)
def test_private_addresses_are_refused_for_article_links(url: str) -> None:
    async def run() -> None:
        async with Fetcher(FAST, "ua", allow_private=False) as fetcher:
            await fetcher.get(url, check_address=True)

    with pytest.raises(RefusedURLError, match="non-public address"):
        asyncio.run(run())


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "ftp://example.org/x"])
def test_other_schemes_are_refused(url: str) -> None:
    async def run() -> None:
        async with Fetcher(FAST, "ua", allow_private=True) as fetcher:
            await fetcher.get(url, check_address=True)

    with pytest.raises(RefusedURLError, match="is not http or https"):
        asyncio.run(run())


def test_an_article_link_is_fetched_from_the_address_that_was_checked(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16, 4 (DNS rebinding): the check resolved the name once and httpx resolved it again; a name that
    answered public, then 127.0.0.1, got the loopback page fetched. The resolver is the one part replaced here:
    a name that changes its answer needs a DNS server this machine does not have."""
    import socket

    page = server.add("/secret", body=b"loopback only")
    port = int(page.rsplit(":", 1)[1].split("/")[0])
    real = socket.getaddrinfo
    answers = iter(["1.1.1.1"])  # the first answer public, every later one loopback

    def rebinding(host: object, *args: object, **kwargs: object) -> object:
        if host in ("rebind.test", b"rebind.test"):  # anyio asks with the IDNA bytes
            address = next(answers, "127.0.0.1")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    limits = FetchSettings(retries=0, connect_timeout=1, read_timeout=1, deadline=3)

    async def run() -> None:
        async with Fetcher(limits, "ua", allow_private=False) as fetcher:
            await fetcher.get(f"http://rebind.test:{port}/secret", check_address=True)

    with pytest.raises(FetchError):
        asyncio.run(run())
    assert server.requests_for("/secret") == [], "the page behind the second answer was fetched"
