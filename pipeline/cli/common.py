"""What several commands share: lazily loaded settings, the store, logging, and JSON output.

Nothing heavy is imported here or at the top of a command module: `unionwatch --help` must not pay for
pydantic, SQLAlchemy or trafilatura. Each command imports what it needs when it runs.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pipeline.digest.weeks import Week

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pipeline.jobs.lock import RunLock
    from pipeline.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


class AppContext:
    def __init__(self, config_file: str | None) -> None:
        self.config_file = config_file
        self._settings: Settings | None = None
        self._engine: Engine | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from pipeline.settings import load_settings

            self._settings = load_settings(self.config_file)
            setup_logging(self._settings.log_level)
        return self._settings

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from pipeline.store.db import open_store

            self._engine = open_store(self.settings.db_url)
        return self._engine

    def close(self) -> None:
        """Release the database's connections when the command ends (in-process callers run many)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def lock(self, command: str) -> RunLock:
        """Held while a command writes; a second overlapping run exits at once (exit status 75)."""
        from pipeline.jobs.lock import RunLock

        return RunLock(self.engine, self.settings.data_dir, f"unionwatch {command}")


class _LineFormatter(logging.Formatter):
    """One line per record, key=value after the message: readable in a terminal, parseable in journald."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="seconds")
        line = f"{stamp} {record.levelname.lower():7} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += " | " + self.formatException(record.exc_info).replace("\n", " | ")
        return line


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a record comes (a command run again in one process, as the tests
    do, logs to its own stderr)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def setup_logging(level: str) -> None:
    root = logging.getLogger("unionwatch")
    if not root.handlers:
        handler = _StderrHandler()
        handler.setFormatter(_LineFormatter())
        root.addHandler(handler)
        root.propagate = False
    root.setLevel(level)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def ago(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "never"
    seconds = (now - value).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 90:
        text = f"{int(seconds)}s"
    elif seconds < 5400:
        text = f"{int(seconds // 60)}m"
    elif seconds < 172800:
        text = f"{int(seconds // 3600)}h"
    else:
        text = f"{int(seconds // 86400)}d"
    return f"in {text}" if future else f"{text} ago"


def parse_week(ctx: click.Context, param: click.Parameter, value: str | None) -> Week | None:
    if value is None:
        return None
    try:
        return Week.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def aware(value: str) -> datetime:
    """An ISO date or time from the command line; without a zone it is UTC. ValueError when unreadable."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_now(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return aware(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


now_option = click.option(
    "--now", callback=parse_now, hidden=True, help="Pretend it is this ISO time (tests and replays)."
)


def week_option(help_text: str) -> Callable[[F], F]:
    return click.option("--week", callback=parse_week, metavar="YYYY-Www", help=help_text)


def clock(now: datetime | None) -> datetime:
    """The command's notion of now: --now when given (tests, replays), else the real UTC time."""
    return now or datetime.now(UTC)
