from __future__ import annotations

import sys
from datetime import datetime

import click
from click._termui_impl import ProgressBar

from pipeline.cli.common import AppContext, now_option
from pipeline.jobs.crawl import CrawlSummary, FeedOutcome, crawl


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
    settings = app.settings
    engine = app.engine
    bar: list[ProgressBar[int]] = []

    def on_start(total: int) -> None:
        pb: ProgressBar[int] = click.progressbar(
            length=total, label="crawling", file=sys.stderr, show_pos=True, item_show_func=None
        )
        pb.__enter__()
        bar.append(pb)

    def progress(outcome: FeedOutcome) -> None:
        if bar:
            bar[0].update(1)

    try:
        summary = crawl(settings, engine, force=force, progress=progress, on_start=on_start, now=now)
    finally:
        if bar:
            bar[0].__exit__(None, None, None)
    return summary
