"""The command line as a user or a script meets it."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from pipeline.cli import cli
from pipeline.store.db import open_store
from pipeline.store.models import Item
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
        .startswith("crawl: 1 feed fetched, 0 not modified, 1 failed; 30 items new")
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


def test_items_list_is_newest_first_says_when_cut_and_failed_means_every_failure(
    server: LocalServer, make_settings
) -> None:  # type: ignore[no-untyped-def]
    """Issue 16, 11: the list was in crawl order, "50 items" of 213 did not say it was cut, and --status failed
    found none of the fetch_failed items."""
    body = corpus_path("feeds", "onliner.by_Annshimko", "test_data__RSS.xml").read_bytes()
    settings = make_settings([("Onliner", server.add("/o.rss", Route(body=body)))])
    assert run(settings.config_file, "crawl").returncode == 0
    items = json.loads(run(settings.config_file, "items", "list", "--json", "--limit", "100").stdout)
    times = [i["published_at"] or i["first_seen_at"] for i in items]
    assert times == sorted(times, reverse=True), "newest first"
    table = run(settings.config_file, "items", "list", "--limit", "5").stdout
    assert table.rstrip().endswith("5 items of 30 (newest first; --limit to see more)")
    assert run(settings.config_file, "items", "list", "--limit", "1", "--feed", "Nobody").stdout.strip() == "0 items"
    engine = open_store(settings.db_url)
    with Session(engine) as s:
        for item in s.exec(select(Item).limit(3)):
            item.extraction_status = "fetch_failed"
            s.add(item)
        s.commit()
    failed = run(settings.config_file, "items", "list", "--status", "failed").stdout
    assert failed.rstrip().endswith("3 items") and failed.count("fetch_failed") == 3


def test_run_from_another_folder_uses_the_checkouts_config_for_everything(tmp_path: Path) -> None:
    """Issue 16, 11: feeds and data resolved against the working folder while topics came from the checkout."""
    from pipeline.settings import PROJECT, load_settings

    with contextlib.chdir(tmp_path):
        settings = load_settings()
    assert settings.config_file == (PROJECT / "config" / "unionwatch.toml").resolve()
    assert settings.feeds.is_relative_to(PROJECT) and settings.data_dir.is_relative_to(PROJECT)
    assert settings.topics.is_relative_to(PROJECT)


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
    assert imported.returncode == 0 and "imported 1 of 2 outlines" in imported.stdout
    assert "1 already listed" in imported.stdout
    assert feeds.read_text(encoding="utf-8").startswith("# my feeds")
    exported = run(config, "feeds", "export").stdout
    assert 'xmlUrl="https://belsat.eu/feed"' in exported and 'xmlUrl="https://tass.ru/rss/v2.xml"' in exported


def test_opml_import_skips_what_a_crawl_cannot_fetch_and_the_commands_keep_working(tmp_path: Path) -> None:
    """Issue 16, 3: file:, javascript:, gopher: and empty URLs were written to feeds.toml, and from then on
    `feeds list`, `crawl` and `run` exited 1."""
    config = tmp_path / "unionwatch.toml"
    config.write_text('feeds = "feeds.toml"\ndata_dir = "data"\n', encoding="utf-8")
    opml = tmp_path / "hostile.opml"
    outlines = ['<outline text="Local" xmlUrl="file:///etc/passwd"/>', '<outline text="JS" xmlUrl="javascript:alert(1)"/>',
                '<outline text="Gopher" xmlUrl="gopher://x/"/>', '<outline text="Empty" xmlUrl=""/>',
                '<outline text="Belsat" xmlUrl="https://belsat.eu/feed"/>']  # fmt: skip
    opml.write_text(f'<opml version="2.0"><body>{"".join(outlines)}</body></opml>', encoding="utf-8")
    imported = run(config, "feeds", "import", str(opml))
    assert imported.returncode == 0
    assert "imported 1 of 5 outlines" in imported.stdout and "4 skipped (not http or https)" in imported.stdout
    assert "skipped Local: URL 'file:///etc/passwd' is not http(s)" in imported.stderr
    listed = run(config, "feeds", "list")
    assert listed.returncode == 0 and "Belsat" in listed.stdout


def test_opml_import_of_many_same_names_and_deep_nesting_is_quick(tmp_path: Path) -> None:
    """Issue 16, 3: 10,000 outlines of one name took cubic time; 5,000 levels of nesting raised RecursionError."""
    from pipeline.ingest.feedlist import parse_opml

    same = "".join(f'<outline text="News" xmlUrl="https://x.by/{n}"/>' for n in range(10_000))
    started = time.perf_counter()
    sources = parse_opml(f"<opml><body>{same}</body></opml>".encode(), origin="same.opml")
    assert len({s.name for s in sources}) == 10_000 and sources[2].name == "News (3)"
    assert time.perf_counter() - started < 10, "quadratic or worse"
    deep = '<outline text="d">' * 5000 + '<outline text="Deep" xmlUrl="https://x.by/deep"/>' + "</outline>" * 5000
    [found] = parse_opml(f"<opml><body>{deep}</body></opml>".encode(), origin="deep.opml")
    assert found.name == "Deep" and len(found.tags) == 5000


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


ONE_LINE = [
    # (case, arguments, exit code, what the one line says)  (issue 16, 7: each was a traceback)
    ("a week past the calendar", ["digest", "--week", "9999-W52"], 2, "out of range: years 1970 to 9998"),
    ("a week before it", ["digest", "--week", "0001-W01"], 2, "out of range: years 1970 to 9998"),
    ("an item id no database holds", ["items", "show", "99999999999999999999"], 2, "is not in the range"),
    ("a horizon before any item", ["db", "prune", "--keep", "3000y"], 2, "at most 200y"),
    ("eval on a file that is not UTF-8", ["eval", "{bad}"], 1, "not UTF-8 (byte 0"),
    ("eval on an empty file", ["eval", "{empty}"], 1, "no labelled items"),
]  # fmt: skip


@pytest.mark.parametrize("case,args,code,says", ONE_LINE, ids=[c[0] for c in ONE_LINE])
def test_bad_input_is_one_line_not_a_traceback(
    tmp_path: Path, case: str, args: list[str], code: int, says: str
) -> None:
    from tests.support.commands import unionwatch, write_config

    config = write_config(tmp_path)
    (tmp_path / "bad.jsonl").write_bytes(b"\xff\xfe\x00bad")
    (tmp_path / "empty.jsonl").write_bytes(b"")
    done = unionwatch(config, *(a.format(bad=tmp_path / "bad.jsonl", empty=tmp_path / "empty.jsonl") for a in args))
    errors = [line for line in done.stderr.splitlines() if line.startswith(("Error:", "unionwatch:"))]
    assert done.returncode == code and len(errors) == 1 and says in errors[0], done.stderr
    assert "Traceback" not in done.stderr


def test_a_read_only_database_is_one_line_and_the_store_stays(tmp_path: Path) -> None:
    from tests.support.commands import unionwatch, write_config

    config = write_config(tmp_path)
    assert unionwatch(config, "crawl").returncode == 0
    db = tmp_path / "data" / "unionwatch.db"
    read_only = {"UNIONWATCH_DATABASE_URL": f"sqlite:///file:{db}?mode=ro&uri=true"}
    done = unionwatch(config, "crawl", cwd=tmp_path, **read_only)
    assert not (tmp_path / "file:").exists(), "the lock went to a folder named after the URI"
    assert done.returncode == 1 and "store: the database is read-only" in done.stderr
    assert "Traceback" not in done.stderr
    assert unionwatch(config, "status").returncode in (0, 1), "the store opens again"


def test_a_full_disk_is_one_line_and_the_store_recovers(server: LocalServer, tmp_path: Path) -> None:
    """Issue 16, 7: a full disk gave a 100-line traceback. A small tmpfs is the full disk."""
    from tests.support.commands import unionwatch, write_config

    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here to fill: {mounted.stderr.decode().strip()}")
    try:
        body = corpus_path("feeds", "tut.by_newscloning", "news.tut.by_all.rss").read_bytes()
        config = write_config(tmp_path, [("TUT.BY", server.add("/tut.rss", Route(body=body)))],
                              database_url=f'"sqlite:///{disk / "uw.db"}"')  # fmt: skip
        assert unionwatch(config, "status").returncode in (0, 1)  # the store made, then the disk nearly filled
        used = sum(f.stat().st_size for f in disk.iterdir())
        subprocess.run(["mount", "-o", f"remount,size={used // 1024 + 96}k", str(disk)], check=True)
        full = unionwatch(config, "crawl")
        said = full.stdout + full.stderr
        assert "Traceback" not in said and "disk is full" in said, said
        assert full.returncode == 1 or "1 failed" in full.stdout, "the feed whose items did not fit is failing"
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        again = unionwatch(config, "crawl", "--force")
        assert again.returncode == 0, again.stderr
        assert "100 items new" in again.stdout
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
