from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from pipeline.cli.common import AppContext
from pipeline.jobs.digest import default_week, digest_dir, make_digest, write_digest
from pipeline.weeks import Week


def parse_week(ctx: click.Context, param: click.Parameter, value: str | None) -> Week | None:
    if value is None:
        return None
    try:
        return Week.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def parse_now(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


now_option = click.option(
    "--now", callback=parse_now, hidden=True, help="Pretend it is this ISO time (tests and replays)."
)


@click.command("digest")
@click.option("--week", callback=parse_week, metavar="YYYY-Www", help="ISO week (default: the last complete one).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the files (default: the digests folder's year, e.g. digests/2026/).",
)
@now_option
@click.pass_obj
def command(app: AppContext, week: Week | None, out_dir: Path | None, now: datetime | None) -> None:
    """Build a week's digest and write it as WEEK.html, WEEK.txt and WEEK.json; prints the paths.

    Weeks are ISO weeks in the configured time zone; the default is the last complete week.
    """
    settings = app.settings
    now = now or datetime.now(UTC)
    week = week or default_week(settings, now)
    digest = make_digest(settings, app.engine, week, now)
    files = write_digest(digest, out_dir or digest_dir(settings, week), settings.templates_dir)
    for path in files.paths:
        click.echo(str(path))
    if digest.empty_reason:
        click.echo(digest.empty_reason, err=True)
    totals = digest.totals
    click.echo(
        f"digest {digest.week}: {totals['in_scope']} items in scope, {totals['new_stories']} new stories, "
        f"{len(digest.headlines)} headline changes, {totals['edited']} edited, {totals['figures']} figures",
        err=True,
    )
