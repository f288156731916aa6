"""Headless Chromium driven over the DevTools protocol, to use a page the way a reader does (type, read)."""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import websocket

from tests.support.httpserver import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parent.parent.parent
SCREENSHOTS = Path(os.environ.get("UNIONWATCH_SCREENSHOTS", ROOT / "build" / "screenshots"))  # for a person to look at


def chromium_args(profile: Path, *, virtual_time: bool = True) -> list[str]:
    """Headless, sandbox off (containers), nothing reaching out on its own; virtual time for one-shot loads."""
    assert CHROMIUM, "chromium is not installed"
    return [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *(["--virtual-time-budget=3000"] if virtual_time else []),
    ]


def screenshot(page: Path, shot: Path, width: int, tmp_path: Path) -> None:
    shot.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [*chromium_args(tmp_path / "profile"), f"--window-size={width},2400", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=120,
    )
    assert shot.exists() and shot.stat().st_size > 10_000, f"Chromium made no screenshot of {page}"


class Browser:
    def __init__(self, url: str, profile: Path, width: int = 800, height: int = 1200) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [*chromium_args(profile, virtual_time=False), f"--remote-debugging-port={self.port}",
             f"--window-size={width},{height}", url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.ids = itertools.count(1)
        self.socket = websocket.create_connection(self._page_socket(), timeout=20, suppress_origin=True)
        # the first page target can still be about:blank: wait for the real document
        self.wait_for("location.protocol !== 'about:' && document.readyState === 'complete'", timeout=30)

    def _page_socket(self) -> str:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list", timeout=2) as answer:
                    pages = [t for t in json.load(answer) if t.get("type") == "page"]
                if pages:
                    return str(pages[0]["webSocketDebuggerUrl"])
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError("Chromium's DevTools endpoint did not come up")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self.ids)
        self.socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            reply = json.loads(self.socket.recv())
            if reply.get("id") == ident:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 10) -> None:
        """Poll until the expression is true; a page between two documents answers with an error, not false."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.evaluate(expression):
                    return
            except RuntimeError as exc:  # "Inspected target navigated or closed", "context was destroyed"
                if time.monotonic() > deadline:
                    raise TimeoutError(f"waited {timeout}s for {expression} ({exc})") from exc
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout}s for {expression}")
            time.sleep(0.05)

    def navigate(self, url: str) -> None:
        """Follow a link as a reader does. Page.navigate answers once the new document is committed; assigning
        location.href inside Runtime.evaluate raced the navigation, which can close the context it ran in."""
        self.call("Page.navigate", url=url)
        self.wait_for(f"location.href === {json.dumps(url)} && document.readyState === 'complete'")

    def type_into(self, selector: str, text: str) -> None:
        self.wait_for(f"document.querySelector({json.dumps(selector)}) !== null")
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.call("Input.insertText", text=text)

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
