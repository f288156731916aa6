"""The weekly digest as plain data: what the templates render, what the archive stores as JSON.

`build_digest` turns the week's changes (pipeline.digest.changes) into the digest a reader gets: headline changes
first, then a section per topic, new stories, edited articles, figures against the baseline, twelve-week trends
and the feeds that failed. Every string that came from a feed passes through `clean_text` here, so the JSON is
as safe as the HTML.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from pipeline.digest.changes import (
    EditSummary,
    FigureNote,
    FigureReport,
    Story,
    Trend,
    new_stories,
    rank,
    stories,
)
from pipeline.digest.sanitise import clean_text, safe_url
from pipeline.digest.weeks import Week
from pipeline.domain import WeekItem

TOP_STORIES = 5  # per topic section
TOP_NEW = 10  # in the new-stories list
EXTRACT_SENTENCES = 2


@dataclass
class Link:
    source: str
    url: str


@dataclass
class StoryView:
    id: int
    title: str
    url: str
    source: str
    published: str
    lang: str
    extract: list[str]
    topics: list[str]  # drawn from all the story's items
    also_reported_by: list[Link] = field(default_factory=list)
    first_seen: str = ""
    languages: list[str] = field(default_factory=list)
    copies: list[Copy] = field(default_factory=list)  # the story's other items: other outlets, other languages


@dataclass
class Copy:
    title: str
    source: str
    url: str
    lang: str


@dataclass
class Headline:
    kind: str  # figure, spike, lull, back, new-stories, edited
    topic: str | None
    text: str
    label: str = ""  # a word or two for a mail subject ("gas price", "bases"); "" when it names no subject


@dataclass
class TrendView:
    topic: str
    name: str
    weeks: list[str]
    series: list[int]
    this_week: int
    last_week: int
    mean: float
    spread: float
    flag: str | None
    chart: str  # the image's file name, "" when there is none


@dataclass
class Section:
    topic: str
    name: str
    count: int
    last_week: int
    flag: str | None
    note: str
    stories: list[StoryView]
    more: int  # stories not shown


@dataclass
class EditView:
    story: StoryView
    changed_at: str
    added: list[str]
    removed: list[str]
    title_before: str | None
    words_added: int
    words_removed: int


@dataclass
class FigureView:
    indicator: str
    name: str
    short: str
    topic: str
    value: float
    unit: str
    period: str | None
    sentence: str
    source: str
    url: str
    published: str
    baseline_value: float
    baseline_date: str
    baseline_source: str
    previous_value: float | None
    previous_source: str | None
    previous_published: str | None
    differs_from_baseline: bool
    differs_from_previous: bool
    also_reported_by: list[str]
    summary: str


@dataclass
class FeedProblem:
    name: str
    url: str
    failing_since: str | None
    error: str
    failures: int


@dataclass
class Digest:
    week: str
    period: str
    timezone: str
    generated_at: str
    totals: dict[str, int]
    headlines: list[Headline]
    new_stories: list[StoryView]
    sections: list[Section]
    edited: list[EditView]
    figures: list[FigureView]
    trends: list[TrendView]
    feed_health: list[FeedProblem]
    empty_reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Digest:
        """The inverse of to_dict: an archived digest rendered again looks exactly as it did."""

        def story(raw: dict[str, Any]) -> StoryView:
            return StoryView(**{**raw, "also_reported_by": [Link(**link) for link in raw["also_reported_by"]]})

        return cls(
            **{
                **data,
                "headlines": [Headline(**h) for h in data["headlines"]],
                "new_stories": [story(s) for s in data["new_stories"]],
                "sections": [Section(**{**s, "stories": [story(x) for x in s["stories"]]}) for s in data["sections"]],
                "edited": [EditView(**{**e, "story": story(e["story"])}) for e in data["edited"]],
                "figures": [FigureView(**f) for f in data["figures"]],
                "trends": [TrendView(**t) for t in data["trends"]],
                "feed_health": [FeedProblem(**f) for f in data["feed_health"]],
            }
        )

    def search_text(self) -> str:
        """What `archive search` and the archive page match against: the digest's own words and its titles."""
        parts = [self.week, self.period, *(h.text for h in self.headlines)]
        for section in self.sections:
            parts.append(section.name)
            for s in section.stories:
                parts.extend([s.title, s.source, *s.extract])
        parts.extend(s.title for s in self.new_stories)
        parts.extend(f"{f.summary} {f.sentence}" for f in self.figures)
        parts.extend(f"{e.story.title} {' '.join(e.added)} {' '.join(e.removed)}" for e in self.edited)
        return " ".join(" ".join(parts).lower().split())


