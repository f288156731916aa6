from __future__ import annotations

from datetime import datetime, timedelta

import click

from pipeline.cli.common import AppContext, now_option


@click.command("worker")
@click.option("--until-idle", is_flag=True, help="Stop once no due feed is left unclaimed (tests, benchmarks, cron).")
@click.option(
    "--lease",
    type=click.IntRange(10, 86_400),
    default=None,
    help="Seconds a claim on a host lasts before another worker may take it (default: the crawl deadline + 60).",
)
@click.option("--hosts", "hosts_per_claim", type=click.IntRange(1, 10_000), default=50, show_default=True,
              help="Hosts claimed at a time.")  # fmt: skip
@click.option("--poll", type=click.FloatRange(0.1, 3600), default=60.0, show_default=True,
              help="Seconds to wait when nothing is due.")  # fmt: skip
@now_option
@click.pass_obj
def command(
    app: AppContext, until_idle: bool, lease: int | None, hosts_per_claim: int, poll: float, now: datetime | None
) -> None:
    """Crawl alongside other workers, on this host or others, against one PostgreSQL database.

    Each due feed and article page is fetched by one worker: a worker claims the hosts of due feeds and pages
    for a lease, fetches them, and gives them back; a killed worker's hosts are taken over when its lease runs
    out.
    """
    from pipeline.jobs.worker import work

    settings = app.settings
    seconds = lease if lease is not None else int(settings.fetch.crawl_deadline) + 60

    def on_round(result, claimed):  # type: ignore[no-untyped-def]
        click.echo(f"{len(claimed)} hosts: {result.line()}", err=True)

    summary = work(
        settings,
        app.engine,
        until_idle=until_idle,
        lease=timedelta(seconds=seconds),
        hosts_per_claim=hosts_per_claim,
        poll=poll,
        now=now,
        on_round=on_round,
    )
    click.echo(summary.line())
