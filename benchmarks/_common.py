"""Shared by the benchmarks: where the corpus is, loopback servers on many 127.0.0.x addresses, peak RSS."""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
EVAL = ROOT.parent / "shared" / "eval"


def need(path: Path) -> Path:
    if not path.exists():
        print(f"skipped: {path} is absent (the benchmarks read the shared corpus from ../shared)")
        sys.exit(0)
    return path


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest descendant seen, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return own, max(_descendant_peaks.values(), default=0.0)


_descendant_peaks: dict[int, float] = {}


_descendant_cpu: dict[int, float] = {}
_TICKS = os.sysconf("SC_CLK_TCK")


def descendants_cpu(exclude: set[int] | None = None) -> float:
    """CPU seconds of every process below this one seen by watch_descendants, to its last sample (a process
    that ended loses at most one sampling interval)."""
    return sum(seconds for pid, seconds in _descendant_cpu.items() if pid not in (exclude or set()))


def watch_descendants(
    exclude: set[int] | None = None, interval: float = 0.05, exclude_names: frozenset[str] = frozenset()
) -> None:
    """Sample the peak RSS (VmHWM) and the CPU time of every process below this one, pool workers and
    forkserver included (workers are the forkserver's children: RUSAGE_CHILDREN never sees them). The processes
    in `exclude`, those below them, and those named in `exclude_names` (a database server the benchmark
    started: "postgres") are left out."""
    me = os.getpid()
    skip = exclude or set()

    def name_of(pid: int) -> str:
        try:
            with open(f"/proc/{pid}/comm") as fh:
                return fh.read().strip()
        except OSError:
            return ""

    def parent_of(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                return int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return 0

    def loop() -> None:
        while True:
            for entry in os.listdir("/proc"):
                if not entry.isdigit() or int(entry) in skip:
                    continue
                pid, hops = int(entry), 0
                ancestor = parent_of(pid)
                while ancestor not in (0, 1, me) and ancestor not in skip and hops < 5:
                    ancestor, hops = parent_of(ancestor), hops + 1
                if ancestor != me or (exclude_names and name_of(pid) in exclude_names):
                    continue
                try:
                    with open(f"/proc/{pid}/stat") as fh:
                        fields = fh.read().rsplit(")", 1)[1].split()
                    _descendant_cpu[pid] = (int(fields[11]) + int(fields[12])) / _TICKS
                    with open(f"/proc/{pid}/status") as fh:
                        for line in fh:
                            if line.startswith("VmHWM:"):
                                value = int(line.split()[1]) / 1024
                                _descendant_peaks[pid] = max(_descendant_peaks.get(pid, 0.0), value)
                except OSError:
                    pass
            time.sleep(interval)

    threading.Thread(target=loop, daemon=True).start()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # the listen backlog; the default 5 drops SYNs under a burst and adds 1 s retries


class Hosts:
    """One ThreadingHTTPServer per loopback address, all on the same port, each answering after `latency`.

    Counts how many requests each host is handling at once, as the server sees it. Run it in its own
    process (see `serve_in_child`) so that its threads do not share the crawler's interpreter lock.
    """

    def __init__(self, count: int, latency: float) -> None:
        self.routes: dict[tuple[str, str], tuple[bytes, str]] = {}
        self.latency = latency
        self.requests = 0
        self.active: dict[str, int] = defaultdict(int)
        self.peak: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()
        self.servers: list[ThreadingHTTPServer] = []
        self.addresses = [f"127.0.0.{i}" for i in range(2, 2 + count)]
        port = 0
        for address in self.addresses:
            httpd = _Server((address, port), self._handler(address))
            port = httpd.server_address[1]
            self.servers.append(httpd)
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.port = port

    def url(self, address: str, path: str) -> str:
        return f"http://{address}:{self.port}{path}"

    def add(self, address: str, path: str, body: bytes, etag: str) -> str:
        self.routes[(address, path)] = (body, etag)
        return self.url(address, path)

    def close(self) -> None:
        for httpd in self.servers:
            httpd.shutdown()
            httpd.server_close()

    def _handler(self, address: str) -> type[BaseHTTPRequestHandler]:
        hosts = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with hosts.lock:
                    hosts.requests += 1
                    hosts.active[address] += 1
                    hosts.peak[address] = max(hosts.peak[address], hosts.active[address])
                try:
                    time.sleep(hosts.latency)
                    body, etag = hosts.routes.get((address, self.path), (b"", ""))
                    if etag and self.headers.get("If-None-Match") == etag:
                        self.send_response(304)
                        self.send_header("ETag", etag)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(200 if body else 404)
                    self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                finally:
                    with hosts.lock:
                        hosts.active[address] -= 1

        return Handler


def serve_in_child(
    count: int, latency: float, routes: list[tuple[int, str, bytes, str]], patch: tuple[str, ...] = ()
) -> tuple[int, Any, int | None]:
    """Start Hosts in a child process with the given (host index, path, body, etag) routes.

    Each placeholder in `patch` is replaced in the bodies by the port the servers got.

    Returns the port and a connection: send "stats" to get (requests, {host: peak concurrent}), "stop" to end.
    """
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("fork").Process(
        target=_child, args=(child, count, latency, routes, patch), daemon=True
    )
    proc.start()
    port = parent.recv()
    return port, parent, proc.pid


def _child(
    conn: Any, count: int, latency: float, routes: list[tuple[int, str, bytes, str]], patch: tuple[str, ...]
) -> None:
    hosts = Hosts(count, latency)
    for index, path, body, etag in routes:
        for placeholder in patch:  # e.g. the port, unknown until the servers are bound
            body = body.replace(placeholder.encode(), str(hosts.port).encode())
        hosts.add(hosts.addresses[index], path, body, etag)
    conn.send(hosts.port)
    while True:
        message = conn.recv()
        if message == "stats":
            conn.send((hosts.requests, dict(hosts.peak)))
        else:
            hosts.close()
            conn.send("stopped")
            return
