"""Running `unionwatch` as a user does: a separate process whose environment has no UNIONWATCH_* variable
from the developer's shell, only those a test gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PREFIX = "UNIONWATCH_"


def clean_environment(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith(PREFIX)}, **extra}


def clear_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same for code run in the test's own process."""
    for key in list(os.environ):
        if key.startswith(PREFIX):
            monkeypatch.delenv(key)


def unionwatch(config: Path, *args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=clean_environment(**env),
        cwd=cwd,
    )


NO_FEED = [("x", "http://127.0.0.1:9/rss")]  # a feed never crawled, for tests that file and mail only


def write_config(folder: Path, feeds: list[tuple[str, str]] = NO_FEED, **extra: str) -> Path:
    """A config in `folder` with these feeds, data and digests beside it, fast fetches and no article stage;
    `extra` values are TOML literals (strings quoted)."""
    (folder / "feeds.toml").write_text(
        "".join(f'[[feed]]\nname = "{name}"\nurl = "{url}"\nlang = "ru"\n\n' for name, url in feeds), encoding="utf-8"
    )
    lines = "".join(f"{key} = {value}\n" for key, value in extra.items())
    config = folder / "unionwatch.toml"
    config.write_text(
        'feeds = "feeds.toml"\ndata_dir = "data"\ndigests_dir = "digests"\nallow_private_urls = true\n'
        f"{lines}[fetch]\nretries = 0\nbackoff = 0.01\n[extract]\nenabled = false\n",
        encoding="utf-8",
    )
    return config
