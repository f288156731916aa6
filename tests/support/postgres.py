"""A throwaway PostgreSQL server (initdb in a temporary folder): for the test suite and the benchmarks alike."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.httpserver import free_port


class Unavailable(Exception):
    """No server can be started here; the message says why."""


def _find_pg_bin() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@contextmanager
def running_postgres() -> Iterator[str]:
    """The server's base URL (append a database name); stopped and removed afterwards."""
    bindir = _find_pg_bin()
    if bindir is None:
        raise Unavailable("no initdb found (install Debian's postgresql package)")
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        if shutil.which("runuser") is None:
            raise Unavailable("running as root without runuser to drop privileges")
        as_user = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="uw-pg-"))
    os.chmod(folder, 0o777)
    data = folder / "data"
    port = free_port()
    if as_user:
        shutil.chown(folder, "postgres")
    init = subprocess.run(
        [*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "uw", "--auth=trust", "-E", "UTF8", "--no-sync"],
        capture_output=True,
        text=True,
    )
    if init.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise Unavailable(f"initdb failed: {init.stderr.strip()[:300]}")
    proc = subprocess.Popen(
        [
            *as_user,
            str(bindir / "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-k",
            str(folder),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            ready = [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)]
            if subprocess.run(ready, capture_output=True).returncode == 0:
                break
            time.sleep(0.2)
        else:
            raise Unavailable("the server did not start within 30 s")
        subprocess.run(
            [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "uw", "template_uw"], check=True
        )
        yield f"postgresql://uw@127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)


def new_database(base: str, prefix: str) -> str:
    """A new, empty database on the server at `base`; its URL."""
    import sqlalchemy as sa

    name = f"{prefix}_{os.getpid()}_{time.time_ns()}"
    admin = sa.create_engine(
        base.replace("postgresql://", "postgresql+psycopg://") + "postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base + name
