"""The digest rendered for people: HTML for mail clients and browsers, plain text for terminals.

Templates see the digest as the same plain data its JSON holds, so a user's template (settings:
templates_dir, looked up first) can render an archived digest as well as a fresh one, and can extend a
built-in template as "builtin/digest.html". Autoescape is on for HTML; the feed text in the digest was
sanitised when it was built. css-inline then copies the stylesheet into style attributes, because most mail
clients ignore <style>, and keeps the @media rule for phones.
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import css_inline
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context

from pipeline.digest.build import Digest, format_number, problem_detail
from pipeline.domain import is_silent

WIDTH = 78


@lru_cache(maxsize=8)
def environment(templates_dir: Path | None = None) -> Environment:
    builtin = PackageLoader("pipeline.digest", "templates")
    loaders = [FileSystemLoader(str(templates_dir))] if templates_dir else []
    env = Environment(
        loader=ChoiceLoader([*loaders, builtin, PrefixLoader({"builtin": builtin})]),
        autoescape=select_autoescape(enabled_extensions=("html",), disabled_extensions=("txt",), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    env.filters.update(num=format_number, wrap=wrap, day=day, topic_name=topic_name, problem_detail=problem_detail)
    env.tests["silent"] = is_silent  # a feed that answered with no items: listed, not counted as down
    return env


def render_html(
    digest: Digest, charts: dict[str, str] | None = None, templates_dir: Path | None = None, *, archive: bool = False
) -> str:
    """`charts` maps a topic to its image's address: a relative file name on disk, a cid: in mail. `archive`:
    the copy filed in the archive, whose topics and indicators link to their archive pages (a mail's cannot)."""
    page = (
        environment(templates_dir).get_template("digest.html").render({**_context(digest, charts), "archive": archive})
    )
    return str(css_inline.inline(page, keep_at_rules=True))


def render_text(digest: Digest, templates_dir: Path | None = None) -> str:
    text = environment(templates_dir).get_template("digest.txt").render(_context(digest, {}))
    lines = [line.rstrip() for line in text.splitlines()]
    squeezed: list[str] = []
    for line in lines:  # templates stay readable; the output keeps at most one blank line in a row
        if line or (squeezed and squeezed[-1]):
            squeezed.append(line)
    return "\n".join(squeezed).strip() + "\n"


def _context(digest: Digest, charts: dict[str, str] | None) -> dict[str, Any]:
    data = digest.to_dict()
    return {
        "d": data,
        "trends": {t["topic"]: t for t in data["trends"]},
        "charts": charts or {},
        "names": {t["topic"]: t["name"] for t in data["trends"]},
    }


def wrap(text: str, indent: str = "", first: str = "", width: int = WIDTH) -> str:
    return textwrap.fill(str(text), width=width, initial_indent=first, subsequent_indent=indent, break_long_words=False)


@pass_context
def day(context: Context, iso: str | None) -> str:
    """'2026-11-18T09:30:00Z' → '18 Nov 2026', in the digest's time zone."""
    if not iso:
        return ""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    zone = ZoneInfo(context["d"]["timezone"])
    return f"{moment.astimezone(zone):%-d %b %Y}"


@pass_context
def topic_name(context: Context, topic: str) -> str:
    return str(context["names"].get(topic, topic))
