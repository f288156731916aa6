from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from pipeline.settings import Settings, load_settings
from pipeline.store.db import open_store
from tests.support.commands import clear_environment
from tests.support.httpserver import LocalServer
from tests.support.postgres import Unavailable, new_database, running_postgres


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    yield srv
    srv.close()


# --- databases: every store test runs on SQLite and, when a server can be started, on PostgreSQL ---


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server (initdb in a temporary folder), or the URL in UNIONWATCH_TEST_PG_URL."""
    if os.environ.get("UNIONWATCH_TEST_PG_URL"):
        yield os.environ["UNIONWATCH_TEST_PG_URL"]
        return
    try:
        with running_postgres() as url:
            yield url
    except Unavailable as exc:
        pytest.skip(f"PostgreSQL tier skipped: {exc}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'unionwatch.db'}"
    return new_database(request.getfixturevalue("postgres_url"), "uw_test")


@pytest.fixture
def make_settings(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Settings for a test: a feeds file with the given (name, url) pairs, data in tmp_path, fast retries."""
    clear_environment(monkeypatch)

    def build(
        feeds: list[tuple[str, str]],
        *,
        extract: dict[str, object] | None = None,
        allow_private: bool | None = None,
        story_meaning: str = "off",
        schedule_crawl: str | None = None,
        **fetch: object,
    ) -> Settings:
        """Articles are off unless `extract` is given: the ingest tests look at feeds alone. Stories are matched
        by their keys alone unless `story_meaning` says otherwise, so that no test's counts depend on whether
        the optional extra is installed."""
        feeds_file = tmp_path / "feeds.toml"
        feeds_file.write_text(
            "".join(f'[[feed]]\nname = "{name}"\nurl = "{url}"\nlang = "ru"\n\n' for name, url in feeds),
            encoding="utf-8",
        )
        fetch_lines = "".join(f"{k} = {_toml(v)}\n" for k, v in {"retries": 1, "backoff": 0.01, **fetch}.items())
        extract_lines = "".join(f"{k} = {_toml(v)}\n" for k, v in (extract or {"enabled": False}).items())
        config = tmp_path / "unionwatch.toml"
        config.write_text(
            f'feeds = "feeds.toml"\ndata_dir = "data"\ndigests_dir = "digests"\ndatabase_url = "{db_url}"\n'
            f"allow_private_urls = {_toml(bool(extract) if allow_private is None else allow_private)}\n"
            f'story_meaning = "{story_meaning}"\n'
            + (f'schedule_crawl = "{schedule_crawl}"\n' if schedule_crawl else "")
            + f"[fetch]\n{fetch_lines}[extract]\n{extract_lines}",
            encoding="utf-8",
        )
        return load_settings(config)

    return build


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = open_store(db_url)
    yield eng
    eng.dispose()
