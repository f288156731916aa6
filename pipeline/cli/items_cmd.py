from __future__ import annotations

from datetime import UTC, datetime

import click
from sqlmodel import Session

from pipeline.cli.common import AppContext, iso, print_json
from pipeline.store import items as item_store


def _parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"expected an ISO date such as 2026-11-01, got {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@click.group("items")
def command() -> None:
    """Stored items."""


@command.command("list")
@click.option("--since", help="Only items published (or first seen) on or after this ISO date.")
@click.option("--feed", help="Only items first seen in this feed (by name).")
@click.option("--limit", default=50, show_default=True, help="How many items at most.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per item.")
@click.pass_obj
def list_items(app: AppContext, since: str | None, feed: str | None, limit: int, as_json: bool) -> None:
    """The newest items first."""
    with Session(app.engine) as session:
        rows = item_store.list_items(session, since=_parse_since(since), feed=feed, limit=limit)
        if as_json:
            print_json(
                [
                    {
                        "id": item.id,
                        "title": item.title,
                        "url": item.url,
                        "canonical_url": item.canonical_url,
                        "guid": item.guid,
                        "feed": feed_name,
                        "sources": [name for _, name in item_store.sources_of(session, item.id or 0)],
                        "published_at": iso(item.published_at),
                        "first_seen_at": iso(item.first_seen_at),
                        "last_seen_at": iso(item.last_seen_at),
                    }
                    for item, feed_name in rows
                ]
            )
            return
    for item, feed_name in rows:
        when = (item.published_at or item.first_seen_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M")
        click.echo(f"{item.id:>6}  {when}  {feed_name[:18]:18}  {item.title[:90]}")
    click.echo(f"{len(rows)} items")
