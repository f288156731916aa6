from __future__ import annotations

import contextlib
import functools
from datetime import datetime

import click

from pipeline.cli.common import AppContext, clock, now_option, print_json
from pipeline.digest.weeks import Week
from pipeline.errors import UnionWatchError


@click.group("archive")
def command() -> None:
    """The archive of past digests: list, show, search, rebuild, serve."""


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per digest.")
@click.pass_obj
def list_command(app: AppContext, as_json: bool) -> None:
    """Every filed digest, newest first, with its headline changes."""
    from pipeline.delivery import archive
    from pipeline.jobs import archive as jobs

    entries = archive.entries(jobs.stored_digests(app.engine))
    if as_json:
        print_json(entries)
        return
    if not entries:
        click.echo("no digests filed yet (unionwatch digest, or unionwatch run)")
    for e in entries:
        counts = ", ".join(f"{name} {n}" for name, n in e["counts"]) or "nothing in scope"
        click.echo(f"{e['week']}  {e['period']:<22} {e['in_scope']:>4} items  {counts}")
        for headline in e["headlines"]:
            click.echo(f"    * {headline}")


@command.command("show")
@click.argument("week")
@click.pass_obj
def show_command(app: AppContext, week: str) -> None:
    """Print a filed digest as text."""
    from pipeline.digest.render import render_text
    from pipeline.jobs import archive as jobs

    try:
        parsed = Week.parse(week)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="WEEK") from None
    digest = jobs.stored_digest(app.engine, str(parsed))
    if digest is None:
        raise UnionWatchError(f"archive: no digest filed for {parsed} (unionwatch digest --week {parsed})")
    click.echo(render_text(digest, app.settings.templates_dir), nl=False)


@command.command("search")
@click.argument("query")
@click.option("--limit", default=20, show_default=True, help="Items to show at most.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def search_command(app: AppContext, query: str, limit: int, as_json: bool) -> None:
    """Past digests and stored items that contain every word of QUERY."""
    from sqlmodel import Session

    from pipeline.store.search import search_digests, search_items

    with Session(app.engine) as session:
        digests = search_digests(session, query)
        items, method = search_items(session, query, limit)
    if as_json:
        print_json(
            {
                "digests": [{"week": w, "snippet": s} for w, s in digests],
                "items": [
                    {"id": i.id, "title": i.title, "url": i.url, "when": i.when.isoformat() if i.when else None,
                     "snippet": i.snippet} for i in items
                ],
                "method": method,
            }
        )  # fmt: skip
        return
    click.echo(f"digests ({len(digests)}):")
    for week, snippet in digests:
        click.echo(f"  {week}  {snippet}")
    click.echo(f"items ({len(items)}{'+' if len(items) == limit else ''}, {method}):")
    for item in items:
        day = f"{item.when:%Y-%m-%d}" if item.when else "----------"
        click.echo(f"  {item.id:>7}  {day}  {item.title}")
        if item.snippet:
            click.echo(f"           {item.snippet}")


@command.command("rebuild")
@click.option("--recompute", is_flag=True, help="Build every filed week's digest again from the items.")
@now_option
@click.pass_obj
def rebuild_command(app: AppContext, recompute: bool, now: datetime | None) -> None:
    """Write the archive folder again from the store: every digest's files, the index and the search index."""
    from pipeline.jobs import archive as jobs

    with app.lock("archive rebuild"):
        count = jobs.rebuild(
            app.settings, app.engine, clock(now), recompute=recompute, progress=lambda w: click.echo(w, err=True)
        )
    click.echo(f"archive: {count} digests written to {app.settings.digests_dir}")


@command.command("serve")
@click.option("--port", default=8000, show_default=True)
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.pass_obj
def serve_command(app: AppContext, port: int, bind: str) -> None:
    """Serve the archive folder over HTTP (read-only), for those who prefer a URL to a file."""
    import http.server

    root = app.settings.digests_dir
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    with http.server.ThreadingHTTPServer((bind, port), handler) as server:
        click.echo(f"serving {root} at http://{bind}:{server.server_address[1]}/ (Ctrl-C to stop)", err=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
