from __future__ import annotations

import click

from pipeline.cli.common import AppContext, print_json


@click.group("config")
def command() -> None:
    """Inspect the effective settings."""


@command.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of TOML-like lines.")
@click.pass_obj
def show(app: AppContext, as_json: bool) -> None:
    """Print the effective settings (file, environment and defaults merged), secrets masked."""
    data = app.settings.masked()
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        if isinstance(value, dict):
            for sub, subvalue in value.items():
                click.echo(f"{key}.{sub} = {subvalue!r}")
        else:
            click.echo(f"{key} = {value!r}")
