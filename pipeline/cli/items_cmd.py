from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import AppContext, aware, iso, print_json
from pipeline.text import plural

if TYPE_CHECKING:
    from sqlmodel import Session

    from pipeline.store.models import Item

ITEM_ID = click.IntRange(1, 2**63 - 1)  # what a database integer holds; beyond it no item exists


def _parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return aware(value)
    except ValueError as exc:
        raise click.BadParameter(f"expected an ISO date such as 2026-11-01, got {value!r}") from exc


@click.group("items")
def command() -> None:
    """Stored items: list them, show one with its text and versions, correct its topics, export corrections."""


@command.command("list")
@click.option("--since", help="Only items published (or first seen) on or after this ISO date.")
@click.option("--feed", help="Only items first seen in this feed (by name).")
@click.option("--lang", help="Only items in this language (ru, be, uk, en ...).")
@click.option(
    "--status", help="Only items whose extraction ended so (ok, feed, refused, fetch_failed …; failed: every failure)."
)
@click.option("--limit", default=50, show_default=True, help="How many items at most.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per item.")
@click.pass_obj
def list_items(
    app: AppContext,
    since: str | None,
    feed: str | None,
    lang: str | None,
    status: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """The newest items first (by publication time, else first sight); says when --limit cut the list."""
    from sqlmodel import Session

    from pipeline.store import items as item_store

    with Session(app.engine) as session:
        rows, total = item_store.list_items(
            session, since=_parse_since(since), feed=feed, lang=lang, status=status, limit=limit
        )
        if as_json:
            print_json([_as_dict(session, item, feed_name) for item, feed_name in rows])
            return
    for item, feed_name in rows:
        when = (item.published_at or item.first_seen_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M")
        when += "?" if item.claimed_published_at else " "  # the feed's date was doubtful: filed by first seen
        click.echo(
            f"{item.id:>6}  {when} {item.lang or '--':2}  {item.extraction_status:12} {feed_name[:18]:18}  "
            f"{item.title[:80]}"
        )
    shown = plural(len(rows), "item")
    click.echo(f"{shown} of {total:,} (newest first; --limit to see more)" if total > len(rows) else shown)


def _as_dict(session: Session, item: Item, feed_name: str) -> dict[str, object]:
    from pipeline.store import articles as article_store
    from pipeline.store import items as item_store

    return {
        "id": item.id,
        "title": item.title,
        "url": item.url,
        "canonical_url": item.canonical_url,
        "guid": item.guid,
        "feed": feed_name,
        "sources": [name for _, name in item_store.sources_of(session, item.id or 0)],
        "published_at": iso(item.published_at),
        "claimed_published_at": iso(item.claimed_published_at),
        "first_seen_at": iso(item.first_seen_at),
        "last_seen_at": iso(item.last_seen_at),
        "lang": item.lang,
        "status": item.extraction_status,
        "reason": item.extraction_reason,
        "cluster_id": item.cluster_id,
        "versions": len(article_store.versions_of(session, item.id or 0)),
        "text_chars": len(item.text),
    }


@command.command("show")
@click.argument("item_id", type=ITEM_ID)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the text and every version.")
@click.pass_obj
def show(app: AppContext, item_id: int, as_json: bool) -> None:
    """One item: metadata, sources, story cluster, text, and a word-level diff between its versions."""
    from sqlmodel import Session

    from pipeline.articles.textdiff import word_diff
    from pipeline.store import articles as article_store
    from pipeline.store import corrections as correction_store
    from pipeline.store import items as item_store
    from pipeline.store import topics as topic_store
    from pipeline.store.models import Item

    with Session(app.engine) as session:
        item = session.get(Item, item_id)
        if item is None:
            raise click.ClickException(f"items: no item {item_id}")
        versions = article_store.versions_of(session, item_id)
        sources = item_store.sources_of(session, item_id)
        cluster = article_store.cluster_members(session, item.cluster_id) if item.cluster_id else []
        story = article_store.cluster_members(session, item.story_id, story=True) if item.story_id else []
        feed_name = sources[0][1] if sources else ""
        topics = topic_store.topics_of(session, item_id)
        labels = correction_store.of_item(session, item_id)
        if as_json:
            data = _as_dict(session, item, feed_name)
            data["text"] = item.text
            data["relevant"] = item.relevant
            data["topics"] = [
                {"topic": t.topic, "score": t.score, "evidence": json.loads(t.evidence or "[]")} for t in topics
            ]
            data["story_id"] = item.story_id
            data["corrections"] = [{"kind": lb.kind, "topic": lb.topic, "at": iso(at)} for lb, at in labels]
            data["versions"] = [
                {"version": v.version, "fetched_at": iso(v.fetched_at), "title": v.title, "text": v.text}
                for v in versions
            ]
            print_json(data)
            return
    click.echo(f"#{item.id}  {item.title}")
    click.echo(f"url:        {item.url}")
    click.echo(f"published:  {iso(item.published_at) or 'unknown'}   first seen: {iso(item.first_seen_at)}")
    if item.claimed_published_at:
        click.echo(f"doubtful:   the feed gave {iso(item.claimed_published_at)}; filed by first seen instead")
    click.echo(f"language:   {item.lang or 'unknown'}   site: {item.site_name or '-'}   author: {item.author or '-'}")
    reason = f" ({item.extraction_reason})" if item.extraction_reason else ""
    click.echo(f"extraction: {item.extraction_status}{reason}")
    click.echo("sources:    " + ", ".join(name for _, name in sources))
    verdict = {None: "not classified yet", True: "in scope", False: "out of scope"}[item.relevant]
    click.echo(f"relevance:  {verdict} ({item.relevance})")
    for t in topics:
        click.echo(f"topic:      {t.topic} {t.score}")
        for sentence in json.loads(t.evidence or "[]"):
            click.echo(f"              “{sentence}”")
    for label, at in labels:
        click.echo(f"corrected:  {label.describe()} ({iso(at)})")
    others = [(i, n) for i, n in cluster if i.id != item.id]
    if others:
        click.echo("copies:     " + "; ".join(f"#{i.id} {n}: {i.title[:60]}" for i, n in others))
    reports = [(i, n) for i, n in story if i.id != item.id and i.id not in {o.id for o, _ in others}]
    if reports:
        click.echo("same story: " + "; ".join(f"#{i.id} {n} ({i.lang}): {i.title[:60]}" for i, n in reports))
    click.echo("")
    click.echo(item.text or item.summary)
    for previous, current in itertools.pairwise(versions):
        click.echo("")
        click.echo(
            f"--- version {previous.version} ({iso(previous.fetched_at)}) → version {current.version} "
            f"({iso(current.fetched_at)})"
        )
        for hunk in word_diff(previous.text, current.text):
            click.echo("  … " + hunk + " …")
    if len(versions) == 1:
        click.echo(f"\n(version 1 of 1, fetched {iso(versions[0].fetched_at)})")


@command.command("label")
@click.argument("item_id", type=ITEM_ID)
@click.option("--topic", "topics", multiple=True, help="The item is about this topic (repeat for several).")
@click.option("--not", "nots", multiple=True, help="The item is not about this topic (repeat for several).")
@click.option("--out-of-scope", is_flag=True, help="The item is not about Belarus–Russia relations.")
@click.option("--in-scope", is_flag=True, help="The item is about Belarus–Russia relations.")
@click.option("--now", "now_text", help="Record the correction at this ISO time instead of now.")
@click.pass_obj
def label(
    app: AppContext,
    item_id: int,
    topics: tuple[str, ...],
    nots: tuple[str, ...],
    out_of_scope: bool,
    in_scope: bool,
    now_text: str | None,
) -> None:
    """Correct an item: stored, shown by `items show`, applied to it at once and on every re-classification,
    and learned from at the next `classify --retrain`."""
    from sqlmodel import Session

    from pipeline.jobs.classifying import load_classifier
    from pipeline.store import corrections as correction_store
    from pipeline.store import topics as topic_store
    from pipeline.store.models import Item
    from pipeline.topics.corrections import Label

    if out_of_scope and (in_scope or topics):
        raise click.UsageError("--out-of-scope cannot go with --in-scope or --topic")
    if set(topics) & set(nots):
        raise click.UsageError(
            f"a topic cannot be both given and refused: {', '.join(sorted(set(topics) & set(nots)))}"
        )
    labels = (
        [Label("out-of-scope")] * out_of_scope
        + [Label("in-scope")] * in_scope
        + [Label("not", t) for t in nots]
        + [Label("topic", t) for t in topics]
    )
    if not labels:
        raise click.UsageError("say what is wrong: --topic T, --not T, --out-of-scope or --in-scope")
    classifier = load_classifier(app.settings)
    known = [t.id for t in classifier.topic_set.topics]
    unknown = sorted({lb.topic for lb in labels if lb.topic and lb.topic not in known})
    if unknown:
        raise click.BadParameter(f"no topic {', '.join(unknown)}; topics are {', '.join(known)}")
    now = aware(now_text) if now_text else datetime.now(UTC)
    with Session(app.engine) as session:
        item = session.get(Item, item_id)
        if item is None:
            raise click.ClickException(f"items: no item {item_id}")
        correction_store.add(session, item_id, labels, now)
        session.flush()
        judged = classifier.classify(item.title, item.text or item.summary, url=item.url or "", lang=item.lang)
        topic_store.save(session, item_id, judged, now)
        session.commit()
        session.refresh(item)
        stored = [t.topic for t in topic_store.topics_of(session, item_id)]
    verdict = "in scope" if item.relevant else "out of scope"
    click.echo(
        f"items: #{item_id} corrected ({', '.join(lb.describe() for lb in labels)}); now {verdict}"
        + (f", topics: {', '.join(stored)}" if stored else "")
    )


@command.command("export-labels")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def export_labels(app: AppContext, out: Path) -> None:
    """Write every corrected item as a labelled line in the eval format (id, lang, date, url, title, text,
    relevant, topics), for `unionwatch eval` or another team's training."""
    from sqlmodel import Session

    from pipeline.files import write_atomic
    from pipeline.store import corrections as correction_store
    from pipeline.store import topics as topic_store
    from pipeline.store.models import Item

    lines = []
    with Session(app.engine) as session:
        for item_id in sorted(correction_store.by_item(session)):
            item = session.get(Item, item_id)
            if item is None:
                continue
            topics = sorted(t.topic for t in topic_store.topics_of(session, item_id))
            lines.append(
                json.dumps(
                    {
                        "id": str(item.id),
                        "lang": item.lang,
                        "date": iso(item.published_at or item.first_seen_at),
                        "url": item.url or item.canonical_url or "",
                        "title": item.title,
                        "text": (item.text or item.summary)[:4000],
                        "relevant": bool(item.relevant),
                        "topics": topics if item.relevant else [],
                    },
                    ensure_ascii=False,
                )
            )
    write_atomic(out, "".join(line + "\n" for line in lines).encode())
    click.echo(f"items: {len(lines)} corrected items written to {out}")
