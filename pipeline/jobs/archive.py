"""Filing digests: files for people (digests/YEAR/...), the record in the store, and the archive's index.

Every file is written atomically and the index page last, so a reader (or a process killed half-way) only
ever sees the previous archive or the new one. The store keeps each digest's JSON, so `archive rebuild`
can bring back the whole folder.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from pipeline.delivery import archive
from pipeline.delivery.message import new_message_id, subject
from pipeline.digest.build import Digest
from pipeline.digest.charts import trend_png, values_png
from pipeline.digest.weeks import Week
from pipeline.files import write_atomic
from pipeline.jobs.digest import DigestFiles, make_digest, write_digest
from pipeline.settings import Settings
from pipeline.store import deliveries as store

log = logging.getLogger("unionwatch.archive")


def publish(settings: Settings, engine: Engine, digest: Digest, now: datetime) -> DigestFiles:
    """Write the week's files, record the digest (keeping its Message-ID if it had one), refresh the index."""
    files = _file(settings, engine, digest, now)
    write_index(settings, engine, now)
    return files


def _file(settings: Settings, engine: Engine, digest: Digest, now: datetime) -> DigestFiles:
    files = write_digest(digest, settings.digests_dir / digest.week[:4], settings.templates_dir)
    with Session(engine) as session:
        existing = store.get_digest(session, digest.week)
        store.save_digest(
            session,
            digest.week,
            data=digest.to_json(),
            subject=subject(digest),
            search_text=digest.search_text(),
            message_id=existing.message_id if existing else new_message_id(digest.week, settings.mail_from),
            now=now,
        )
        session.commit()
    return files


def stored_digests(engine: Engine) -> list[Digest]:
    with Session(engine) as session:
        return [Digest.from_dict(json.loads(r.data)) for r in store.list_digests(session)]


def stored_digest(engine: Engine, week: str) -> Digest | None:
    with Session(engine) as session:
        record = store.get_digest(session, week)
        return Digest.from_dict(json.loads(record.data)) if record else None


def write_index(settings: Settings, engine: Engine, now: datetime) -> Path:
    root = settings.digests_dir
    digests = stored_digests(engine)
    weeks, counts = archive.series(digests)
    chart = None
    if counts:
        write_atomic(root / archive.INDEX_CHART, trend_png(counts, weeks))
        chart = archive.INDEX_CHART
    index = archive.search_index(digests)
    write_atomic(root / "search-index.json", json.dumps(index, ensure_ascii=False))
    write_atomic(root / "search-index.js", archive.search_script(index))
    write_atomic(root / "archive.js", archive.archive_script())
    topics, indicators = archive.topic_pages(digests), archive.indicator_pages(digests)
    for page in topics.values():
        write_atomic(root / archive.topic_path(page["topic"]), archive.render_topic_page(page, now))
    for page in indicators.values():
        image = None
        if page["points"]:
            points = [(p["published"], p["value"]) for p in page["points"]]
            image = f"{page['id']}.png"
            write_atomic(root / "indicators" / image, values_png(points, page["baseline"]))
        write_atomic(root / archive.indicator_path(page["id"]), archive.render_indicator_page(page, image, now))
    return write_atomic(
        root / "index.html", archive.render_index(digests, now, chart, topics, indicators)
    )  # last: it names the rest


def rebuild(
    settings: Settings,
    engine: Engine,
    now: datetime,
    *,
    recompute: bool = False,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Write every stored digest's files again (with `recompute`, build each anew from the items first)."""
    with Session(engine) as session:
        weeks = [r.week for r in store.list_digests(session)]
    for week in sorted(weeks):
        digest = make_digest(settings, engine, Week.parse(week), now) if recompute else stored_digest(engine, week)
        if digest is None:
            continue
        if recompute:
            _file(settings, engine, digest, now)
        else:
            write_digest(digest, settings.digests_dir / week[:4], settings.templates_dir)
        if progress:
            progress(week)
    write_index(settings, engine, now)
    log.info("archive rebuilt: %d digests in %s", len(weeks), settings.digests_dir)
    return len(weeks)
