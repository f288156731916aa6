"""The command line as a user or a script meets it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from tests.support.commands import clean_environment, unionwatch
from tests.support.httpserver import LocalServer, Route
from tests.support.paths import corpus_path

ROOT = Path(__file__).resolve().parent.parent.parent


def all_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((prefix + name, command))
        if isinstance(command, click.Group):
            found += all_commands(command, prefix + name + " ")
    return found


@pytest.mark.parametrize("name,command", all_commands(cli), ids=lambda x: x if isinstance(x, str) else "")
def test_every_command_has_help_text(name: str, command: click.Command) -> None:
    assert command.help or command.short_help, f"`unionwatch {name}` has no help text"


def run(settings_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return unionwatch(settings_file, *args, cwd=settings_file.parent)


def test_crawl_then_list_feeds_and_items_as_json(server: LocalServer, make_settings) -> None:  # type: ignore[no-untyped-def]
    body = corpus_path("feeds", "onliner.by_Annshimko", "test_data__RSS.xml").read_bytes()
    settings = make_settings([("Onliner", server.add("/o.rss", Route(body=body))), ("Dead", server.url("/gone"))])
    crawl = run(settings.config_file, "crawl")
    assert crawl.returncode == 0, crawl.stderr
    assert (
        crawl.stdout.strip()
        .splitlines()[-1]
        .startswith("crawl: 1 feeds fetched, 0 not modified, 1 failed; 30 items new")
    )
    feeds = json.loads(run(settings.config_file, "feeds", "list", "--json").stdout)
    by_name = {f["name"]: f for f in feeds}
    assert by_name["Onliner"]["state"] == "ok" and by_name["Onliner"]["last_success_at"]
    assert by_name["Dead"]["state"] == "failing" and by_name["Dead"]["consecutive_failures"] == 1
    assert "HTTP 404" in by_name["Dead"]["last_error"] and by_name["Dead"]["next_check_at"]
    items = json.loads(run(settings.config_file, "items", "list", "--json", "--limit", "100").stdout)
    assert len(items) == 30 and all(i["id"] and i["url"].startswith("https://") for i in items)
    assert items[0]["published_at"].endswith("+00:00") and items[0]["sources"] == ["Onliner"]
    table = run(settings.config_file, "feeds", "list").stdout
    assert "failing" in table and "HTTP 404" in table and "2 feeds, 1 failing" in table


def test_bad_config_is_one_line_naming_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "unionwatch.toml"
    config.write_text("[fetch]\nper_host = -1\n", encoding="utf-8")
    result = run(config, "crawl")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(config) in lines[0] and "fetch.per_host" in lines[0]


def test_missing_feeds_file_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "unionwatch.toml"
    config.write_text('feeds = "nowhere.toml"\ndata_dir = "data"\n', encoding="utf-8")
    result = run(config, "crawl")
    assert result.returncode == 1
    assert "nowhere.toml: cannot read" in result.stderr


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    config = tmp_path / "unionwatch.toml"
    config.write_text("", encoding="utf-8")
    env = {
        **clean_environment(),
        "UNIONWATCH_SMTP_PASSWORD": "hunter2",
    }
    result = CliRunner().invoke(cli, ["--config", str(config), "config", "show", "--json"], env=env)
    assert result.exit_code == 0
    shown = json.loads(result.output)
    assert shown["smtp_password"] == "***" and "hunter2" not in result.output


def test_opml_import_and_export(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text('# my feeds\n[[feed]]\nname = "TASS"\nurl = "https://tass.ru/rss/v2.xml"\n', encoding="utf-8")
    config = tmp_path / "unionwatch.toml"
    config.write_text('feeds = "feeds.toml"\ndata_dir = "data"\n', encoding="utf-8")
    opml = tmp_path / "reader.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="Belsat" xmlUrl="https://belsat.eu/feed" language="be"/>'
        '<outline text="TASS copy" xmlUrl="https://tass.ru/rss/v2.xml"/></body></opml>',
        encoding="utf-8",
    )
    imported = run(config, "feeds", "import", str(opml))
    assert imported.returncode == 0 and "imported 1 of 2 feeds" in imported.stdout
    assert feeds.read_text(encoding="utf-8").startswith("# my feeds")
    exported = run(config, "feeds", "export").stdout
    assert 'xmlUrl="https://belsat.eu/feed"' in exported and 'xmlUrl="https://tass.ru/rss/v2.xml"' in exported


def test_python_dash_m_and_version() -> None:
    result = subprocess.run([sys.executable, "-m", "pipeline", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "unionwatch" in result.stdout


HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "pydantic",
    "alembic",
    "trafilatura",
    "numpy",
    "httpx",
    "feedparser",
    "jinja2",
    "PIL",
)


def test_help_imports_nothing_heavy() -> None:
    """`unionwatch --help` (and a mistyped command) must stay quick: no store, settings or parser library."""
    probe = (
        "import sys\nfrom pipeline.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=clean_environment())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]", "imported by --help: " + done.stdout.splitlines()[-1]
