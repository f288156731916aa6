from __future__ import annotations

import click

from pipeline.cli.common import AppContext
from pipeline.store import migrations
from pipeline.store.db import make_engine


@click.group("db")
def command() -> None:
    """Database maintenance."""


@command.command("upgrade")
@click.pass_obj
def upgrade(app: AppContext) -> None:
    """Apply pending schema migrations (back up the database first)."""
    engine = make_engine(app.settings.db_url)
    applied = migrations.upgrade(engine)
    click.echo(f"db: applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ", up to date"))


@command.command("status")
@click.pass_obj
def status(app: AppContext) -> None:
    """List applied and pending migrations."""
    engine = make_engine(app.settings.db_url)
    pending = migrations.pending(engine)
    for name, _ in migrations.MIGRATIONS:
        click.echo(f"{'pending' if name in pending else 'applied'}  {name}")
