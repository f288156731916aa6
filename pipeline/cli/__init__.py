"""The `unionwatch` command: parses options, opens what a command needs, and turns errors into exit codes.

Every command module is imported here, statically, and each keeps its heavy imports inside the command's
body, so that `unionwatch --help` costs click and little else.

Library errors (UnionWatchError) become one clean line on stderr and exit status 1; usage errors exit 2; a
run that finds another one holding the lock exits 75 (EX_TEMPFAIL: try later) with a line saying so.
"""

from __future__ import annotations

import sys

import click

from pipeline import __version__
from pipeline.cli import (
    archive_cmd,
    baseline_cmd,
    config_cmd,
    crawl_cmd,
    db_cmd,
    digest_cmd,
    doctor_cmd,
    feeds_cmd,
    items_cmd,
    run_cmd,
    schedule_cmd,
    send_cmd,
    status_cmd,
    topics_cmd,
    worker_cmd,
)
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
    app = AppContext(config_file)
    ctx.obj = app
    ctx.call_on_close(app.close)


for _module in (
    archive_cmd,
    baseline_cmd,
    config_cmd,
    crawl_cmd,
    db_cmd,
    digest_cmd,
    doctor_cmd,
    feeds_cmd,
    items_cmd,
    run_cmd,
    schedule_cmd,
    send_cmd,
    status_cmd,
    topics_cmd,
    worker_cmd,
):
    cli.add_command(_module.command)
cli.add_command(topics_cmd.classify_command)
cli.add_command(topics_cmd.eval_command)
cli.add_command(topics_cmd.eval_stories_command)


def main(args: list[str] | None = None) -> None:
    """The command's entry point; `args` defaults to the process's own (tests pass theirs)."""
    try:
        cli.main(args, prog_name="unionwatch", standalone_mode=False)
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
    except Exception as exc:  # the store or the disk refused (read-only, full): one line, the store is intact
        reason = _environment_failure(exc)
        if reason is None:
            raise
        click.echo(f"unionwatch: {reason}; nothing was lost, run again once it is fixed", err=True)
        sys.exit(1)


def _environment_failure(exc: BaseException) -> str | None:
    """What the machine refused, said in a line, for the failures an operator fixes outside UnionWatch."""
    import errno

    from sqlalchemy.exc import OperationalError

    text = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, OperationalError):
        lowered = text.lower()
        if "readonly" in lowered or "read-only" in lowered or "read only" in lowered:
            return f"store: the database is read-only ({text})"
        if "full" in lowered or "no space" in lowered:
            return f"store: the disk is full ({text})"
        return f"store: {text}"
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or text}{where}"
    return None
