from __future__ import annotations

from datetime import datetime

import click

from pipeline.cli.common import AppContext, clock, now_option
from pipeline.text import plural


@click.command("run")
@click.option("--no-crawl", is_flag=True, help="Skip the crawl: build, file and send only.")
@now_option
@click.pass_obj
def command(app: AppContext, no_crawl: bool, now: datetime | None) -> None:
    """The whole job: crawl and classify, build and file the week's digest when it is due, send what is pending.

    The digest of a week is due from `digest_weekday` at `digest_hour` (default Monday 07:00) in the
    configured time zone after the week ends; each week is built and mailed once, however often `run` runs.
    Exits 0 when the run completed (failed feeds and mail are reported, and retried by the next run).
    """
    with app.lock("run"):
        _run(app, no_crawl, clock(now))


def _run(app: AppContext, no_crawl: bool, moment: datetime) -> None:
    from pipeline.cli.crawl_cmd import run_crawl
    from pipeline.jobs.deliver import due_week, ensure_digest, send, send_pending

    settings = app.settings
    if not no_crawl:
        click.echo(run_crawl(app, now=moment).line())
    week = due_week(settings, moment)
    digest = ensure_digest(settings, app.engine, week, moment)
    click.echo(
        f"digest {digest.week}: filed in {settings.digests_dir} ({plural(digest.totals['in_scope'], 'item')} in scope)"
    )
    summary = send(settings, app.engine, week, moment, respect_backoff=True) if settings.mail_to else None
    retried = send_pending(settings, app.engine, moment)
    for problem in [*(summary.problems if summary else []), *retried.problems]:
        click.echo(problem, err=True)
    if summary is None:
        click.echo("mail: no recipients configured (mail_to); the digest is filed only")
    else:
        click.echo(summary.line())
    if retried.weeks:
        click.echo(retried.line())
