from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from pipeline.cli.common import AppContext, now_option, week_option
from pipeline.digest.weeks import Week
from pipeline.text import plural


@click.command("digest")
@week_option("ISO week (default: the last complete one).")
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

    Weeks are ISO weeks in the configured time zone; the default is the last complete week. Without --out the
    digest is filed in the archive (digests/YEAR/, the store, index.html); nothing is mailed (see `send`).
    """
    from pipeline.jobs.archive import publish
    from pipeline.jobs.digest import default_week, make_digest, write_digest

    settings = app.settings
    now = now or datetime.now(UTC)
    week = week or default_week(settings, now)
    digest = make_digest(settings, app.engine, week, now)
    if out_dir is None:  # the archive: files in digests/YEAR/, the record in the store, the index page
        with app.lock("digest"):
            files = publish(settings, app.engine, digest, now)
    else:
        files = write_digest(digest, out_dir, settings.templates_dir)
    for path in files.paths:
        click.echo(str(path))
    if digest.empty_reason:
        click.echo(digest.empty_reason, err=True)
    totals = digest.totals
    click.echo(
        f"digest {digest.week}: {plural(totals['in_scope'], 'item')} in scope, "
        f"{plural(totals['new_stories'], 'new story', 'new stories')}, "
        f"{len(digest.headlines)} headline changes, {totals['edited']} edited, {totals['figures']} figures",
        err=True,
    )
