"""A real HTTP server on 127.0.0.1 for the tests: serves files and scripted misbehaviour.

Each path is a Route: a body with headers, or a behaviour a hostile or broken server shows (304 on a
matching validator, 429 with Retry-After, 5xx, slow bodies, reset connections, huge or gzip-bomb bodies,
redirect loops). Every request is recorded so that tests can assert what the crawler actually sent.
"""

from __future__ import annotations

import gzip
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None  # answer 304 when the request's If-None-Match matches
    last_modified: str | None = None
    delay: float = 0.0  # before the status line
    slow_chunks: float = 0.0  # seconds between 1 KiB chunks of the body
    reset: bool = False  # close the connection abruptly, no answer
    gzip: bool = False
    statuses: list[int] = field(default_factory=list)  # consumed first, one per request (e.g. [500, 500])
    handler: Callable[[BaseHTTPRequestHandler], bool] | None = None  # full control; return True if handled


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    host: str
    time: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that goes away mid-answer (a killed crawl, a timeout test) is expected here; anything
        else is reported as the standard library does."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LocalServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with server.lock:
                    server.requests.append(
                        Request(self.path, {k.lower(): v for k, v in self.headers.items()}, host, time.time())
                    )
                server._serve(self)

        self.httpd = _Server((host, 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://{self.httpd.server_address[0]}:{self.port}{path}"

    def add(self, path: str, route: Route | None = None, **kwargs: Any) -> str:
        self.routes[path] = route or Route(**kwargs)
        return self.url(path)

    def add_file(self, path: str, file: Path, **kwargs: Any) -> str:
        return self.add(path, Route(body=file.read_bytes(), **kwargs))

    def requests_for(self, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        route = self.routes.get(h.path)
        if route is None:
            self._send(h, 404, b"not found", {"Content-Type": "text/plain"})
            return
        if route.handler and route.handler(h):
            return
        if route.delay:
            time.sleep(route.delay)
        if route.reset:
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
            h.close_connection = True
            return
        with self.lock:
            status = route.statuses.pop(0) if route.statuses else route.status
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if status == 200 and (
            (route.etag and h.headers.get("If-None-Match") == route.etag)
            or (route.last_modified and h.headers.get("If-Modified-Since") == route.last_modified)
        ):
            self._send(h, 304, b"", {k: v for k, v in headers.items() if k != "Content-Type"})
            return
        body = route.body if status < 300 or status >= 400 else b""
        if route.gzip:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        self._send(h, status, body, headers, slow=route.slow_chunks)

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str], slow: float = 0.0) -> None:
        try:
            h.send_response(status)
            for key, value in headers.items():
                h.send_header(key, value)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if slow:
                for start in range(0, len(body), 1024):
                    h.wfile.write(body[start : start + 1024])
                    h.wfile.flush()
                    time.sleep(slow)
            else:
                h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


def free_port() -> int:
    """A port nothing listens on at this moment, on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
