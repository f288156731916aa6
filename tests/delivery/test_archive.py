"""The archive: a folder a person browses and searches without a server, rebuilt from the store, never torn."""

from __future__ import annotations

import random
import signal
import subprocess
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from pipeline.digest.build import build_digest
from pipeline.digest.weeks import Week
from pipeline.jobs.archive import publish
from pipeline.jobs.indexing import index_items
from pipeline.settings import Settings, load_settings
from pipeline.store.db import open_store
from pipeline.store.models import Feed, Item
from tests.support.browser import CHROMIUM, SCREENSHOTS, Browser
from tests.support.commands import clean_environment, clear_environment, installed_command, unionwatch, write_config
from tests.support.digest_data import simple_week
from tests.support.httpserver import free_port

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
WEEKS = {
    "2026-W45": [("bases", "Zapad drills end near Baranovichi"), ("energy-prices", "Oil transit talks stall")],
    "2026-W46": [("union-programmes", "Council of Ministers reviews the union programmes")],
    "2026-W47": [
        ("energy-prices", "Belarus and Russia agree the 2027 gas price"),
        ("bases", "Air defence units rotate"),
    ],
}


def configure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Settings]:
    clear_environment(monkeypatch)
    config = write_config(tmp_path)
    return config, load_settings(config)


@pytest.fixture
def archived(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Settings]:
    config, settings = configure(tmp_path, monkeypatch)
    engine = open_store(settings.db_url)
    for week, stories in WEEKS.items():
        publish(settings, engine, build_digest(simple_week(Week.parse(week), stories)), NOW)
    with Session(engine) as session:  # one stored item for the CLI's item search
        feed = Feed(name="BelTA", config_url="https://belta.example/rss", url="https://belta.example/rss")
        session.add(feed)
        session.flush()
        assert feed.id is not None
        session.add(Item(key="https://belta.example/1", url="https://belta.example/1", feed_id=feed.id,
                         title="Цена на газ для Беларуси", text="Газовая цена на 2027 год согласована.",
                         first_seen_at=NOW, classified_at=NOW, relevant=True))  # fmt: skip
        session.add(Item(key="https://belta.example/2", url="https://belta.example/2", feed_id=feed.id,
                         title="Oreshnik on combat duty", text="Налоговых льгот для производителей не будет.",
                         first_seen_at=NOW, classified_at=NOW, relevant=True))  # fmt: skip
        session.commit()
    assert index_items(engine, [], NOW) == (2, 0)  # what a crawl does after classifying
    return config, settings


def test_the_archive_folder_lists_every_week_newest_first(archived: tuple[Path, Settings]) -> None:
    _, settings = archived
    root = settings.digests_dir
    for week in WEEKS:
        for ext in ("html", "txt", "json"):
            assert (root / "2026" / f"{week}.{ext}").exists()
    index = (root / "index.html").read_text(encoding="utf-8")
    position = [index.index(f'href="2026/{week}.html"') for week in ("2026-W47", "2026-W46", "2026-W45")]
    assert position == sorted(position)
    assert 'href="2026/2026-W45.html"' in index and "Energy prices and supply 1" in index
    assert (root / "index-trend.png").read_bytes()[:4] == b"\x89PNG"
    assert "Zapad drills" in (root / "search-index.json").read_text(encoding="utf-8")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt install chromium)")
