"""What the store holds about a span of time, read in a few set-based queries for the digest.

An item's time is its publication time, else the time we first saw it (`item_time`). Queries select by that
time with an OR of two indexed ranges rather than a COALESCE, so a year of items is not scanned for a week.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, false, func, literal_column, null, or_, select, true
from sqlmodel import Session, SQLModel

from pipeline.domain import LEAD_CHARS, SILENT, TopicHit, WeekItem
from pipeline.store.models import CrawlRun, Feed, Item, ItemTopic, ItemVersion, as_utc

CHUNK = 500
NAME_CHARS = 80  # a channel's name is no longer than this (and ix_items_title_prefix indexes this much)
CUT_TITLES = 3  # titles (or texts) of exactly a feed's longest length that show it cuts them there
CUT_MIN_CHARS = 40  # shorter "longest titles" are a feed of short titles (or texts), not a cut
CUT_SAMPLE = 200  # a feed's latest titles read for its cut: Channel One's, cut in one of 13, shows it in 200
# Core columns: typed as columns (the models' attributes are typed as their Python values)
_item = SQLModel.metadata.tables["items"].c
_topic = SQLModel.metadata.tables["item_topics"].c
_source = SQLModel.metadata.tables["item_sources"].c
_version = SQLModel.metadata.tables["item_versions"].c
_feed = SQLModel.metadata.tables["feeds"].c
_attempt = SQLModel.metadata.tables["fetch_attempts"].c
_crawl = SQLModel.metadata.tables["crawl_runs"].c


def item_time() -> ColumnElement[datetime]:
    return func.coalesce(_item.published_at, _item.first_seen_at)


def unindexed_time() -> ColumnElement[datetime]:
    """item_time() as no index serves it (a coalesce of three, the last NULL): ix_items_time (migration 0012,
    for `items list`) made SQLite walk twelve weeks of items for the trends, where item_topics is smaller
    (0.2 s became 0.97 s of a digest at 1,000,000 items)."""
    return func.coalesce(_item.published_at, _item.first_seen_at, null())


def best_text() -> ColumnElement[str]:
    """The extracted text, else the feed's full text, else its summary (a crawl without articles has only those)."""
    return func.coalesce(func.nullif(_item.text, ""), func.nullif(_item.content, ""), _item.summary)


def story_key() -> ColumnElement[int]:
    """What counts as one story: the story id, else the near-duplicate cluster, else the item alone (minus its
    id, so it meets no story id)."""
    return func.coalesce(_item.story_id, _item.cluster_id, -_item.id)


def feed_names(session: Session) -> dict[int, str]:
    return {int(i): str(n) for i, n in session.execute(select(_feed.id, _feed.name))}


def in_span(start: datetime, end: datetime) -> ColumnElement[bool]:
    return or_(
        and_(_item.published_at >= start, _item.published_at < end),
        and_(_item.published_at.is_(None), _item.first_seen_at >= start, _item.first_seen_at < end),
    )


def in_scope() -> ColumnElement[bool]:
    """relevant, written so that no index serves it: on a column of two values SQLite preferred
    ix_items_relevant (a third of the store) to the time range (a week: 0.22 s against 0.06 s at 1,000,000 items)."""
    return func.coalesce(_item.relevant, false()) == true()


def count_items(session: Session, start: datetime, end: datetime) -> int:
    return int(session.execute(select(func.count()).select_from(Item).where(in_span(start, end))).scalar_one())


def week_items(session: Session, start: datetime, end: datetime) -> list[WeekItem]:
    """In-scope items of the span, with their topics and the other feeds that carried them."""
    ids = list(session.execute(select(_item.id).where(in_span(start, end), in_scope())).scalars())
    return items_by_id(session, ids)


def story_keys(session: Session, start: datetime, end: datetime) -> list[tuple[int, int]]:
    """(item id, story key) of the span's in-scope items: all a digest needs of last week but its ended stories."""
    rows = session.execute(select(_item.id, story_key()).where(in_span(start, end), in_scope()))
    return [(int(i), int(k)) for i, k in rows]


