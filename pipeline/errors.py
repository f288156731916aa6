"""The project's own errors, so that callers never need to know which library failed underneath.

    UnionWatchError
    ├── ConfigError          a settings or feeds file that cannot be used (names the file and key)
    ├── FetchError           one URL could not be fetched (names the URL; `permanent` says whether to retry)
    │   ├── TooLargeError    the body (or its decompressed form) passed the size cap
    │   └── RefusedURLError  the URL's scheme or address is not allowed
    ├── ParseError           a body is not a feed we can read (names the feed)
    ├── StoreError           the database refused an operation
    ├── FileWriteError       a digest or archive file could not be written (names the file)
    └── LockedError          another run holds the lock

Every message starts with the stage that raised it ("fetch: ...", "parse: ...") so a log line says where
things went wrong; third-party exceptions are translated at the boundary with `raise ... from exc`.
"""

from __future__ import annotations


class UnionWatchError(Exception):
    """Base of every error UnionWatch raises on purpose."""


class ConfigError(UnionWatchError):
    pass


class FetchError(UnionWatchError):
    def __init__(
        self,
        message: str,
        *,
        url: str = "",
        status: int | None = None,
        permanent: bool = False,
        retry_after: float | None = None,
        kind: str = "",
    ):
        super().__init__(message)
        self.url = url
        self.status = status
        self.permanent = permanent
        self.retry_after = retry_after  # seconds the server asked us to wait (429/503 Retry-After)
        # dns: the name does not resolve; network: no answer (refused, reset, timed out); http: the server
        # answered with an error status; "" for the rest (size caps, redirects, decoding)
        self.kind = kind or ("http" if status is not None else "")


class TooLargeError(FetchError):
    def __init__(self, message: str, *, url: str = ""):
        super().__init__(message, url=url, permanent=True)


class RefusedURLError(FetchError):
    def __init__(self, message: str, *, url: str = ""):
        super().__init__(message, url=url, permanent=True)


class RedirectedAwayError(FetchError):
    """A redirect to a host the fetching worker does not hold: its politeness covers only its own hosts, so
    the page is for that host's holder to fetch (`target`)."""

    def __init__(self, message: str, *, url: str, target: str):
        super().__init__(message, url=url, permanent=True)
        self.target = target


class ParseError(UnionWatchError):
    pass


class StoreError(UnionWatchError):
    pass


class FileWriteError(UnionWatchError):
    pass


class LockedError(UnionWatchError):
    pass
