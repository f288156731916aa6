"""The weekly digest end to end: real items crawled from a local server at two explicit times, an article
edited in between, the digest built and rendered; golden files; feed markup opened in headless Chromium."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.jobs.classifying import load_classifier
from pipeline.jobs.crawl import CrawlOptions, crawl
from pipeline.settings import Settings
from pipeline.store.db import open_store
from tests.support.browser import CHROMIUM, SCREENSHOTS, chromium_args, screenshot
from tests.support.commands import unionwatch
from tests.support.httpserver import LocalServer, Route
from tests.support.paths import corpus_path

GOLDEN = Path(__file__).parent / "golden"

# Two ISO weeks in Minsk: 2026-W46 is 9–15 Nov, 2026-W47 is 16–22 Nov.
FIRST_CRAWL = datetime(2026, 11, 15, 17, 0, tzinfo=UTC)  # Sunday 20:00 in Minsk, end of W46
SECOND_CRAWL = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # Tuesday of W47
W46_DAYS = [datetime(2026, 11, 9 + d, 7, 30, tzinfo=UTC) for d in range(6)]  # Mon–Sat
W47_DAYS = [datetime(2026, 11, 16, 6, 0, tzinfo=UTC), datetime(2026, 11, 16, 12, 0, tzinfo=UTC)]
EDITED_ID = "7f31757dbfee"  # "Belarus may abandon Russian oil" (dev set, energy prices)
ADDED = "Belarus will pay $135 per 1,000 cubic meters of Russian gas in 2027, the energy ministry in Minsk said."


def dev_items() -> list[dict[str, Any]]:
    path = corpus_path("..", "eval", "dev.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pick(settings: Settings, count: int) -> list[dict[str, Any]]:
    """In-scope items with a topic, as the classifier judges them, the edited one excluded: deterministic."""
    classifier = load_classifier(settings)
    chosen = []
    for item in sorted(dev_items(), key=lambda i: i["id"]):
        if item["id"] == EDITED_ID or len(item["text"]) < 300:
            continue
        verdict = classifier.classify(item["title"], item["text"])
        if verdict.relevant and verdict.topics:
            chosen.append(item)
        if len(chosen) == count:
            return chosen
    raise AssertionError("the dev set has too few in-scope items")


def page(title: str, text: str) -> bytes:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in re.split(r"(?<=[.!?])\s+", text) if p)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body><header><nav><a href='/'>Home</a></nav></header><article><h1>{html.escape(title)}</h1>"
        f"{paragraphs}</article><footer>© Test</footer></body></html>"
    ).encode()


def rss(entries: list[tuple[str, str, datetime, str]]) -> bytes:
    body = "".join(
        f"<item><title>{html.escape(t)}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{html.escape(summary)}</description><pubDate>{format_datetime(when)}</pubDate></item>"
        for t, link, when, summary in entries
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>{body}</channel></rss>'.encode()


@pytest.fixture
def two_weeks(server: LocalServer, make_settings, tmp_path: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Crawls W46's items at the end of W46, then W47's (and an edit of a W46 article) on Tuesday of W47."""
    settings = make_settings(
        [("Wire", server.url("/wire.rss")), ("Daily", server.url("/daily.rss"))],
        extract={"enabled": True, "workers": 1},
    )
    items = pick(settings, 10)
    edited = next(i for i in dev_items() if i["id"] == EDITED_ID)
    w46, w47 = items[:6], items[6:]

    def add(item: dict[str, Any], text: str | None = None, path: str | None = None) -> str:
        path = path or f"/news/{item['id']}.html"
        return server.add(path, Route(body=page(item["title"], text or item["text"]), content_type="text/html"))

    wire = [(i["title"], add(i), when, i["text"][:200]) for i, when in zip(w46, W46_DAYS, strict=True)]
    edited_published = datetime(2026, 11, 15, 9, 0, tzinfo=UTC)
    wire.append((edited["title"], add(edited), edited_published, edited["text"][:200]))
    server.add("/wire.rss", body=rss(wire))
    server.add("/daily.rss", body=rss([]))
    first = crawl(settings, open_store(settings.db_url), CrawlOptions(now=FIRST_CRAWL))
    assert first.items_new == 7

    # W47: four new stories; the first is carried by both feeds, the second is republished under another URL
    server.routes[f"/news/{edited['id']}.html"].body = page(edited["title"], edited["text"] + " " + ADDED)
    new = [(i["title"], add(i), W47_DAYS[n % 2], i["text"][:200]) for n, i in enumerate(w47)]
    later = W47_DAYS[1] + timedelta(hours=2)
    copy = (w47[1]["title"] + " (update)", add(w47[1], path="/copy/1.html"), later, w47[1]["text"][:200])
    server.add("/wire.rss", body=rss(wire + new))
    server.add("/daily.rss", Route(body=rss([new[0], copy]), delay=0.5))  # Wire is stored first: a stable golden
    second = crawl(settings, open_store(settings.db_url), CrawlOptions(now=SECOND_CRAWL))
    assert second.items_new == 5
    assert "1 edited" in second.articles
    return {"settings": settings, "w46": w46, "w47": w47, "edited": edited, "config": settings.config_file}


