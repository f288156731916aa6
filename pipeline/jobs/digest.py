"""Building a week's digest: gather from the store, judge the changes, render, write the files.

The only place where the store (weekly queries), the pure core (changes, figures, digest, charts, render)
and the file system meet for the digest; every step takes the week and `now` explicitly.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from pipeline.articles.events import headline, squash
from pipeline.digest.build import Digest, FeedProblem, WeekFacts, build_digest, iso_utc
from pipeline.digest.changes import Edit, EditSummary, FigureNote, FigureReport, figure_notes, summarise_edit, trend
from pipeline.digest.charts import trend_png
from pipeline.digest.figures import Indicator, find_figures, load_indicators
from pipeline.digest.render import render_html, render_text
from pipeline.digest.weeks import Week, weeks_ending
from pipeline.domain import WeekItem
from pipeline.files import write_atomic
from pipeline.jobs.classifying import load_topic_set
from pipeline.settings import Settings
from pipeline.store import weekly

log = logging.getLogger("unionwatch.digest")

TREND_WEEKS = 12
FIGURE_LOOKBACK = timedelta(weeks=104)  # how far back "the last value reported" is looked for
FIGURE_SCAN_LIMIT = 5000  # items read at most while looking for it
FACTS_FILE = "facts.toml"


@dataclass(frozen=True)
class DigestFiles:
    digest: Digest
    html: Path
    text: Path
    json: Path
    charts: dict[str, Path]

    @property
    def paths(self) -> list[Path]:
        return [self.html, self.text, self.json]


def default_week(settings: Settings, now: datetime) -> Week:
    return Week.last_complete(now, ZoneInfo(settings.timezone))


def gather(settings: Settings, engine: Engine, week: Week, now: datetime) -> WeekFacts:
    zone = ZoneInfo(settings.timezone)
    start, end = week.start(zone), week.end(zone)
    topic_set = load_topic_set(settings)
    topics = [(t.id, t.name) for t in topic_set.topics]
    indicators = load_indicators(settings.baseline_dir / FACTS_FILE)
    trend_weeks = weeks_ending(week, TREND_WEEKS)
    with Session(engine) as session:
        found = weekly.week_items(session, start, end)
        items = _readable(found, weekly.repeated_titles(session, found))
        first_seen = weekly.cluster_first_seen(session, (i.cluster for i in items))
        seen: dict[str, dict[Week, set[int]]] = defaultdict(lambda: defaultdict(set))
        for topic, moment, story in weekly.topic_times(session, trend_weeks[0].start(zone), end):
            seen[topic][Week.of(moment, zone)].add(story)
        trends = [trend(topic, [len(seen[topic][w]) for w in trend_weeks]) for topic, _ in topics]
        edits = _edits(session, start, end)
        notes = _figures(session, indicators, [*items, *(e.item for e in edits)], start, end)
        troubles = weekly.feed_troubles(session, start, end)
        facts = WeekFacts(
            week=week,
            timezone=settings.timezone,
            now=now,
            topics=topics,
            items=items,
            cluster_first_seen=first_seen,
            trend_weeks=trend_weeks,
            trends=trends,
            edits=edits,
            figures=notes,
            feed_problems=[_problem(t) for t in troubles],
            items_seen=weekly.count_items(session, start, end),
            feeds=weekly.enabled_feeds(session),
            crawls=weekly.crawls_finished(session, start, end),
            week_start=start,
        )
    return facts


def _edits(session: Session, start: datetime, end: datetime) -> list[EditSummary]:
    records = weekly.edits_between(session, start, end)
    items = {i.id: i for i in weekly.items_by_id(session, (r.item_id for r in records))}
    summaries = [
        summarise_edit(Edit(items[r.item_id], r.changed_at, r.old_text, r.new_text, r.old_title))
        for r in records
        if r.item_id in items
    ]
    return sorted(summaries, key=lambda s: (-(s.words_added + s.words_removed), s.item.id))


def _figures(
    session: Session, indicators: list[Indicator], items: list[WeekItem], start: datetime, end: datetime
) -> list[FigureNote]:
    """Figures stated by the week's items and by the articles edited in it, as their text stood at the
    week's end, each compared with the baseline and with the last value reported before the week."""
    topics = {i.topic for i in indicators}
    mine = list({i.id: i for i in items if topics & i.topics.keys()}.values())
    bodies = weekly.texts(session, (i.id for i in mine), as_of=end)
    this_week = [
        FigureReport(figure, item)
        for item in mine
        for figure in find_figures(bodies.get(item.id, ""), [i for i in indicators if i.topic in item.topics])
    ]
    earlier: dict[str, FigureReport] = {}
    wanted = {i.id for i in indicators}
    scanned = 0
    for ids in weekly.earlier_with_topics(session, topics, start, start - FIGURE_LOOKBACK):
        batch_items = {i.id: i for i in weekly.items_by_id(session, ids)}
        batch_texts = weekly.texts(session, ids, as_of=start)
        for item_id in ids:  # newest first: the first figure found for an indicator is its last reported
            item = batch_items[item_id]
            for figure in find_figures(batch_texts.get(item_id, ""), indicators):
                if figure.indicator in wanted and figure.indicator not in earlier:
                    earlier[figure.indicator] = FigureReport(figure, item)
        scanned += len(ids)
        if wanted <= earlier.keys() or scanned >= FIGURE_SCAN_LIMIT:
            break
    return figure_notes(indicators, this_week, earlier)


def make_digest(settings: Settings, engine: Engine, week: Week, now: datetime) -> Digest:
    facts = gather(settings, engine, week, now)
    return build_digest(facts, charts={topic: f"charts/{week}-{topic}.png" for topic, _ in facts.topics})


def write_digest(digest: Digest, out_dir: Path, templates_dir: Path | None = None) -> DigestFiles:
    """DIR/2026-W47.html, .txt, .json and DIR/charts/2026-W47-<topic>.png, each written atomically."""
    charts: dict[str, Path] = {}
    for t in digest.trends:
        if t.chart:
            png = trend_png(t.series, t.weeks, t.mean, t.flag)
            charts[t.topic] = write_atomic(out_dir / t.chart, png)
    html = render_html(digest, {t.topic: t.chart for t in digest.trends if t.chart}, templates_dir)
    files = DigestFiles(
        digest,
        write_atomic(out_dir / f"{digest.week}.html", html),
        write_atomic(out_dir / f"{digest.week}.txt", render_text(digest, templates_dir)),
        write_atomic(out_dir / f"{digest.week}.json", digest.to_json()),
        charts,
    )
    log.info("digest %s written to %s (%d items in scope)", digest.week, out_dir, digest.totals["in_scope"])
    return files


def _problem(trouble: weekly.FeedTrouble) -> FeedProblem:
    since = iso_utc(trouble.failing_since) if trouble.failing_since else None
    return FeedProblem(trouble.name, trouble.url, since, trouble.error, trouble.failures)


def _readable(items: list[WeekItem], names: set[tuple[str, str]]) -> list[WeekItem]:
    """Items with a headline a reader can use: a Telegram post's title is its channel's name (`names`: the
    titles a feed has given several items, in the whole store, so this week's repeats among them)."""
    named = {(s, squash(t)) for s, t in names}
    return [
        replace(i, title=headline(i.title, i.lead, i.source, bare=(i.source, squash(i.title)) in named)) for i in items
    ]
