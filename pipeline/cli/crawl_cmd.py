from __future__ import annotations

import sys

import click
from click._termui_impl import ProgressBar

from pipeline.cli.common import AppContext
from pipeline.jobs.crawl import FeedOutcome, crawl


@click.command("crawl")
@click.option("--force", is_flag=True, help="Fetch every enabled feed, even those backing off after failures.")
@click.pass_obj
def command(app: AppContext, force: bool) -> None:
    """Fetch the configured feeds and store their new items.

    Exits 0 when the run completed, even if some feeds failed (see `unionwatch feeds list`).
    """
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
        summary = crawl(settings, engine, force=force, progress=progress, on_start=on_start)
    finally:
        if bar:
            bar[0].__exit__(None, None, None)
    click.echo(summary.line())