@dataclass(frozen=True)
class WeekFacts:
    """Everything the store knows about a week, as plain data (the jobs layer gathers it)."""

    week: Week
    timezone: str
    now: datetime
    topics: list[tuple[str, str]]  # (id, name) in the configured order
    items: list[WeekItem]  # in-scope items of the week
    cluster_first_seen: dict[int, datetime]
    trend_weeks: list[Week]
    trends: list[Trend]
    edits: list[EditSummary]
    figures: list[FigureNote]
    feed_problems: list[FeedProblem]
    items_seen: int  # every item of the week, in scope or not
    feeds: int
    crawls: int  # crawl runs that finished in the week
    week_start: datetime


def build_digest(facts: WeekFacts, charts: dict[str, str] | None = None) -> Digest:
    charts = charts or {}
    names = dict(facts.topics)
    found = stories(facts.items, facts.cluster_first_seen)
    fresh = new_stories(found, facts.week_start)
    sections = [_section(topic, names[topic], found, facts) for topic, _ in facts.topics]
    trends = [
        TrendView(
            t.topic,
            names.get(t.topic, t.topic),
            [str(w) for w in facts.trend_weeks],
            list(t.series),
            t.this_week,
            t.last_week,
            t.mean,
            t.spread,
            t.flag,
            charts.get(t.topic, ""),
        )
        for t in facts.trends
    ]
    edited = [_edit_view(e, names) for e in facts.edits]
    figures = [_figure_view(n) for n in facts.figures]
    totals = {
        "seen": facts.items_seen,
        "in_scope": len(facts.items),
        "stories": len(found),
        "new_stories": len(fresh),
        "edited": len(edited),
        "figures": len(figures),
        "feeds": facts.feeds,
        "feeds_failing": len(facts.feed_problems),
        "crawls": facts.crawls,
    }
    return Digest(
        week=str(facts.week),
        period=facts.week.label(),
        timezone=facts.timezone,
        generated_at=iso_utc(facts.now),
        totals=totals,
        headlines=_headlines(facts.trends, names, fresh, edited, figures),
        new_stories=[_story_view(s, names) for s in fresh[:TOP_NEW]],
        sections=sections,
        edited=edited,
        figures=figures,
        trends=trends,
        feed_health=[
            FeedProblem(
                clean_text(p.name), safe_url(p.url), p.failing_since, clean_text(p.error) or "failed", p.failures
            )
            for p in facts.feed_problems
        ],
        empty_reason=_empty_reason(facts) if not facts.items else None,
    )


def _section(topic: str, name: str, found: list[Story], facts: WeekFacts) -> Section:
    mine = rank([s for s in found if any(topic in i.topics for i in (s.lead, *s.copies))], topic)
    trend = next((t for t in facts.trends if t.topic == topic), None)
    count = len(mine)  # stories, as the trends count them: four copies of one report are one
    names = dict(facts.topics)
    return Section(
        topic=topic,
        name=name,
        count=count,
        last_week=trend.last_week if trend else 0,
        flag=trend.flag if trend else None,
        note=_trend_note(trend, name) if trend and trend.flag else "",
        stories=[_story_view(s, names, topic) for s in mine[:TOP_STORIES]],
        more=max(0, len(mine) - TOP_STORIES),
    )


def _story_view(story: Story, names: dict[str, str], topic: str | None = None) -> StoryView:
    lead = story.lead
    hit = lead.topics.get(topic) if topic else max(lead.topics.values(), key=lambda h: h.score, default=None)
    title = clean_text(lead.title)
    extract: list[str] = []
    seen = {_bare(title)}
    for sentence in hit.evidence if hit else ():  # the evidence may be the title itself: show it once
        line = clean_text(sentence)
        if line and _bare(line) not in seen:
            seen.add(_bare(line))
            extract.append(line)
    others: dict[str, Link] = {}
    for item in (lead, *story.copies):
        for source in (item.source, *item.carriers):
            if source != lead.source and source not in others:
                others[source] = Link(clean_text(source), safe_url(item.url))
    items = (lead, *story.copies)
    return StoryView(
        id=lead.id,
        title=title or "(untitled)",
        url=safe_url(lead.url),
        source=clean_text(lead.source),
        published=iso_utc(lead.when),
        lang=lead.lang,
        extract=extract[:EXTRACT_SENTENCES],
        topics=[t for t in names if any(t in item.topics for item in items)],
        also_reported_by=list(others.values()),
        first_seen=iso_utc(story.first_seen),
        languages=sorted({item.lang for item in items if item.lang}),
        copies=[Copy(clean_text(c.title), clean_text(c.source), safe_url(c.url), c.lang) for c in story.copies],
    )


def _single(item: WeekItem, names: dict[str, str]) -> StoryView:
    return _story_view(Story(item, (), item.when), names)