def digest_for(two_weeks: dict[str, Any], week: str, out: Path) -> dict[str, Any]:
    done = unionwatch(
        two_weeks["config"], "digest", "--week", week, "--out", str(out), "--now", SECOND_CRAWL.isoformat()
    )
    assert done.returncode == 0, done.stderr
    paths = done.stdout.split()
    assert paths == [str(out / f"{week}.{ext}") for ext in ("html", "txt", "json")]
    return dict(json.loads((out / f"{week}.json").read_text(encoding="utf-8")))


def test_digest_of_two_crawled_weeks_shows_counts_new_stories_the_edit_and_a_new_figure(
    two_weeks: dict[str, Any], tmp_path: Path
) -> None:
    w46 = digest_for(two_weeks, "2026-W46", tmp_path / "out")
    w47 = digest_for(two_weeks, "2026-W47", tmp_path / "out")

    assert w46["totals"]["in_scope"] == 7 and w46["totals"]["new_stories"] == 7
    # five items, three new stories: one in two copies, and one item that continues last week's story (the
    # Council of Ministers meeting on the 28 union programmes, announced on Saturday, reported on Monday)
    assert w47["totals"]["in_scope"] == 5
    assert w47["totals"]["new_stories"] == 3
    fresh = [s for s in w47["stories"] if s["new"]]
    reported = {t for s in fresh for t in (s["title"], *(c["title"] for c in s["copies"]))}
    assert two_weeks["w47"][2]["title"] not in reported
    assert two_weeks["w47"][2]["title"].startswith("Mishustin") and two_weeks["w46"][5]["title"].startswith(
        "Mishustin, Golovchenko to chair"
    )
    titles = [s["title"] for s in fresh]
    assert set(titles) <= {i["title"] for i in two_weeks["w47"]}
    carried = {s["title"]: [link["source"] for link in s["also_reported_by"]] for s in fresh}
    assert carried[two_weeks["w47"][0]["title"]] == ["Daily"]  # the same link in both feeds
    assert carried[two_weeks["w47"][1]["title"]] == ["Daily"]  # a republished copy: one story, two sources
    assert set(titles[:2]) == {two_weeks["w47"][0]["title"], two_weeks["w47"][1]["title"]}  # most sources first

    for section in w47["sections"]:  # the sections count what the trends count
        trend = next(t for t in w47["trends"] if t["topic"] == section["topic"])
        assert trend["series"][-1] == section["count"]
        assert trend["weeks"][-2:] == ["2026-W46", "2026-W47"]
        w46_section = next(s for s in w46["sections"] if s["topic"] == section["topic"])
        assert trend["series"][-2] == w46_section["count"] == section["last_week"]

    # the lead says what happened: one sentence per leading story, the widest-carried first, quoted with its source
    assert 3 <= len(w47["lead"]) <= 5
    assert w47["lead"][0]["story"] == w47["stories"][0]["id"] and "2 outlets" in w47["lead"][0]["reasons"]
    assert w47["lead"][0]["sentence"].startswith("The economic unification of Russia and Belarus")
    [continuing] = w47["continuing"]  # announced on Saturday of W46, reported on Monday of W47
    assert continuing["title"].startswith("Mishustin") and "1 report this week" in continuing["note"]
    # each story once: in full in the story list, by headline with a link to it in its topics' sections
    html = (tmp_path / "out" / "2026-W47.html").read_text(encoding="utf-8")
    for story in w47["stories"]:
        assert html.count(f'id="story-{story["id"]}"') == 1
    listed = [ref for section in w47["sections"] for ref in section["stories"]]
    assert listed and all(ref["shown"] and f'href="#story-{ref["id"]}"' in html for ref in listed)
    assert html.count(w47["stories"][0]["extract"][0]) == 1  # its extract is not repeated in each section
    # the archive's copy links each topic and baseline indicator to its archive page
    assert 'href="../topics/union-programmes.html"' in html and 'href="../indicators/gas-price.html"' in html

    assert w46["edited"] == [] and len(w47["edited"]) == 1
    edit = w47["edited"][0]
    assert edit["story"]["title"] == two_weeks["edited"]["title"]
    assert edit["added"] == [ADDED] and edit["removed"] == []

    assert not [f for f in w46["figures"] if f["indicator"] == "gas-price"]  # the edit came in W47
    [figure] = [f for f in w47["figures"] if f["indicator"] == "gas-price"]
    assert (figure["indicator"], figure["value"], figure["baseline_value"], figure["period"]) == (
        "gas-price",
        135.0,
        127.0,
        "2027",
    )
    assert figure["sentence"] == ADDED and figure["url"].endswith(f"/news/{EDITED_ID}.html")
    assert any(h["kind"] == "figure" and "135" in h["text"] for h in w47["headlines"])
    assert w47["headlines"][0]["kind"] == "figure"  # figures lead

    text = (tmp_path / "out" / "2026-W47.txt").read_text(encoding="utf-8")
    assert "FIGURES REPORTED THIS WEEK" in text and "EDITED AFTER PUBLICATION" in text
    assert max(len(line) for line in text.splitlines() if "://" not in line) <= 78
    for trend in w47["trends"]:  # the numbers behind each chart are in the text version too
        assert " ".join(map(str, trend["series"])) in text
        assert (tmp_path / "out" / trend["chart"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    check_golden(tmp_path / "out" / "2026-W47.html", "2026-W47.html")
    check_golden(tmp_path / "out" / "2026-W47.txt", "2026-W47.txt")
    if CHROMIUM:  # for a person to look at: the mail-width and the phone-width rendering
        for name, width in (("600", 600), ("phone", 390)):
            screenshot(tmp_path / "out" / "2026-W47.html", SCREENSHOTS / f"digest-2026-W47-{name}.png", width, tmp_path)


def normalise(text: str) -> str:
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"generated \d+ \w+ \d{4}", "generated DATE", text)
    return re.sub(r'"(?:generated_at)": "[^"]+"', '"generated_at": "DATE"', text)


def check_golden(path: Path, name: str) -> None:
    """Compare with tests/digest/golden/NAME; UPDATE_GOLDEN=1 rewrites it (then review the diff)."""
    actual = normalise(path.read_text(encoding="utf-8"))
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1" or not golden.exists():
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        if os.environ.get("UPDATE_GOLDEN") != "1":
            pytest.fail(f"{golden} was missing and has been written; review it and run again")
    assert actual == golden.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def test_an_empty_week_says_so_and_why(two_weeks: dict[str, Any], tmp_path: Path) -> None:
    done = unionwatch(
        two_weeks["config"], "digest", "--week", "2026-W40", "--out", str(tmp_path), "--now", SECOND_CRAWL.isoformat()
    )
    assert done.returncode == 0, done.stderr
    assert "Nothing was found for 2026-W40" in done.stderr and "no crawl finished" in done.stderr
    text = (tmp_path / "2026-W40.txt").read_text(encoding="utf-8")
    assert "Nothing was found for 2026-W40" in text
    # where the baseline stands, even in an empty week: every indicator, none reported yet by then
    panel = " ".join(text.split("WHERE THE BASELINE STANDS", 1)[1].split("QUIET THIS WEEK", 1)[0].split())
    assert panel.count("no value reported since") == 5 and "Gas price paid by Belarus: baseline 127" in panel


def test_a_digest_of_a_week_before_a_baseline_was_set_does_not_stand_against_it(
    two_weeks: dict[str, Any], tmp_path: Path
) -> None:
    """A replay of December 2019 shows the gas price and crude volume of that month, not the share of the 28
    programmes (signed in 2021) implemented by January 2023."""
    old = digest_for(two_weeks, "2019-W52", tmp_path)
    assert [b["id"] for b in old["baseline"]] == ["gas-price", "duty-free-crude"]
    text = (tmp_path / "2019-W52.txt").read_text(encoding="utf-8")
    assert "Gas price paid by Belarus: baseline 127" in text and "union programmes implemented" not in text


def test_figures_are_stored_when_classified_and_outlive_the_article_text(
    two_weeks: dict[str, Any], tmp_path: Path
) -> None:
    """The baseline panel reads figures stored with the items: emptying old article bodies loses none."""
    pruned = unionwatch(two_weeks["config"], "db", "prune", "--keep", "1d", "--now", "2027-01-01T00:00:00+00:00")
    assert pruned.returncode == 0, pruned.stderr
    assert "emptied the bodies of 12 items" in pruned.stdout
    w48 = digest_for(two_weeks, "2026-W48", tmp_path / "out")
    panel = {b["id"]: b for b in w48["baseline"]}
    gas = panel["gas-price"]
    assert (gas["latest_value"], gas["baseline_value"], gas["change"], gas["this_week"]) == (135.0, 127.0, 8.0, False)
    assert gas["latest_sentence"] == ADDED and gas["latest_url"].endswith(f"/news/{EDITED_ID}.html")
    assert panel["programmes-implemented"]["latest_value"] == 90.0
    assert panel["duty-free-crude"]["latest_value"] is None


def test_default_week_is_the_last_complete_one_and_a_bad_week_is_refused(
    two_weeks: dict[str, Any], tmp_path: Path
) -> None:
    done = unionwatch(two_weeks["config"], "digest", "--out", str(tmp_path), "--now", SECOND_CRAWL.isoformat())
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0].endswith("2026-W46.html")
    bad = unionwatch(two_weeks["config"], "digest", "--week", "2026-W54")
    assert bad.returncode == 2 and "2026 has no week 54" in bad.stderr