def items_by_id(session: Session, ids: Iterable[int]) -> list[WeekItem]:
    wanted = sorted(set(ids))
    feeds = feed_names(session)
    cut_at: dict[int, Cuts] = {}  # feed -> where it cuts titles, texts and summaries
    result: list[WeekItem] = []
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        topics: dict[int, dict[str, TopicHit]] = defaultdict(dict)
        for item_id, topic, score, evidence in session.execute(
            select(_topic.item_id, _topic.topic, _topic.score, _topic.evidence).where(_topic.item_id.in_(chunk))
        ):
            topics[item_id][topic] = TopicHit(score, tuple(json.loads(evidence or "[]")))
        carriers: dict[int, list[str]] = defaultdict(list)
        outlet: dict[tuple[int, int], str] = {}  # (item, feed) → the outlet an aggregator named for it
        for item_id, feed_id, publisher in session.execute(
            select(_source.item_id, _source.feed_id, _source.publisher).where(_source.item_id.in_(chunk))
        ):
            carriers[item_id].append(publisher or feeds.get(feed_id, "?"))
            if publisher:
                outlet[(item_id, feed_id)] = publisher
        rows = session.execute(
            select(
                _item.id,
                _item.title,
                _item.canonical_url,
                _item.url,
                _item.feed_id,
                _item.lang,
                _item.published_at,
                _item.first_seen_at,
                story_key(),
                func.substr(best_text(), 1, LEAD_CHARS),
                func.length(best_text()),
                func.substr(_item.summary, 1, LEAD_CHARS),
            ).where(_item.id.in_(chunk))
        )
        for item_id, title, canonical, url, feed_id, lang, published, first_seen, story, lead, length, summary in rows:
            source = outlet.get((item_id, feed_id)) or feeds.get(feed_id, "?")
            if feed_id not in cut_at:
                cut_at[feed_id] = cut_lengths(session, feed_id)
            cuts = cut_at[feed_id]
            result.append(
                WeekItem(
                    id=item_id,
                    title=title,
                    url=url or canonical or "",
                    source=source,
                    lang=lang,
                    when=published or first_seen,
                    cluster=story,
                    lead=lead or "",
                    topics=topics.get(item_id, {}),
                    carriers=tuple(sorted(set(carriers.get(item_id, ())) - {source})),
                    title_cut=cuts.title is not None and len(title or "") >= cuts.title,
                    text_cut=cuts.text_cut(lead or "", length or 0, summary or ""),
                )
            )
    return sorted(result, key=lambda i: (i.when, i.id))


@dataclass(frozen=True)
class Cuts:
    """The lengths from which a feed cuts its titles, the texts the digest reads, and its summaries; None where
    it does not cut them."""

    title: int | None
    text: int | None
    summary: int | None

    def text_cut(self, lead: str, length: int, summary: str) -> bool:
        """Whether an item's text stops where its feed cut it: the text is as long as the feed's cut, or it is a
        page that gave no more than the cut summary (a title above the summary's 60 characters), which ends it."""
        if self.text is not None and length >= self.text:
            return True
        if self.summary is None or len(summary) < self.summary or length > len(lead):
            return False
        return " ".join(lead.split()).endswith(" ".join(summary.split()))


def cut_lengths(session: Session, feed_id: int) -> Cuts:
    """Where a feed cuts its titles, the texts the digest reads, and its summaries, if it cuts them: CUT_TITLES
    or more of its latest CUT_SAMPLE titles (texts) exactly as long as the longest of them (a feed that titles
    Telegram posts with their first 100 characters, a site that truncates at 120, summaries that stop at 60), and
    then one character shorter too (a cut whose trailing space was stripped). A wire whose two longest titles are
    equally long by chance cuts nothing. One query reads CUT_SAMPLE rows of the feed by its index, whatever the
    store's size."""
    rows = session.execute(
        select(func.length(_item.title), func.length(best_text()), func.length(_item.summary))
        .where(_item.feed_id == feed_id)
        .order_by(_item.id.desc())
        .limit(CUT_SAMPLE)
    ).all()
    return Cuts(_cut([r[0] for r in rows]), _cut([r[1] for r in rows]), _cut([r[2] for r in rows]))


