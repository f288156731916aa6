"""One writer at a time: a second overlapping run (cron, a timer, the scheduler, a person) exits at once.

SQLite: an fcntl lock on `unionwatch.lock` beside the database; the kernel drops it when the process dies, so
a killed run never leaves a stale lock. PostgreSQL: a session advisory lock, which the server drops when the
connection closes. The lock file also says who holds it, for the message the second run prints.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, make_url

from pipeline.errors import LockedError
from pipeline.store import lock_keys
from pipeline.store.db import sqlite_file

log = logging.getLogger("unionwatch.lock")

_KEY = lock_keys.RUN


class RunLock:
    def __init__(self, engine: Engine, data_dir: Path, command: str = "") -> None:
        self.engine = engine
        file = sqlite_file(make_url(str(engine.url)))
        self.path = file.parent if file is not None else data_dir
        self.path = self.path / "unionwatch.lock"
        self.command = command or " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:2])
        self._fd: int | None = None
        self._conn: Connection | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 500, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise LockedError(
                f"lock: another UnionWatch run is in progress ({holder}); this one exits without doing anything"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, {self.command}, since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC".encode(), 0)
        self._fd = fd
        if self.engine.dialect.name == "postgresql":
            conn = self.engine.connect()
            if not conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _KEY}).scalar():
                conn.close()
                self.release()
                raise LockedError("lock: another UnionWatch run holds the database's advisory lock; this one exits")
            self._conn = conn
        log.info("lock: held by pid %d (%s)", os.getpid(), self.command)
        return self

    def in_use(self) -> bool:
        """Whether some process holds the lock now (a "running" crawl whose process is gone holds nothing)."""
        if not self.path.exists():
            return False
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops a lock we took
        return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _KEY})
            finally:
                self._conn.close()
                self._conn = None
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()
