"""The HTTP shell: every byte UnionWatch downloads comes through `Fetcher.get`.

Why this is not a plain `httpx.get`: third-party servers are slow, flaky, hostile or enormous. So every request
runs under a global and a per-host concurrency limit, a connect/read timeout and a whole-request deadline; the
body is read as a stream and refused past a size cap counted after decompression (a gzip bomb stops at the
cap); connection errors, 5xx and 429 are retried with exponential backoff and jitter (Retry-After honoured);
redirects are followed by hand so that permanent moves can be remembered and loops stopped; and links taken
from third-party feeds can be refused when they point at this machine or the private network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
import ssl
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urljoin, urlsplit, urlunsplit

import certifi
import httpx

from pipeline.domain import FeedSource, FetchedBody, host_of
from pipeline.errors import FetchError, RedirectedAwayError, RefusedURLError, TooLargeError
from pipeline.settings import FetchSettings

REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT = frozenset({301, 308})
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
ALLOWED_SCHEMES = frozenset({"http", "https"})

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5"


@dataclass
class FetchStats:
    """Counters a benchmark or a summary line can read; they cost nothing to keep."""

    requests: int = 0
    in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    max_in_flight_per_host: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def most_concurrent_one_host(self) -> int:
        return max(self.max_in_flight_per_host.values(), default=0)


class Fetcher:
    """An async HTTP client with UnionWatch's limits; use as `async with Fetcher(...) as f`."""

    def __init__(
        self,
        limits: FetchSettings,
        user_agent: str,
        *,
        allow_private: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        host_agents: dict[str, str] | None = None,
    ) -> None:
        self.limits = limits
        self._host_agents = host_agents or {}  # a feed's `user_agent`, used for its host's feed and articles
        self.allow_private = allow_private
        self.stats = FetchStats()
        self._global = asyncio.Semaphore(limits.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._user_agent = user_agent
        self._transport = transport
        # One small connection pool per host: httpcore scans every pooled connection on each request, so a
        # single pool shared by hundreds of article hosts costs more CPU than the extraction it feeds.
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._tls = ssl.create_default_context(cafile=certifi.where())  # built once: loading CAs is slow

    def _client(self, host: str) -> httpx.AsyncClient:
        client = self._clients.get(host)
        if client is None:
            client = self._clients[host] = httpx.AsyncClient(
                headers={
                    "User-Agent": self._host_agents.get(host, self._user_agent),
                    "Accept-Encoding": "gzip, deflate",
                },
                timeout=httpx.Timeout(self.limits.read_timeout, connect=self.limits.connect_timeout),
                limits=httpx.Limits(
                    max_connections=self.limits.per_host, max_keepalive_connections=self.limits.per_host
                ),
                follow_redirects=False,
                transport=self._transport,
                trust_env=False,
                verify=self._tls,
            )
        return client

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        check_address: bool = False,
        accept: str = "*/*",
        hosts: frozenset[str] | None = None,
    ) -> FetchedBody:
        """Fetch one URL with retries; raises FetchError (never an httpx error) when it cannot. With `hosts` (a
        worker's leased hosts), a redirect to any other host raises RedirectedAwayError instead of following."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            attempt += 1
            try:
                result = await self._follow(url, headers, check_address, hosts)
            except FetchError as exc:
                delay = self._retry_delay(exc, attempt)
                if delay is None:
                    raise
                await asyncio.sleep(delay)
                continue
            return FetchedBody(**{**result.__dict__, "attempts": attempt})

    def _retry_delay(self, exc: FetchError, attempt: int) -> float | None:
        if exc.permanent or attempt > self.limits.retries:
            return None
        if exc.retry_after is not None:
            return exc.retry_after if exc.retry_after <= self.limits.max_retry_after else None
        base = float(self.limits.backoff * (2 ** (attempt - 1)))
        return base * (0.5 + random.random())  # full jitter around the exponential step

    async def _follow(
        self, url: str, headers: dict[str, str], check_address: bool, hosts: frozenset[str] | None = None
    ) -> FetchedBody:
        seen: set[str] = set()
        permanent_url: str | None = None
        all_permanent = True
        current = url
        for _hop in range(self.limits.max_redirects + 1):
            if current in seen:
                raise FetchError(f"fetch: redirect loop at {current}", url=url, permanent=True)
            seen.add(current)
            pinned = await self.check_url(current) if check_address else None
            status, resp_headers, body = await self._request(current, headers, pinned)
            if status in REDIRECTS and "location" in resp_headers:
                target = urljoin(current, resp_headers["location"])
                if hosts is not None and host_of(target) not in hosts:
                    raise RedirectedAwayError(
                        f"fetch: {url}: redirects to {target}, a host this worker does not hold", url=url, target=target
                    )
                all_permanent = all_permanent and status in PERMANENT
                if all_permanent:
                    permanent_url = target
                current = target
                continue
            if status in RETRYABLE_STATUS:
                raise FetchError(
                    f"fetch: {current}: HTTP {status}",
                    url=url,
                    status=status,
                    retry_after=_retry_after(resp_headers.get("retry-after")),
                )
            if status >= 400:
                raise FetchError(f"fetch: {current}: HTTP {status}", url=url, status=status, permanent=True)
            return FetchedBody(
                url=current,
                status=status,
                body=body,
                content_type=resp_headers.get("content-type", ""),
                etag=resp_headers.get("etag"),
                last_modified=resp_headers.get("last-modified"),
                permanent_url=permanent_url,
                headers=resp_headers,
            )
        raise FetchError(f"fetch: {url}: more than {self.limits.max_redirects} redirects", url=url, permanent=True)

    async def _request(
        self, url: str, headers: dict[str, str], pinned: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        host = host_of(url)
        host_limit = self._hosts.setdefault(host, asyncio.Semaphore(self.limits.per_host))
        async with self._global, host_limit:
            self._enter(host)
            try:
                async with asyncio.timeout(self.limits.deadline):
                    return await self._stream(self._client(host), url, headers, pinned)
            except TimeoutError as exc:
                raise FetchError(
                    f"fetch: {url}: no complete answer within {self.limits.deadline:g}s", url=url, kind="network"
                ) from exc
            except httpx.TimeoutException as exc:
                raise FetchError(f"fetch: {url}: timed out ({type(exc).__name__})", url=url, kind="network") from exc
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                raise FetchError(f"fetch: {url}: {exc}", url=url, permanent=True) from exc
            except httpx.DecodingError as exc:
                raise FetchError(f"fetch: {url}: body does not decode ({exc})", url=url, permanent=True) from exc
            except httpx.TransportError as exc:
                kind = "dns" if _unresolved(exc) else "network"
                what = (
                    f"cannot resolve {host}" if kind == "dns" else f"{type(exc).__name__}: {exc or 'connection failed'}"
                )
                raise FetchError(f"fetch: {url}: {what}", url=url, kind=kind) from exc
            finally:
                self.stats.in_flight[host] -= 1

    def _enter(self, host: str) -> None:
        self.stats.requests += 1
        self.stats.in_flight[host] += 1
        peak = self.stats.max_in_flight_per_host
        peak[host] = max(peak[host], self.stats.in_flight[host])

    async def _stream(
        self, client: httpx.AsyncClient, url: str, headers: dict[str, str], pinned: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        cap = self.limits.max_bytes
        target, extensions = url, {}
        if pinned is not None:  # connect to the address that was checked: a second lookup could answer otherwise
            parts = urlsplit(url)
            address = f"[{pinned}]" if ":" in pinned else pinned
            target = urlunsplit(parts._replace(netloc=address + (f":{parts.port}" if parts.port else "")))
            headers = {**headers, "Host": parts.netloc.rsplit("@", 1)[-1]}
            extensions = {"sni_hostname": parts.hostname or ""}  # TLS still checks the certificate for the name
        async with client.stream("GET", target, headers=headers, extensions=extensions) as response:
            resp_headers = {k.lower(): v for k, v in response.headers.items()}
            if response.status_code in REDIRECTS or response.status_code == 304 or response.status_code >= 400:
                return response.status_code, resp_headers, b""
            declared = resp_headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap and not resp_headers.get("content-encoding"):
                raise TooLargeError(
                    f"fetch: {url}: body of {int(declared):,} bytes is over the {cap:,}-byte cap", url=url
                )
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > cap:
                    raise TooLargeError(
                        f"fetch: {url}: body passed the {cap:,}-byte cap (after decompression)", url=url
                    )
                chunks.append(chunk)
            return response.status_code, resp_headers, b"".join(chunks)

    async def check_url(self, url: str) -> str | None:
        """Refuse schemes other than http(s) and, unless allowed, hosts that resolve to non-public addresses;
        returns the address checked, which the request then connects to (None when private ones are allowed)."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            raise RefusedURLError(
                f"fetch: refused {url}: scheme {parts.scheme or '(none)'!r} is not http or https", url=url
            )
        if self.allow_private:
            return None
        host = parts.hostname or ""
        if not host:
            raise RefusedURLError(f"fetch: refused {url}: no host", url=url)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise FetchError(f"fetch: {url}: cannot resolve {host} ({exc})", url=url, kind="dns") from exc
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if not address.is_global or address.is_multicast:
                raise RefusedURLError(f"fetch: refused {url}: {host} resolves to non-public address {address}", url=url)
        return str(infos[0][4][0]).split("%")[0] if infos else None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import UTC, datetime

    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def host_agents(sources: Iterable[FeedSource]) -> dict[str, str]:
    """host → the User-Agent its feed asks for: a site that shows a challenge page to unknown clients shows
    it for its article pages too."""
    return {host_of(s.url): s.user_agent for s in sources if s.user_agent and host_of(s.url)}


def _unresolved(exc: BaseException) -> bool:
    """Whether a connection failed because the host name does not resolve (socket.gaierror, somewhere down the
    chain httpx and httpcore wrap it in)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, socket.gaierror):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
