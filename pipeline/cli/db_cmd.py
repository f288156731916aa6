from __future__ import annotations

import re
from datetime import datetime, timedelta

import click

from pipeline.cli.common import AppContext, clock, now_option
from pipeline.text import plural


@click.group("db")
def command() -> None:
    """Database maintenance."""


@command.command("upgrade")
@click.pass_obj
def upgrade(app: AppContext) -> None:
    """Apply pending schema migrations (back up the database first)."""
    from pipeline.store import migrations
    from pipeline.store.db import make_engine

    engine = make_engine(app.settings.db_url)
    applied = migrations.upgrade(engine)
    click.echo(f"db: applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ", up to date"))


@command.command("status")
@click.pass_obj
def status(app: AppContext) -> None:
    """List applied and pending migrations."""
    from pipeline.store import migrations
    from pipeline.store.db import make_engine

    engine = make_engine(app.settings.db_url)
    pending = migrations.pending(engine)
    for name, _ in migrations.MIGRATIONS:
        click.echo(f"{'pending' if name in pending else 'applied'}  {name}")


_UNITS = {"d": 1, "w": 7, "m": 30, "y": 365}


def parse_horizon(ctx: click.Context, param: click.Parameter, value: str) -> timedelta:
    match = re.fullmatch(r"\s*(\d+)\s*([dwmy])\s*", value.lower())
    if not match or int(match[1]) == 0:
        raise click.BadParameter(f"{value!r}: use a number and d, w, m or y, e.g. 2y or 90d")
    days = int(match[1]) * _UNITS[match[2]]
    if days > 200 * 366:  # older than any feed: and a date that far back does not exist
        raise click.BadParameter(f"{value!r} reaches back before any item could exist; at most 200y")
    return timedelta(days=days)


@command.command("prune")
@click.option(
    "--keep", required=True, callback=parse_horizon, metavar="AGE", help="Keep bodies younger than this: 2y, 18m, 90d."
)
@click.option("--dry-run", is_flag=True, help="Count what would be pruned; change nothing.")
@now_option
@click.pass_obj
def prune(app: AppContext, keep: timedelta, dry_run: bool, now: datetime | None) -> None:
    """Empty the article texts of items older than AGE; titles, dates, topics and digests stay."""
    from sqlmodel import Session

    from pipeline.store import retention

    before = clock(now) - keep
    with app.lock("db prune"), Session(app.engine) as session:
        if dry_run:
            count = len(retention.prunable(session, before))
            click.echo(f"db prune: would empty the bodies of {plural(count, 'item')} older than {before:%Y-%m-%d}")
            return
        items, versions = retention.prune(session, before)
        session.commit()
    click.echo(
        f"db prune: emptied the bodies of {plural(items, 'item')} and {plural(versions, 'version')} "
        f"older than {before:%Y-%m-%d}"
    )