def _edit_view(edit: EditSummary, names: dict[str, str]) -> EditView:
    before = clean_text(edit.title_change[0]) if edit.title_change else None
    return EditView(
        story=_single(edit.item, names),
        changed_at=iso_utc(edit.changed_at),
        added=[clean_text(s) for s in edit.added],
        removed=[clean_text(s) for s in edit.removed],
        title_before=before,
        words_added=edit.words_added,
        words_removed=edit.words_removed,
    )


def _figure_view(note: FigureNote) -> FigureView:
    ind, report, previous = note.indicator, note.report, note.previous
    value = report.figure.value
    parts = [f"{format_number(value)} {ind.unit}"]
    if report.figure.period:
        parts.append(f"for {report.figure.period}")
    comparisons = []
    if note.differs_from_baseline:
        comparisons.append(f"baseline {format_number(ind.value)} ({ind.date}, {ind.source})")
    if previous is not None and note.differs_from_previous:
        comparisons.append(
            f"last reported {format_number(previous.figure.value)} ({_date(previous)}, {previous.item.source})"
        )
    summary = f"{ind.name}: {' '.join(parts)}, against {' and '.join(comparisons)}"
    return FigureView(
        indicator=ind.id,
        name=ind.name,
        short=ind.short or ind.name.lower(),
        topic=ind.topic,
        value=value,
        unit=ind.unit,
        period=report.figure.period,
        sentence=clean_text(report.figure.sentence),
        source=clean_text(report.item.source),
        url=safe_url(report.item.url),
        published=iso_utc(report.item.when),
        baseline_value=ind.value,
        baseline_date=ind.date,
        baseline_source=ind.source,
        previous_value=previous.figure.value if previous else None,
        previous_source=clean_text(previous.item.source) if previous else None,
        previous_published=iso_utc(previous.item.when) if previous else None,
        differs_from_baseline=note.differs_from_baseline,
        differs_from_previous=note.differs_from_previous,
        also_reported_by=[clean_text(s) for s in note.also_reported_by],
        summary=clean_text(summary),
    )


def _headlines(
    trends: list[Trend], names: dict[str, str], fresh: list[Story], edited: list[EditView], figures: list[FigureView]
) -> list[Headline]:
    lines = [Headline("figure", f.topic, f.summary, f.short) for f in figures]
    order = {"spike": 0, "back": 1, "lull": 2}
    for t in sorted((t for t in trends if t.flag), key=lambda t: (order[t.flag or ""], -t.this_week)):
        note = _trend_note(t, names.get(t.topic, t.topic))
        lines.append(Headline(t.flag or "", t.topic, note, t.topic.replace("-", " ")))
    if fresh:
        top = fresh[0]
        lead = (
            f"the most widely carried: “{clean_text(top.lead.title)}” ({len(top.sources)} sources)"
            if len(top.sources) > 1
            else f"top story: “{clean_text(top.lead.title)}”"
        )
        lines.append(Headline("new-stories", None, f"{_count(len(fresh), 'new story', 'new stories')}; {lead}"))
    if edited:
        lines.append(Headline("edited", None, f"{_count(len(edited), 'article', 'articles')} edited after publication"))
    return lines


def _trend_note(trend: Trend, name: str) -> str:
    items = _count(trend.this_week, "story", "stories")
    if trend.flag == "back":
        return f"{name} is back: {items} after weeks of silence"
    if trend.flag == "spike":
        return f"{name} rose: {items}, well above the usual {trend.usual}"
    if trend.flag == "lull":
        return f"{name} fell: {items}, well below the usual {trend.usual}"
    return f"{name}: {items}"


def _empty_reason(facts: WeekFacts) -> str:
    where = f"{facts.week} ({facts.week.label()}, {facts.timezone})"
    if facts.crawls == 0:
        return f"Nothing was found for {where}: no crawl finished during that week."
    if facts.feeds and len(facts.feed_problems) >= facts.feeds:
        return f"Nothing was found for {where}: all {facts.feeds} feeds were failing."
    if facts.items_seen == 0:
        failing = f"; {len(facts.feed_problems)} of {facts.feeds} feeds were failing" if facts.feed_problems else ""
        return f"Nothing was found for {where}: the feeds published no items dated in that week{failing}."
    return (
        f"Nothing was found for {where}: {_count(facts.items_seen, 'item was', 'items were')} stored, "
        "none of them about Belarus–Russia relations."
    )


def _bare(sentence: str) -> str:
    return sentence.rstrip(" .!?…").casefold()


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def format_number(value: float | None) -> str:
    """128.5, 1,000, 70: as people write figures; "" for none."""
    if value is None:
        return ""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _date(report: FigureReport) -> str:
    return report.item.when.date().isoformat()


def iso_utc(moment: datetime) -> str:
    """The digest's time format: ISO 8601 to the second, UTC written as Z."""
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
