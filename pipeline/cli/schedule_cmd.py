from __future__ import annotations

import click

from pipeline.cli.common import AppContext


@click.command("schedule")
@click.pass_obj
def command(app: AppContext) -> None:
    """Run as a long-lived scheduler: crawl on `schedule_crawl`, build and send the digest on `schedule_digest`.

    Both are crontab expressions in the configured time zone (defaults: every three hours, and Monday 07:00).
    Runs missed while it was down run once at start; SIGTERM finishes the current step and exits 0.
    """
    from pipeline.jobs.scheduler import serve

    serve(app.settings, app.engine)