def latest_titles(session: Session, sources: Iterable[str]) -> list[tuple[str, str]]:
    """(source, title) of the latest CUT_SAMPLE items of each named feed, by its index: what shows a feed's
    habits (an aggregator's "Headline - Outlet") whatever the store's size."""
    ids = {name: feed_id for feed_id, name in feed_names(session).items()}
    found: list[tuple[str, str]] = []
    for name in sorted(set(sources) & ids.keys()):
        rows = session.execute(
            select(_item.title).where(_item.feed_id == ids[name]).order_by(_item.id.desc()).limit(CUT_SAMPLE)
        )
        found.extend((name, str(title or "")) for (title,) in rows)
    return found


def _cut(lengths: list[int | None]) -> int | None:
    known = [int(n) for n in lengths if n]
    longest = max(known, default=0)
    if longest < CUT_MIN_CHARS or known.count(longest) < CUT_TITLES:
        return None
    return longest - 1


def repeated_titles(session: Session, items: Iterable[WeekItem]) -> set[tuple[str, str]]:
    """(source, title) of the given items whose feed has used the same title for other items too, in the whole
    store: a Telegram channel's name, which every post of it carries as its title. One indexed probe per item
    (ix_items_title_prefix, migration 0007) that stops at the first other item: a channel of 100,000 posts costs
    what a channel of two does."""
    ids = sorted({i.id for i in items if len(i.title) <= NAME_CHARS})
    feeds = feed_names(session)
    other = SQLModel.metadata.tables["items"].alias("other")
    found: set[tuple[str, str]] = set()
    for start in range(0, len(ids), CHUNK):
        again = (
            select(other.c.id)
            .where(
                _prefix(other.c.title) == _prefix(_item.title),
                other.c.title == _item.title,
                other.c.feed_id == _item.feed_id,
                other.c.id != _item.id,
            )
            .exists()
        )
        rows = session.execute(
            select(_item.feed_id, _item.title).where(_item.id.in_(ids[start : start + CHUNK]), again)
        )
        found.update((feeds.get(feed_id, "?"), title) for feed_id, title in rows)
    return found


def _prefix(title: ColumnElement[str]) -> ColumnElement[str]:
    """substr(title, 1, 80) spelled with literals, as the index is: SQLite matches an expression index only so."""
    return func.substr(title, literal_column("1"), literal_column(str(NAME_CHARS)))


def cluster_first_seen(session: Session, clusters: Iterable[int]) -> dict[int, datetime]:
    """The earliest item time of each story, over the whole store (a story id where the item has one, else
    its near-duplicate cluster). Two queries, one per index: an OR of the two made SQLite walk every item
    without a story id (11.9 s of a digest at 1,000,000 items)."""
    wanted = sorted({c for c in clusters if c >= 0})
    first: dict[int, datetime] = {}

    def keep(key: int | None, earliest: object) -> None:
        moment = as_utc(earliest)
        if key is not None and moment is not None and (key not in first or moment < first[key]):
            first[key] = moment

    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for story, earliest in session.execute(
            select(_item.story_id, func.min(item_time())).where(_item.story_id.in_(chunk)).group_by(_item.story_id)
        ):
            keep(story, earliest)
        for cluster, story, when in session.execute(
            select(_item.cluster_id, _item.story_id, item_time()).where(_item.cluster_id.in_(chunk))
        ):
            if story is None:
                keep(cluster, when)
    return first


def topic_stories(session: Session, starts: list[datetime], end: datetime) -> dict[str, list[int]]:
    """Distinct stories per topic in each span [starts[k], starts[k+1]) (the last ends at `end`): the trends,
    which count stories so that four copies of one report are one. Counted by the database in one grouped
    query; driven from item_topics (the item's time unindexed), which at 1,000,000 items is smaller than any
    range of items over twelve weeks."""
    moment = unindexed_time()
    edges = [(moment < edge, k) for k, edge in enumerate(starts[1:])]
    grouping = [_topic.topic, case(*edges, else_=len(starts) - 1)] if edges else [_topic.topic]
    rows = session.execute(
        select(*grouping, func.count(story_key().distinct()))
        .select_from(ItemTopic)
        .join(Item, _item.id == _topic.item_id)
        .where(moment >= starts[0], moment < end, in_scope())
        .group_by(*grouping)
    )
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(starts))
    for row in rows:
        counts[row[0]][int(row[1]) if edges else 0] = int(row[-1])
    return counts


