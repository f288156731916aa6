"""Running `unionwatch` as a user does, with no UNIONWATCH_* variable from the developer's shell, only those a
test gives: in this process through click's test runner (`unionwatch`), or as the installed command in a
process of its own (`installed`), for what only a real process shows: kills, the lock, the scheduler."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main

PREFIX = "UNIONWATCH_"
EXECUTABLE = Path(sys.executable).parent / "unionwatch"  # what `pip install` put beside the interpreter


@dataclass(frozen=True)
class Ran:
    """What a command left: its exit status and what it printed, as subprocess.CompletedProcess names them."""

    returncode: int
    stdout: str
    stderr: str


def clean_environment(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith(PREFIX)}, **extra}


def clear_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same for code run in the test's own process."""
    for key in list(os.environ):
        if key.startswith(PREFIX):
            monkeypatch.delenv(key)


def unionwatch(config: Path, *args: str, cwd: Path | None = None, **env: str) -> Ran:
    """`unionwatch --config CONFIG ARGS…` in this process: the same entry point, exit codes and output."""
    unset: dict[str, str | None] = {key: None for key in os.environ if key.startswith(PREFIX)}
    with CliRunner().isolation(env={**unset, **env}) as (stdout, stderr, _), contextlib.chdir(cwd or Path.cwd()):
        try:
            main(["--config", str(config), *args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
        out, err = stdout.getvalue(), stderr.getvalue()
    return Ran(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def installed(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed `unionwatch` command in a process of its own."""
    return subprocess.run(
        installed_command(*args), capture_output=True, text=True, env=clean_environment(**env), cwd=cwd
    )


def installed_command(*args: str) -> list[str]:
    """The argument list for Popen, where a test needs the process while it runs (kill, lock, scheduler)."""
    return [str(EXECUTABLE), *args]


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
