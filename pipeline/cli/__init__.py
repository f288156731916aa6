"""The `unionwatch` command: parses options, opens what a command needs, and turns errors into exit codes.

Library errors (UnionWatchError) become one clean line on stderr and exit status 1; usage errors exit 2; a
run that finds another one holding the lock exits 75 (EX_TEMPFAIL: try later) with a line saying so.
"""

from __future__ import annotations

import importlib
import sys

import click

from pipeline import __version__
from pipeline.cli.common import AppContext
from pipeline.errors import LockedError, UnionWatchError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    envvar="UNIONWATCH_CONFIG",
    help="Config file (default: ./config/unionwatch.toml when present). Env: UNIONWATCH_CONFIG.",
)
@click.version_option(__version__, prog_name="unionwatch")
@click.pass_context
def cli(ctx: click.Context, config_file: str | None) -> None:
    """UnionWatch: weekly monitoring of news on Belarus–Russia integration."""
    ctx.obj = AppContext(config_file)


COMMAND_MODULES = (
    "archive",
    "baseline",
    "config",
    "crawl",
    "db",
    "digest",
    "doctor",
    "feeds",
    "items",
    "run",
    "schedule",
    "send",
    "status",
    "topics",
)


def _register() -> None:
    """Each pipeline/cli/NAME_cmd.py module contributes `command` (topics also classify and eval)."""
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"pipeline.cli.{name}_cmd")
        cli.add_command(module.command)
        for extra in ("classify_command", "eval_command"):
            if hasattr(module, extra):
                cli.add_command(getattr(module, extra))


_register()


def main() -> None:
    try:
        cli.main(prog_name="unionwatch", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except LockedError as exc:  # not a failure: the other run is doing the work (EX_TEMPFAIL)
        click.echo(f"unionwatch: {exc}", err=True)
        sys.exit(75)
    except UnionWatchError as exc:
        click.echo(f"unionwatch: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("unionwatch: interrupted", err=True)
        sys.exit(130)