# --- feed markup in headless Chromium -------------------------------------------------------------------


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt install chromium)")
def test_markup_from_a_feed_runs_nothing_in_a_browser(server: LocalServer, tmp_path: Path) -> None:
    from pipeline.digest.build import build_digest
    from pipeline.jobs.digest import write_digest
    from tests.support.digest_data import hostile_week

    beacon = server.url("/beacon")
    facts = hostile_week(beacon)
    digest = build_digest(facts, charts={t: f"charts/{facts.week}-{t}.png" for t, _ in facts.topics})
    files = write_digest(digest, tmp_path)
    page = files.html.read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "onerror" not in page.lower()
    assert "javascript:" not in page.lower()

    dom = subprocess.run(
        [*chromium_args(tmp_path / "profile"), "--dump-dom", files.html.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    screenshot(files.html, SCREENSHOTS / "digest-hostile.png", 600, tmp_path)
    assert "UnionWatch weekly digest" in dom, "the page did not load in Chromium"
    assert "pwned" not in dom.lower(), "a script from the feed changed the page"
    assert not [r for r in server.requests if r.path.startswith("/beacon")], "the page reached out to the network"
    assert "<script" not in dom and "onerror=" not in dom  # markup from the feed is at most visible text


def test_a_users_template_folder_overrides_and_can_extend_the_builtin(tmp_path: Path) -> None:
    from pipeline.digest.build import build_digest
    from pipeline.digest.render import environment, render_html, render_text
    from tests.support.digest_data import hostile_week

    digest = build_digest(hostile_week("http://127.0.0.1:9/beacon"))
    mine = tmp_path / "templates"
    mine.mkdir()
    (mine / "digest.html").write_text(
        '{% extends "builtin/digest.html" %}{% block footer %}<p>Our desk, {{ d.week }}</p>{% endblock %}',
        encoding="utf-8",
    )
    (mine / "digest.txt").write_text("Desk copy {{ d.week }}: {{ d.totals.in_scope }} items\n", encoding="utf-8")
    environment.cache_clear()
    page = render_html(digest, templates_dir=mine)
    assert "Our desk, 2026-W47" in page and "What happened" in page  # the rest is the built-in layout
    assert "Feeds failing" not in page
    assert 'style="' in page  # the CSS was inlined for mail clients
    assert render_text(digest, templates_dir=mine) == "Desk copy 2026-W47: 5 items\n"


def test_a_week_of_many_edits_shows_the_largest_and_says_how_many_there_were() -> None:
    from dataclasses import replace

    from pipeline.digest.build import build_digest
    from pipeline.digest.changes import Edit, summarise_edit
    from pipeline.digest.render import render_text
    from pipeline.digest.weeks import Week
    from tests.support.digest_data import simple_week

    facts = simple_week(Week(2026, 47), [("bases", "Air defence units rotate")])
    edit = summarise_edit(Edit(facts.items[0], facts.week_start, "Units rotate.", "Units rotate. Two more arrive."))
    digest = build_digest(replace(facts, edits=[edit], edits_total=25))
    assert digest.totals["edited"] == 25 and len(digest.edited) == 1
    assert "25 articles edited after publication" in [h.text for h in digest.headlines]
    assert "The 1 largest of 25 edits this week." in render_text(digest)
