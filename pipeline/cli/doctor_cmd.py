from __future__ import annotations

import click

from pipeline.cli.common import AppContext, print_json


@click.command("doctor")
@click.option("--no-feeds", is_flag=True, help="Skip fetching each feed.")
@click.option("--no-smtp", is_flag=True, help="Skip connecting to the mail server.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def command(app: AppContext, no_feeds: bool, no_smtp: bool, as_json: bool) -> None:
    """Check the config, the database and its migrations, write access, the SMTP login and every feed.

    Prints a table of what is fine and what is not, with the fix; sends and stores nothing. Exits 1 if any
    check failed.
    """
    from pipeline.jobs.doctor import run_checks

    checks = run_checks(app.settings, feeds=not no_feeds, smtp=not no_smtp)
    if as_json:
        print_json([c.__dict__ for c in checks])
    else:
        width = max(len(c.name) for c in checks)
        for c in checks:
            click.echo(f"{'ok  ' if c.ok else 'FAIL'}  {c.name:<{width}}  {c.detail}")
            if not c.ok and c.fix:
                click.echo(f"      {'':<{width}}  fix: {c.fix}")
        failed = sum(1 for c in checks if not c.ok)
        click.echo(f"doctor: {len(checks) - failed} fine, {failed} failing")
    if any(not c.ok for c in checks):
        raise SystemExit(1)
