from __future__ import annotations

from datetime import datetime

import click

from pipeline.cli.common import AppContext, clock, now_option, week_option
from pipeline.digest.weeks import Week


@click.command("send")
@week_option("ISO week to send (default: the last complete one).")
@click.option("--dry-run", is_flag=True, help="Build the message and say what would be sent; send and record nothing.")
@click.option("--force", is_flag=True, help="Send again to recipients who already have this week's digest.")
@now_option
@click.pass_obj
def command(app: AppContext, week: Week | None, dry_run: bool, force: bool, now: datetime | None) -> None:
    """Mail a week's digest to the configured recipients (mail_to), once each.

    Builds and files the digest first if it has not been. A recipient who already has it gets nothing unless
    --force; a temporary failure stays pending (retried now by `send`, later by `run`); a permanent one is
    recorded with the server's reply and shown by `unionwatch status`. Exits 1 if any delivery failed.
    """
    from pipeline.jobs.deliver import due_week, send

    settings = app.settings
    moment = clock(now)
    week = week or due_week(settings, moment)
    if not settings.mail_to:
        click.echo("unionwatch: no recipients configured (mail_to / UNIONWATCH_MAIL_TO); nothing to send", err=True)
    with app.lock("send"):
        summary = send(settings, app.engine, week, moment, force=force, dry_run=dry_run)
    for problem in summary.problems:
        click.echo(problem, err=True)
    click.echo(summary.line())
    if summary.failed:
        raise SystemExit(1)