def test_a_reader_finds_a_past_digest_by_typing_in_the_search_box(
    archived: tuple[Path, Settings], tmp_path: Path
) -> None:
    _, settings = archived
    browser = Browser((settings.digests_dir / "index.html").as_uri(), tmp_path / "profile")
    try:
        visible = "[...document.querySelectorAll('.week')].filter(e => !e.hidden).map(e => e.dataset.week).join(' ')"
        browser.type_into("#search", "zapad")
        browser.wait_for("!document.getElementById('matched').hidden")
        assert "1 of 3 digests match “zapad”" in browser.evaluate("document.getElementById('matched').innerText")
        assert browser.evaluate(visible) == "2026-W45"  # the list of weeks itself is filtered
        browser.evaluate("document.getElementById('search').value = ''")
        browser.type_into("#search", "gas prices")  # another form of the word
        assert browser.evaluate(visible) == "2026-W47"
        browser.screenshot(SCREENSHOTS / "archive-index.png")
        browser.evaluate("document.getElementById('search').value = ''")
        browser.type_into("#search", "Energy prices and supply")  # a topic quiet in W46 does not match W46
        assert browser.evaluate(visible) == "2026-W47 2026-W45"
        href = browser.evaluate("document.querySelector('.week:not([hidden]) h2 a').href")
        assert href.endswith("/2026/2026-W47.html")
        browser.navigate(href)
        browser.wait_for("document.title.includes('2026-W47')")
        assert "Belarus and Russia agree the 2027 gas price" in browser.evaluate("document.body.innerText")
    finally:
        browser.close()


def test_the_cli_lists_shows_and_searches_the_archive(archived: tuple[Path, Settings]) -> None:
    config, _ = archived
    listed = unionwatch(config, "archive", "list")
    assert listed.returncode == 0, listed.stderr
    assert [line[:8] for line in listed.stdout.splitlines() if line.startswith("2026")] == [
        "2026-W47",
        "2026-W46",
        "2026-W45",
    ]
    shown = unionwatch(config, "archive", "show", "2026-W46")
    assert "UnionWatch weekly digest: 2026-W46" in shown.stdout and "Council of Ministers" in shown.stdout
    found = unionwatch(config, "archive", "search", "gas price")
    assert found.returncode == 0, found.stderr
    assert "digests (1):" in found.stdout and "2026-W47" in found.stdout
    cyrillic = unionwatch(config, "archive", "search", "газа", "--json")  # газа finds газ and Газовая
    assert '"method": "fts5"' in cyrillic.stdout and "Цена на газ для Беларуси" in cyrillic.stdout
    assert "[Газовая]" in cyrillic.stdout  # the snippet marks the word that matched
    assert "Oreshnik on combat duty" in unionwatch(config, "archive", "search", "Орешник").stdout
    assert "Oreshnik on combat duty" in unionwatch(config, "archive", "search", "налог").stdout  # налоговых
    quiet = unionwatch(config, "archive", "search", "tax code")  # a topic no digest had a story on
    assert "digests (0):" in quiet.stdout
    missing = unionwatch(config, "archive", "show", "2025-W01")
    assert missing.returncode == 1 and "no digest filed for 2025-W01" in missing.stderr


def test_rebuild_brings_back_a_deleted_archive(archived: tuple[Path, Settings]) -> None:
    config, settings = archived
    index = (settings.digests_dir / "index.html").read_text(encoding="utf-8")
    for path in sorted(settings.digests_dir.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    done = unionwatch(config, "archive", "rebuild", "--now", NOW.isoformat())
    assert done.returncode == 0, done.stderr and "3 digests" in done.stdout
    assert (settings.digests_dir / "index.html").read_text(encoding="utf-8") == index
    assert (settings.digests_dir / "2026" / "2026-W45.html").exists()


def test_killing_a_rebuild_leaves_the_previous_index_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config, settings = configure(tmp_path, monkeypatch)
    engine = open_store(settings.db_url)
    week = Week.parse("2025-W48")
    for n in range(40):
        publish(settings, engine, build_digest(simple_week(week, [("bases", f"Story {n} of week {week}")])), NOW)
        week = week.shifted(1)
    index = settings.digests_dir / "index.html"
    command = installed_command("--config", str(config), "archive", "rebuild")
    started = time.monotonic()  # a whole run, start-up included, sets the span the kills fall in
    assert subprocess.run(command, capture_output=True, env=clean_environment()).returncode == 0
    duration = time.monotonic() - started
    rng = random.Random(4)
    for _ in range(6):
        before = index.read_text(encoding="utf-8")
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=clean_environment()
        )
        time.sleep(rng.uniform(0.1, duration))
        process.send_signal(signal.SIGKILL)
        process.wait()
        after = index.read_text(encoding="utf-8")
        assert after.rstrip().endswith("</html>"), "the index was left half-written"
        assert after.count('<div class="week" data-week=') == 40
        assert after == before or "Updated" in after
    assert unionwatch(config, "archive", "rebuild").returncode == 0
    assert not list(settings.digests_dir.rglob("*.tmp")), "temporary files were left behind"


