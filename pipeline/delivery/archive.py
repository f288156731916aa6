"""The archive's front page and its search index, from the digests themselves (pure: digests in, text out).

The archive is a folder a person can open without a server: YEAR/WEEK.html pages, index.html listing them
newest first with their headline changes and per-topic counts, and a search index the page's script reads.
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib.resources import files
from typing import Any

from pipeline.digest.build import Digest
from pipeline.digest.render import environment
from pipeline.topics.search_terms import index_text

INDEX_CHART = "index-trend.png"


def page_path(week: str, ext: str = "html") -> str:
    """Where a week's file lives, relative to the archive folder: '2026/2026-W47.html'."""
    return f"{week[:4]}/{week}.{ext}"


def entries(digests: list[Digest]) -> list[dict[str, Any]]:
    """One entry per digest, newest first, as the index page and `archive list` show them."""
    result = []
    for d in sorted(digests, key=lambda d: d.week, reverse=True):
        result.append(
            {
                "week": d.week,
                "period": d.period,
                "url": page_path(d.week),
                "text_url": page_path(d.week, "txt"),
                "json_url": page_path(d.week, "json"),
                "in_scope": d.totals.get("in_scope", 0),
                "counts": [(s.name, s.count) for s in d.sections if s.count],
                "lead": [f"“{x.sentence}” ({x.source})" for x in d.lead[:3]],
                "headlines": [h.text for h in d.headlines],
                "empty_reason": d.empty_reason,
            }
        )
    return result


def series(digests: list[Digest]) -> tuple[list[str], list[int]]:
    """Items in scope per archived week, oldest first: the index page's chart."""
    ordered = sorted(digests, key=lambda d: d.week)
    return [d.week for d in ordered], [d.totals.get("in_scope", 0) for d in ordered]


def render_index(
    digests: list[Digest],
    updated: datetime,
    chart: str | None,
    topic_pages: dict[str, dict[str, Any]],
    indicator_pages: dict[str, dict[str, Any]],
) -> str:
    """The front page, linking the topic and indicator pages the caller built (`topic_pages`, `indicator_pages`)."""
    _, counts = series(digests)
    template = environment().get_template("archive_index.html")
    topics = [(p["name"], topic_path(t), len(p["weeks"])) for t, p in topic_pages.items()]
    indicators = [(p["name"], indicator_path(i), len(p["points"])) for i, p in indicator_pages.items()]
    return template.render(
        entries=entries(digests), updated=f"{updated:%Y-%m-%d %H:%M} UTC", chart=chart, series=counts,
        topics=topics, indicators=indicators,
    )  # fmt: skip


def search_index(digests: list[Digest]) -> dict[str, Any]:
    return {
        "digests": [
            {
                "week": d.week,
                "period": d.period,
                "url": page_path(d.week),
                "text": d.search_text(),
                "tokens": sorted(set(index_text("", d.search_text()).split())),
            }
            for d in sorted(digests, key=lambda d: d.week, reverse=True)
        ]
    }


def search_script(index: dict[str, Any]) -> str:
    """The index as a script, for pages opened from file:// (which may not fetch JSON)."""
    payload = json.dumps(index, ensure_ascii=False).replace("</", "<\\/")
    return f"window.UNIONWATCH_SEARCH = {payload};\n"


def archive_script() -> str:
    return files("pipeline.digest").joinpath("templates", "archive.js").read_text(encoding="utf-8")


def topic_path(topic: str) -> str:
    return f"topics/{topic}.html"


def indicator_path(indicator: str) -> str:
    return f"indicators/{indicator}.html"


def topic_pages(digests: list[Digest]) -> dict[str, dict[str, Any]]:
    """Per topic, its stories week by week, newest first, as the digests listed them: what a topic page shows."""
    pages: dict[str, dict[str, Any]] = {}
    for d in sorted(digests, key=lambda d: d.week, reverse=True):
        for section in d.sections:
            page = pages.setdefault(section.topic, {"topic": section.topic, "name": section.name, "weeks": []})
            if section.count:
                page["weeks"].append(
                    {"week": d.week, "period": d.period, "url": "../" + page_path(d.week), "count": section.count,
                     "stories": [{"title": s.title, "url": s.url, "source": s.source} for s in section.stories],
                     "more": section.more}
                )  # fmt: skip
    return pages


def indicator_pages(digests: list[Digest]) -> dict[str, dict[str, Any]]:
    """Per baseline indicator, every value the archived digests reported (their baseline panels and figures),
    oldest first, one point per report, linked to the first digest that showed it: what an indicator page
    charts and lists."""
    pages: dict[str, dict[str, Any]] = {}
    for d in sorted(digests, key=lambda d: d.week):
        for b in d.baseline:
            page = pages.setdefault(b.id, {"id": b.id, "name": b.name, "unit": b.unit, "baseline": b.baseline_value,
                                           "baseline_date": b.baseline_date, "baseline_source": b.baseline_source,
                                           "points": {}})  # fmt: skip
            if b.latest_value is not None:
                _add_point(page, d.week, b.latest_value, b.latest_period, b.latest_sentence, b.latest_source,
                           b.latest_url, b.latest_published)  # fmt: skip
        for f in d.figures:
            if f.indicator in pages:
                _add_point(pages[f.indicator], d.week, f.value, f.period, f.sentence, f.source, f.url, f.published)
    for page in pages.values():
        page["points"] = sorted(page["points"].values(), key=lambda p: p["published"])
    return pages


def _add_point(
    page: dict[str, Any],
    week: str,
    value: float,
    period: str | None,
    sentence: str,
    source: str,
    url: str,
    published: str,
) -> None:
    """One report of a value: the first digest that showed it keeps it."""
    page["points"].setdefault(
        (published, url, value),
        {"value": value, "period": period, "sentence": sentence, "source": source, "url": url,
         "published": published, "week": week},
    )  # fmt: skip


def render_topic_page(page: dict[str, Any], updated: datetime) -> str:
    return environment().get_template("archive_topic.html").render(page=page, updated=f"{updated:%Y-%m-%d %H:%M} UTC")


def render_indicator_page(page: dict[str, Any], chart: str | None, updated: datetime) -> str:
    return (
        environment()
        .get_template("archive_indicator.html")
        .render(page=page, chart=chart, updated=f"{updated:%Y-%m-%d %H:%M} UTC")
    )