@dataclass(frozen=True)
class EditRecord:
    item_id: int
    changed_at: datetime
    old_title: str
    old_text: str
    new_text: str


def edits_between(session: Session, start: datetime, end: datetime, largest: int) -> tuple[list[EditRecord], int]:
    """The `largest` edits of the span by change in length, and how many items were edited in it. An edit is
    the text before the span's first change against the text after its last, so that several edits in one
    week read as one. Lengths are compared in the database; only the chosen edits' texts are read (a week of a
    large store has hundreds of edits)."""
    changed = session.execute(
        select(_version.item_id, func.min(_version.version), func.max(_version.version))
        .join(Item, _item.id == _version.item_id)
        .where(_version.version > 1, _version.fetched_at >= start, _version.fetched_at < end, in_scope())
        .group_by(_version.item_id)
    ).all()
    ends = {int(item_id): (int(first) - 1, int(last)) for item_id, first, last in changed}
    sizes: dict[tuple[int, int], int] = {}
    ids = sorted(ends)
    for offset in range(0, len(ids), CHUNK):
        for item_id, version, size in session.execute(
            select(_version.item_id, _version.version, func.length(_version.text)).where(
                _version.item_id.in_(ids[offset : offset + CHUNK])
            )
        ):
            if version in ends[item_id]:
                sizes[(item_id, version)] = int(size or 0)
    complete = [i for i in ids if all((i, v) in sizes for v in ends[i])]
    complete.sort(key=lambda i: (-abs(sizes[(i, ends[i][1])] - sizes[(i, ends[i][0])]), i))
    records = []
    for item_id in complete[:largest]:
        versions = {
            v.version: v
            for v in session.execute(
                select(ItemVersion).where(_version.item_id == item_id, _version.version.in_(ends[item_id]))
            ).scalars()
        }
        before, after = versions[ends[item_id][0]], versions[ends[item_id][1]]
        if after.fetched_at is not None:
            records.append(EditRecord(item_id, after.fetched_at, before.title, before.text, after.text))
    return records, len(complete)


@dataclass(frozen=True)
class FeedTrouble:
    name: str
    url: str
    failing_since: datetime | None
    error: str
    failures: int


def feed_troubles(session: Session, start: datetime, end: datetime) -> list[FeedTrouble]:
    """Feeds whose last fetch in the span failed, or answered with no items (silent), with the number of such
    fetches in it."""
    attempts = session.execute(
        select(_attempt.feed_id, _attempt.started_at, _attempt.outcome, func.coalesce(_attempt.error, _attempt.warning))
        .where(_attempt.started_at >= start, _attempt.started_at < end)
        .order_by(_attempt.started_at, _attempt.id)
    ).all()
    last: dict[int, tuple[str, str | None]] = {}
    failures: dict[int, int] = defaultdict(int)
    first_failure: dict[int, datetime] = {}
    for feed_id, started, outcome, error in attempts:
        last[feed_id] = (outcome, error)
        if outcome in ("error", SILENT):
            failures[feed_id] += 1
            if started is not None:
                first_failure.setdefault(feed_id, started)
    failing = [feed_id for feed_id, (outcome, _) in last.items() if outcome in ("error", SILENT)]
    if not failing:
        return []
    feeds = {f.id: f for f in session.execute(select(Feed).where(_feed.id.in_(failing))).scalars()}
    troubles = []
    for feed_id in failing:
        feed = feeds[feed_id]
        since = feed.failing_since if feed.failing_since and feed.failing_since < end else first_failure.get(feed_id)
        troubles.append(FeedTrouble(feed.name, feed.url, since, last[feed_id][1] or "failed", failures[feed_id]))
    return sorted(troubles, key=lambda t: t.name)


def crawls_finished(session: Session, start: datetime, end: datetime) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(CrawlRun).where(_crawl.finished_at >= start, _crawl.finished_at < end)
        ).scalar_one()
    )


def enabled_feeds(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Feed).where(_feed.enabled.is_(True))).scalar_one())


def last_good_crawl(session: Session) -> datetime | None:
    """When the last crawl that completed finished."""
    return as_utc(
        session.execute(
            select(_crawl.finished_at).where(_crawl.status == "completed").order_by(_crawl.finished_at.desc()).limit(1)
        ).scalar()
    )