def test_archive_serve_answers_on_localhost(archived: tuple[Path, Settings]) -> None:
    config, _ = archived
    port = free_port()
    process = subprocess.Popen(
        installed_command("--config", str(config), "archive", "serve", "--port", str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=clean_environment(),
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=2) as answer:
                    assert answer.status == 200 and b"UnionWatch digest archive" in answer.read()
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_page_per_topic_and_per_baseline_indicator_opens_from_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace
    from zoneinfo import ZoneInfo

    from pipeline.digest.changes import BaselineState, FigureReport
    from pipeline.digest.figures import Figure, load_indicators
    from pipeline.domain import WeekItem
    from tests.support.paths import ROOT

    _, settings = configure(tmp_path, monkeypatch)
    engine = open_store(settings.db_url)
    gas = next(i for i in load_indicators(ROOT / "baseline" / "facts.toml") if i.id == "gas-price")
    reports = {"2026-W45": (128.5, "Цена газа для Беларуси составит $128,5 за тысячу кубометров."),
               "2026-W47": (131.0, "Belarus will pay $131 per 1,000 cubic meters of Russian gas.")}  # fmt: skip
    for week, stories in WEEKS.items():
        facts = simple_week(Week.parse(week), stories)
        latest = None
        if week in reports:
            value, sentence = reports[week]
            item = WeekItem(99, "Gas", f"https://belta.example/{week}", "BelTA", "ru", facts.week_start, 99)
            latest = FigureReport(Figure("gas-price", value, gas.unit, "2027", sentence), item)
        elif week == "2026-W46":  # nothing new: the panel shows W45's report again
            value, sentence = reports["2026-W45"]
            start = Week.parse("2026-W45").start(ZoneInfo("Europe/Minsk"))
            item = WeekItem(99, "Gas", "https://belta.example/2026-W45", "BelTA", "ru", start, 99)
            latest = FigureReport(Figure("gas-price", value, gas.unit, "2027", sentence), item)
        state = BaselineState(gas, latest, week in reports)
        publish(settings, engine, build_digest(replace(facts, baseline=[state])), NOW)

    root = settings.digests_dir
    index = (root / "index.html").read_text(encoding="utf-8")
    assert 'href="topics/bases.html"' in index and 'href="indicators/gas-price.html"' in index
    assert '<img src="index-trend.png"' in index  # the index keeps its own chart beside the indicators' ones
    bases = (root / "topics" / "bases.html").read_text(encoding="utf-8")
    assert bases.index("2026-W47") < bases.index("2026-W45")  # newest first
    assert "Air defence units rotate" in bases and "Zapad drills end near Baranovichi" in bases
    assert "Council of Ministers" not in bases  # another topic's story
    page = (root / "indicators" / "gas-price.html").read_text(encoding="utf-8")
    assert page.count('class="point"') == 2  # W46's panel repeated W45's value: one report, one point
    assert page.index("131 USD") < page.index("128.5 USD") and "Baseline: <strong>127 USD" in page
    assert (
        "$128,5 за тысячу кубометров" in page and (root / "indicators" / "gas-price.png").read_bytes()[:4] == b"\x89PNG"
    )
    if CHROMIUM:
        for name, path in (("archive-topic", "topics/bases.html"), ("archive-indicator", "indicators/gas-price.html")):
            browser = Browser((root / path).as_uri(), tmp_path / f"profile-{name}")
            try:
                browser.wait_for("document.readyState === 'complete'")
                if name == "archive-indicator":
                    assert browser.evaluate("document.querySelector('.chart img').naturalWidth") > 0
                browser.screenshot(SCREENSHOTS / f"{name}.png")
            finally:
                browser.close()
