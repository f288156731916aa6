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


def render_index(digests: list[Digest], updated: datetime, chart: str | None) -> str:
    _, counts = series(digests)
    template = environment().get_template("archive_index.html")
    return template.render(
        entries=entries(digests), updated=f"{updated:%Y-%m-%d %H:%M} UTC", chart=chart, series=counts
    )


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
