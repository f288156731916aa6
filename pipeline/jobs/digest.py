"""Building a week's digest: gather from the store, judge the changes, render, write the files.

The only place where the store (weekly queries), the pure core (changes, figures, digest, charts, render)
and the file system meet for the digest; every step takes the week and `now` explicitly.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from pipeline.articles.events import attributing_sources, attribution, bare_title, headline, squash, unattributed
from pipeline.digest.build import Digest, FeedProblem, WeekFacts, build_digest, iso_utc
from pipeline.digest.changes import (
    BaselineState,
    Edit,
    EditSummary,
    FigureNote,
    FigureReport,
    figure_notes,
    summarise_edit,
    trend,
)
from pipeline.digest.charts import trend_png
from pipeline.digest.figures import Indicator, established
from pipeline.digest.render import render_html, render_text
from pipeline.digest.weeks import Week, weeks_ending
from pipeline.domain import WeekItem
from pipeline.files import write_atomic
from pipeline.jobs.classifying import load_topic_set
from pipeline.jobs.indexing import index_items, indicators_of
from pipeline.settings import Settings
from pipeline.store import figures as figure_store
from pipeline.store import weekly

log = logging.getLogger("unionwatch.digest")

TREND_WEEKS = 12
EDITS_SHOWN = 10  # the largest edits of the week, in words changed
EDIT_CANDIDATES = 40  # edits diffed to find them, chosen by how much their length changed


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
    indicators = indicators_of(settings)
    trend_weeks = weeks_ending(week, TREND_WEEKS)
    index_items(engine, indicators, now)  # items classified since the last crawl (a reclassify, a label)
    with Session(engine) as session:
        found = weekly.week_items(session, start, end)
        last_week = weekly.story_keys(session, start - (end - start), start)
        this_week = {i.cluster for i in found}
        gone: dict[int, list[int]] = defaultdict(list)  # last week's stories with nothing this week
        for item_id, key in last_week:
            if key not in this_week:
                gone[key].append(item_id)
        before = weekly.items_by_id(session, (i for ids in gone.values() if len(ids) > 1 for i in ids))
        names = weekly.repeated_titles(session, [*found, *before])
        aggregators = attributing_sources(weekly.latest_titles(session, {i.source for i in [*found, *before]}))
        items, last_week_items = _readable(found, names, aggregators), _readable(before, names, aggregators)
        first_seen = weekly.cluster_first_seen(session, (i.cluster for i in items))
        starts = [w.start(zone) for w in trend_weeks]
        seen = weekly.topic_stories(session, starts, end)
        trends = [trend(topic, seen.get(topic, [0] * len(starts))) for topic, _ in topics]
        edits, edits_total = _edits(session, start, end)
        notes, baseline = _figures(session, established(indicators, end.date()), start, end)
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
            edits_total=edits_total,
            figures=notes,
            feed_problems=[_problem(t) for t in troubles],
            items_seen=weekly.count_items(session, start, end),
            feeds=weekly.enabled_feeds(session),
            crawls=weekly.crawls_finished(session, start, end),
            week_start=start,
            last_week_keys={key for _, key in last_week},
            last_week_items=last_week_items,
            baseline=baseline,
            topic_weights={t.id: t.weight for t in topic_set.topics},
        )
    return facts


def _edits(session: Session, start: datetime, end: datetime) -> tuple[list[EditSummary], int]:
    """The week's largest edits, summarised, and how many there were. Only the candidates whose length changed
    most are diffed (EDIT_CANDIDATES): a week of a large store has hundreds of edits, and a reader wants the
    few that changed most."""
    chosen, total = weekly.edits_between(session, start, end, EDIT_CANDIDATES)
    items = {i.id: i for i in weekly.items_by_id(session, (r.item_id for r in chosen))}
    summaries = [
        summarise_edit(Edit(items[r.item_id], r.changed_at, r.old_text, r.new_text, r.old_title))
        for r in chosen
        if r.item_id in items
    ]
    ranked = sorted(summaries, key=lambda s: (-(s.words_added + s.words_removed), s.item.id))
    return ranked[:EDITS_SHOWN], total


def _figures(
    session: Session, indicators: list[Indicator], start: datetime, end: datetime
) -> tuple[list[FigureNote], list[BaselineState]]:
    """The week's figures, each against the baseline and the last value reported before the week, and where
    every indicator stands at the week's end: read from the figures stored when items were classified."""
    ids = [i.id for i in indicators]
    reported = figure_store.reported_between(session, start, end)
    earlier = figure_store.latest_before(session, ids, start)
    latest = figure_store.latest_before(session, ids, end)
    wanted = {r.item_id for r in (*reported, *earlier.values(), *latest.values())}
    items = {i.id: i for i in weekly.items_by_id(session, wanted)}

    def report(r: figure_store.Reported) -> FigureReport:
        return FigureReport(r.figure, items[r.item_id])

    notes = figure_notes(
        indicators,
        [report(r) for r in reported if r.item_id in items],
        {k: report(r) for k, r in earlier.items() if r.item_id in items},
    )
    baseline = [
        BaselineState(
            ind,
            report(latest[ind.id]) if ind.id in latest and latest[ind.id].item_id in items else None,
            ind.id in latest and latest[ind.id].when >= start,
        )
        for ind in indicators
    ]
    return notes, baseline


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
    html = render_html(digest, {t.topic: t.chart for t in digest.trends if t.chart}, templates_dir, archive=True)
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


def _readable(items: list[WeekItem], names: set[tuple[str, str]], aggregators: set[str]) -> list[WeekItem]:
    """Items with a headline a reader can use: a Telegram post's title is its channel's name (`names`: the
    titles a feed has given several items, in the whole store, so this week's repeats among them); a feed of
    aggregated headlines (`aggregators`) ends each title in its outlet, which is then the item's source, as
    Google News' <source> is."""
    named = {(s, squash(t)) for s, t in names}
    out = []
    for i in items:
        outlet = attribution(i.title) if i.source in aggregators else ""
        if outlet:
            title = unattributed(i.title)
            lead = title + i.lead[len(i.title) :] if i.lead.startswith(i.title) else i.lead  # a summary led by it
            carriers = tuple(c for c in i.carriers if c != outlet)
            i = replace(i, title=title, lead=lead, source=outlet, carriers=carriers)
        bare = (i.source, squash(i.title)) in named or bare_title(i.title, i.source)
        out.append(replace(i, title=headline(i.title, i.lead, i.source, bare=bare), headlined_by_text=bare))
    return out
