from __future__ import annotations

import contextlib
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from pipeline.cli.common import AppContext, now_option

if TYPE_CHECKING:
    from pipeline.jobs.crawl import CrawlSummary


@click.command("crawl")
@click.option("--force", is_flag=True, help="Fetch every enabled feed, even those backing off after failures.")
@now_option
@click.pass_obj
def command(app: AppContext, force: bool, now: datetime | None) -> None:
    """Fetch the configured feeds and store their new items.

    Exits 0 when the run completed, even if some feeds failed (see `unionwatch feeds list`).
    """
    with app.lock("crawl"):
        click.echo(run_crawl(app, force=force, now=now).line())


def run_crawl(app: AppContext, *, force: bool = False, now: datetime | None = None) -> CrawlSummary:
    """The crawl with a progress bar on stderr (drawn only on a terminal)."""
    from pipeline.jobs.crawl import CrawlOptions, FeedOutcome, crawl

    with contextlib.ExitStack() as stack:
        bars: list[Any] = []

        def on_start(total: int) -> None:
            bars.append(
                stack.enter_context(click.progressbar(length=total, label="crawling", file=sys.stderr, show_pos=True))
            )

        def progress(outcome: FeedOutcome) -> None:
            for bar in bars:
                bar.update(1)

        options = CrawlOptions(now=now, force=force, progress=progress, on_start=on_start)
        return crawl(app.settings, app.engine, options)
