from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import AppContext, ago, iso, print_json
from pipeline.text import plural

if TYPE_CHECKING:
    from pipeline.domain import FeedSource
    from pipeline.store.models import Feed


@click.group("feeds")
def command() -> None:
    """The configured feeds and their health."""


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per feed.")
@click.pass_obj
def list_feeds(app: AppContext, as_json: bool) -> None:
    """Each feed with its health: last success, last error, consecutive failures, next check."""
    from sqlmodel import Session

    from pipeline.ingest.feedlist import load_sources
    from pipeline.store import feeds as feed_store

    now = datetime.now(UTC)
    sources = load_sources(app.settings.feeds)
    unconfirmed = {s.name for s in sources if s.unconfirmed}
    with Session(app.engine) as session:
        feed_store.sync_sources(session, sources, now)
        feeds = feed_store.all_feeds(session)
    if as_json:
        print_json(
            [
                {
                    "id": f.id,
                    "name": f.name,
                    "url": f.url,
                    "config_url": f.config_url,
                    "lang": f.lang,
                    "tags": [t for t in f.tags.split(",") if t],
                    "enabled": f.enabled,
                    "state": _state(f),
                    "unconfirmed": f.name in unconfirmed,
                    "last_success_at": iso(f.last_success_at),
                    "last_attempt_at": iso(f.last_attempt_at),
                    "last_error": f.last_error,
                    "last_error_at": iso(f.last_error_at),
                    "failing_since": iso(f.failing_since),
                    "consecutive_failures": f.consecutive_failures,
                    "next_check_at": iso(f.next_check_at),
                    "last_warning": f.last_warning,
                }
                for f in feeds
            ]
        )
        return
    click.echo(f"{'id':>3}  {'state':8} {'last success':13} {'fails':>5}  {'next check':11} name")
    for f in feeds:
        state = _state(f)
        next_at = "due" if f.next_check_at is None or f.next_check_at <= now else ago(f.next_check_at, now)
        click.echo(
            f"{f.id:>3}  {state:8} {ago(f.last_success_at, now):13} {f.consecutive_failures:>5}  {next_at:11} {f.name}"
            + (" (unconfirmed URL)" if f.name in unconfirmed else "")
        )
        if f.last_error and f.consecutive_failures:
            click.echo(f"{'':5}last error {ago(f.last_error_at, now)}: {f.last_error}")
        elif state == "silent":
            click.echo(f"{'':5}warning: {f.last_warning}")
    failing = sum(1 for f in feeds if f.enabled and f.consecutive_failures)
    quiet = sum(1 for f in feeds if _state(f) == "silent")
    click.echo(f"{plural(len(feeds), 'feed')}, {failing} failing" + (f", {quiet} silent (no items)" if quiet else ""))


def _state(feed: Feed) -> str:
    from pipeline.store.feeds import silent

    if not feed.enabled:
        return "disabled"
    if feed.consecutive_failures:
        return "failing"
    if silent(feed):
        return "silent"  # answered, with no items: a warning, not a quiet week
    return "ok" if feed.last_success_at else "new"


@command.command("import")
@click.argument("opml_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_opml(app: AppContext, opml_file: Path) -> None:
    """Add the feeds of an OPML file to the feeds file (feeds already listed by URL are skipped)."""
    from pipeline.ingest.feedlist import load_sources, merge, parse_opml

    skipped: list[str] = []
    incoming = parse_opml(opml_file.read_bytes(), origin=str(opml_file), skipped=skipped)
    target = app.settings.feeds
    existing = load_sources(target) if target.exists() else []
    merged, added = merge(existing, incoming)
    if added:
        _write_sources(target, existing, added, merged)
    for reason in skipped:
        click.echo(f"feeds: skipped {reason}", err=True)
    known = len(incoming) - len(added)
    click.echo(
        f"feeds: imported {len(added)} of {len(incoming) + len(skipped)} outlines into {target}"
        + (f"; {known} already listed" if known else "")
        + (f"; {len(skipped)} skipped (not http or https)" if skipped else "")
    )


def _write_sources(target: Path, existing: list[FeedSource], added: list[FeedSource], merged: list[FeedSource]) -> None:
    from pipeline.ingest.feedlist import to_opml, to_toml

    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix.lower() in (".opml", ".xml"):
        text = to_opml(merged)
    else:  # append, so that the user's comments and layout stay
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        text = current.rstrip("\n") + ("\n\n" if current.strip() else "") + to_toml(added)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)


@command.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@click.pass_obj
def export_opml(app: AppContext, output: Path | None) -> None:
    """Print the feeds as OPML 2.0, for any feed reader."""
    from pipeline.ingest.feedlist import load_sources, to_opml

    text = to_opml(load_sources(app.settings.feeds))
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"feeds: wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
