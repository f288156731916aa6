"""Opening the database: one engine per process, SQLite tuned for a crawler, migrations applied on open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from pipeline.errors import StoreError
from pipeline.store import migrations


def sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL names, a URI filename (sqlite:///file:/path/db?mode=ro&uri=true) included; None for
    another backend or :memory:. A URI taken as a path made a folder named "file:" in the working folder."""
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        database = database[len("file:") :].split("?", 1)[0]
    return Path(database)


def make_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite the folder is created and WAL mode switched on."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"store: database URL is not valid: {exc}") from exc
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        file = sqlite_file(parsed)
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
        if parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    try:
        engine = create_engine(url, **kwargs)
    except NoSuchModuleError as exc:
        raise StoreError(f"store: no driver for {parsed.drivername!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at checkpoint, safe against corruption
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def open_store(url: str, *, upgrade: bool = True) -> Engine:
    """Open the database and bring its schema up to date; StoreError with the reason when it cannot."""
    engine = make_engine(url)
    try:
        if upgrade:
            migrations.upgrade(engine)
        else:
            with engine.connect():
                pass
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"store: cannot open {make_url(url).render_as_string(hide_password=True)}: {reason}") from exc
    return engine
