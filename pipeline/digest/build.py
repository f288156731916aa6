"""The weekly digest as plain data: what the templates render, what the archive stores as JSON.

`build_digest` turns the week's changes (pipeline.digest.changes) into the digest a reader gets: headline changes
first, then a section per topic, new stories, edited articles, figures against the baseline, twelve-week trends
and the feeds that failed. Every string that came from a feed passes through `clean_text` here, so the JSON is
as safe as the HTML.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from pipeline.articles.events import displayed, lead_sentence
from pipeline.digest.changes import (
    BaselineState,
    EditSummary,
    FigureNote,
    FigureReport,
    Story,
    Trend,
    Weighed,
    ended,
    new_stories,
    stories,
    weigh,
)
from pipeline.digest.figures import differs
from pipeline.digest.sanitise import clean_text, safe_url
from pipeline.digest.weeks import Week
from pipeline.domain import LEAD_CHARS, SILENT, WeekItem, is_silent
from pipeline.text import clip, cut_short, says_nothing

TOP_STORIES = 8  # headlines per topic section
SHOWN = 12  # stories shown in full, each once
LEAD_LINES = 5  # at most, and at least 3 when the week has them
FOLLOWUPS = 5  # continuing and ended stories listed
EXTRACT_SENTENCES = 2
TITLE_LIMIT = 160


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
    new: bool = True  # first seen this week
    weight: float = 0.0
    reasons: list[str] = field(default_factory=list)  # why it weighs what it does: outlets, a figure, continuing


@dataclass
class Copy:
    title: str
    source: str
    url: str
    lang: str


@dataclass
class StoryRef:
    """A story named by its headline: in a topic section, or among continuing and ended ones."""

    id: int
    title: str
    url: str
    source: str
    shown: bool  # shown in full in the digest's story list (link to it there), else linked to its report
    note: str = ""


@dataclass
class LeadLine:
    """One sentence of the lead: what one leading story says happened, in its own language."""

    story: int
    sentence: str
    lang: str
    source: str
    url: str
    published: str
    topics: list[str]
    reasons: list[str]


@dataclass
class IndicatorView:
    """Where one baseline figure stands: the documents' value, the latest reported, the change."""

    id: str
    name: str
    short: str
    topic: str
    unit: str
    baseline_value: float
    baseline_date: str
    baseline_source: str
    latest_value: float | None
    latest_period: str | None
    latest_sentence: str
    latest_source: str
    latest_url: str
    latest_published: str
    change: float | None  # latest minus baseline
    change_pct: float | None
    this_week: bool  # the latest value was reported in this digest's week
    summary: str


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
    stories: list[StoryRef]
    more: int  # stories not listed


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

    @property
    def silent(self) -> bool:
        """It answered, with no items: listed, but not a feed that is down."""
        return is_silent(self.error)


def problem_detail(error: str) -> str:
    """A feed's error as shown after "silent since …" or "failing since …" (without a second "silent:")."""
    return error.removeprefix(SILENT + ": ") if is_silent(error) else error


@dataclass
class Digest:
    week: str
    period: str
    timezone: str
    generated_at: str
    totals: dict[str, int]
    headlines: list[Headline]
    lead: list[LeadLine]
    stories: list[StoryView]  # the week's stories, heaviest first, each once
    continuing: list[StoryRef]  # stories carried over from last week, with what is new
    ended: list[StoryRef]  # last week's stories with nothing this week
    baseline: list[IndicatorView]  # where every baseline figure stands, in every digest
    sections: list[Section]
    edited: list[EditView]
    figures: list[FigureView]
    trends: list[TrendView]
    feed_health: list[FeedProblem]
    empty_reason: str | None

    @property
    def quiet(self) -> bool:
        """No story at all this week: mailed as a short note, or not mailed (`mail_quiet_weeks`)."""
        return not self.stories

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Digest:
        """The inverse of to_dict: an archived digest rendered again looks exactly as it did."""

        def story(raw: dict[str, Any]) -> StoryView:
            return StoryView(
                **{
                    **raw,
                    "also_reported_by": [Link(**link) for link in raw["also_reported_by"]],
                    "copies": [Copy(**c) for c in raw.get("copies", [])],
                }
            )

        def ref(raw: dict[str, Any]) -> StoryRef:  # a digest filed before 2026-11 listed whole stories here
            return StoryRef(
                raw["id"], raw["title"], raw.get("url", ""), raw.get("source", ""), raw.get("shown", False),
                raw.get("note", ""),
            )  # fmt: skip

        data = dict(data)
        shown = data.pop("new_stories", None)  # the same, for the story list
        return cls(
            **{
                **data,
                "headlines": [Headline(**h) for h in data["headlines"]],
                "lead": [LeadLine(**x) for x in data.get("lead", [])],
                "stories": [story(s) for s in data.get("stories", shown or [])],
                "continuing": [ref(x) for x in data.get("continuing", [])],
                "ended": [ref(x) for x in data.get("ended", [])],
                "baseline": [IndicatorView(**x) for x in data.get("baseline", [])],
                "sections": [Section(**{**s, "stories": [ref(x) for x in s["stories"]]}) for s in data["sections"]],
                "edited": [EditView(**{**e, "story": story(e["story"])}) for e in data["edited"]],
                "figures": [FigureView(**f) for f in data["figures"]],
                "trends": [TrendView(**t) for t in data["trends"]],
                "feed_health": [FeedProblem(**f) for f in data["feed_health"]],
            }
        )

    def search_text(self) -> str:
        """What `archive search` and the archive page match against: what the week said, not the digest's own
        furniture (a quiet topic's name, the baseline panel's unchanged lines are in every digest)."""
        parts = [self.week, *(h.text for h in self.headlines), *(x.sentence for x in self.lead)]
        for s in self.stories:
            parts.extend([s.title, s.source, *s.extract, *(c.title for c in s.copies)])
        parts.extend(s.name for s in self.sections if s.count)
        parts.extend(f"{b.name} {b.latest_sentence}" for b in self.baseline if b.this_week)
        parts.extend(f"{f.summary} {f.sentence}" for f in self.figures)
        parts.extend(f"{e.story.title} {' '.join(e.added)} {' '.join(e.removed)}" for e in self.edited)
        return " ".join(" ".join(parts).split())


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
    last_week_keys: set[int] = field(default_factory=set)  # story keys of last week's in-scope items
    last_week_items: list[WeekItem] = field(default_factory=list)  # those of stories that may have ended
    baseline: list[BaselineState] = field(default_factory=list)
    edits_total: int = 0  # edits in the week; `edits` holds the largest of them
    topic_weights: dict[str, float] = field(default_factory=dict)


def build_digest(facts: WeekFacts, charts: dict[str, str] | None = None) -> Digest:
    charts = charts or {}
    names = dict(facts.topics)
    found = stories(facts.items, facts.cluster_first_seen)
    fresh = new_stories(found, facts.week_start)
    before = stories(facts.last_week_items, {})
    moved = {n.report.item.id for n in facts.figures}
    weighed = weigh(found, facts.topic_weights, moved, facts.last_week_keys | {s.lead.cluster for s in before})
    shown = {w.story.lead.cluster for w in weighed[:SHOWN]}
    views = [
        _story_view(w.story, names, weighed=w, new=w.story.first_seen >= facts.week_start) for w in weighed[:SHOWN]
    ]
    sections = [_section(topic, names[topic], weighed, shown, facts) for topic, _ in facts.topics]
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
        "continuing": sum(1 for w in weighed if w.continuing),
        "edited": max(facts.edits_total, len(edited)),
        "figures": len(figures),
        "feeds": facts.feeds,
        # a silent feed answered (with no items): a warning, listed, but not a feed that is down
        "feeds_failing": sum(1 for p in facts.feed_problems if not p.silent),
        "feeds_silent": sum(1 for p in facts.feed_problems if p.silent),
        "crawls": facts.crawls,
    }
    this_week = {s.lead.cluster for s in found}
    return Digest(
        week=str(facts.week),
        period=facts.week.label(),
        timezone=facts.timezone,
        generated_at=iso_utc(facts.now),
        totals=totals,
        headlines=_headlines(facts.trends, names, edited, figures, max(facts.edits_total, len(edited))),
        lead=_lead(weighed, names, _vocabulary([*facts.items, *facts.last_week_items])),
        stories=views,
        continuing=[_continuing(w, shown, facts.week_start) for w in weighed if w.continuing][:FOLLOWUPS],
        ended=[
            _ref(s, False, f"last report {s.copies[-1].when.date() if s.copies else s.lead.when.date()}")
            for s in ended(before, this_week)
        ][:FOLLOWUPS],
        baseline=[_indicator_view(b) for b in facts.baseline],
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


_WORD = re.compile(r"[^\W\d_]+")
_ENDED = re.compile(r"[.!?…»\"”')\]]$")


def _words(item: WeekItem) -> list[str]:
    return [w.lower() for w in _WORD.findall(f"{item.title} {item.lead}")]


def _vocabulary(items: list[WeekItem]) -> Counter[str]:
    """How often each word stands whole in the week's titles and texts."""
    return Counter(w for i in items for w in _words(i))


def _mid_word(sentence: str, item: WeekItem, words: Counter[str]) -> bool:
    """Whether `sentence` ends the item's whole text inside a word: its last word stands whole nowhere else in
    the week, but begins longer words there ("… a dangerous situation b", "… one of Russi"). A feed with too few
    items to show where it cuts its teasers still cuts them so."""
    text = " ".join(item.lead.split())
    if len(item.lead) >= LEAD_CHARS or _ENDED.search(sentence) or not text.endswith(" ".join(sentence.split())):
        return False
    found = _WORD.findall(sentence)
    if not found:
        return False
    last = found[-1].lower()
    own = _words(item).count(last)
    return words[last] <= own and any(len(w) > len(last) and w.startswith(last) for w in words)


def _lead(weighed: list[Weighed], names: dict[str, str], words: Counter[str]) -> list[LeadLine]:
    """One sentence for each of the heaviest stories: the three heaviest always, up to five while a story
    still weighs at least half the heaviest."""
    lines = []
    for n, w in enumerate(weighed[:LEAD_LINES]):
        if n >= 3 and w.weight < weighed[0].weight / 2:
            break
        item = w.story.lead
        # a post titled with its channel's name: its first sentence is its headline and states its event
        said = w.story.title if item.headlined_by_text else lead_sentence(w.story.title, item.lead, item.source)
        # no lead of its own: the headline, as the story shows it; else the sentence, marked if its feed cut it,
        # unless the cut came before it said as much as the headline ("As protests in Belarus enter their third
        # month, one of Russi…" under "Top Russian diplomat says 'ready to talk with everyone' …")
        if said == w.story.title:
            said = w.story.shown_title
        else:  # cut where its feed is known to cut, or, where no feed statistic shows it, inside a word
            shown = cut_short(said) if _mid_word(said, item, words) else item.shown(said)
            said = w.story.shown_title if shown != said and len(said) < len(w.story.title) else shown
        sentence = displayed(clean_text(said))
        lines.append(
            LeadLine(
                story=story_id(w.story),
                sentence=sentence,
                lang=item.lang,
                source=clean_text(item.source),
                url=safe_url(item.url),
                published=iso_utc(item.when),
                topics=[t for t in names if any(t in i.topics for i in (item, *w.story.copies))],
                reasons=list(w.reasons),
            )
        )
    return lines


def _ref(story: Story, shown: bool, note: str = "") -> StoryRef:
    return StoryRef(
        story_id(story),
        clip(displayed(clean_text(story.shown_title)), TITLE_LIMIT) or "(untitled)",
        safe_url(story.lead.url),
        clean_text(story.lead.source),
        shown,
        note,
    )


def _continuing(w: Weighed, shown: set[int], week_start: datetime) -> StoryRef:
    items = sorted((w.story.lead, *w.story.copies), key=lambda i: i.when)
    latest = items[-1]
    n = sum(1 for i in items if i.when >= week_start)
    title = clip(displayed(clean_text(latest.shown_title)), 120)
    note = f"{_count(n, 'report', 'reports')} this week; latest: {title} ({clean_text(latest.source)})"
    return _ref(w.story, w.story.lead.cluster in shown, note)


def _section(topic: str, name: str, weighed: list[Weighed], shown: set[int], facts: WeekFacts) -> Section:
    mine = [w.story for w in weighed if any(topic in i.topics for i in (w.story.lead, *w.story.copies))]
    trend = next((t for t in facts.trends if t.topic == topic), None)
    count = len(mine)  # stories, as the trends count them: four copies of one report are one
    return Section(
        topic=topic,
        name=name,
        count=count,
        last_week=trend.last_week if trend else 0,
        flag=trend.flag if trend else None,
        note=_trend_note(trend, name) if trend and trend.flag else "",
        stories=[_ref(s, s.lead.cluster in shown) for s in mine[:TOP_STORIES]],
        more=max(0, len(mine) - TOP_STORIES),
    )


def story_id(story: Story) -> int:
    """The id a story goes by in the digest (its anchor): its story key, or its lone item's id."""
    return story.lead.cluster if story.lead.cluster > 0 else story.lead.id


def _story_view(story: Story, names: dict[str, str], *, weighed: Weighed | None = None, new: bool = True) -> StoryView:
    lead = story.lead
    # the evidence is the lead's, or, where the report that heads the story has no topic (a cased report beside
    # a ministry's lower-cased post that had one), the strongest of another member's
    told = lead if lead.topics else max(story.copies, key=lambda c: c.top_score, default=lead)
    hit = max(told.topics.values(), key=lambda h: h.score, default=None)
    title = clip(displayed(clean_text(story.shown_title)), TITLE_LIMIT)
    extract: list[str] = []
    seen = {_bare(title), _bare(displayed(clean_text(story.title)))}  # the title as its feed cut it, too
    for sentence in hit.evidence if hit else ():  # the evidence may be the title itself: show it once
        line = displayed(clean_text(sentence))
        # once each, and not the start of a sentence already shown: a feed that cuts its text at 60 characters
        # repeats the beginning of its title
        if line and not any(shown.startswith(_bare(line)) for shown in seen) and not says_nothing(line):
            seen.add(_bare(line))
            extract.append(told.shown(line))
    others: dict[str, Link] = {}
    for item in (lead, *story.copies):
        for source in (item.source, *item.carriers):
            if source != lead.source and source not in others:
                others[source] = Link(clean_text(source), safe_url(item.url))
    items = (lead, *story.copies)
    return StoryView(
        id=story_id(story),
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
        copies=[
            Copy(clip(displayed(clean_text(c.shown_title)), TITLE_LIMIT), clean_text(c.source), safe_url(c.url), c.lang)
            for c in story.copies
        ],
        new=new,
        weight=weighed.weight if weighed else 0.0,
        reasons=list(weighed.reasons) if weighed else [],
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
    trends: list[Trend], names: dict[str, str], edited: list[EditView], figures: list[FigureView], total_edits: int
) -> list[Headline]:
    """What moved, beside the lead: figures against the baseline, topics out of their usual range, edits."""
    lines = [Headline("figure", f.topic, f.summary, f.short) for f in figures]
    order = {"spike": 0, "back": 1, "lull": 2}
    for t in sorted((t for t in trends if t.flag), key=lambda t: (order[t.flag or ""], -t.this_week)):
        note = _trend_note(t, names.get(t.topic, t.topic))
        lines.append(Headline(t.flag or "", t.topic, note, t.topic.replace("-", " ")))
    if edited:
        lines.append(Headline("edited", None, f"{_count(total_edits, 'article', 'articles')} edited after publication"))
    return lines


def _indicator_view(state: BaselineState) -> IndicatorView:
    ind, latest = state.indicator, state.latest
    base = f"{format_number(ind.value)} {ind.unit} ({ind.date}, {ind.source})"
    if latest is None:
        return IndicatorView(
            ind.id, ind.name, ind.short or ind.name.lower(), ind.topic, ind.unit, ind.value, ind.date, ind.source,
            None, None, "", "", "", "", None, None, False,
            f"{ind.name}: baseline {base}; no value reported since",
        )  # fmt: skip
    value = latest.figure.value
    change = round(value - ind.value, 4)
    pct = round(change / ind.value * 100, 1) if ind.value else None
    if differs(value, ind.value):
        moved = f"{'+' if change > 0 else '−'}{format_number(abs(change))}" + (
            f" ({'+' if change > 0 else '−'}{format_number(abs(pct or 0))} %)" if pct is not None else ""
        )
    else:
        moved = "unchanged"
    period = f" for {latest.figure.period}" if latest.figure.period else ""
    summary = (
        f"{ind.name}: {format_number(value)} {ind.unit}{period} ({clean_text(latest.item.source)}, "
        f"{latest.item.when.date()}), {moved} against the baseline {base}"
    )
    return IndicatorView(
        id=ind.id,
        name=ind.name,
        short=ind.short or ind.name.lower(),
        topic=ind.topic,
        unit=ind.unit,
        baseline_value=ind.value,
        baseline_date=ind.date,
        baseline_source=ind.source,
        latest_value=value,
        latest_period=latest.figure.period,
        latest_sentence=clean_text(latest.figure.sentence),
        latest_source=clean_text(latest.item.source),
        latest_url=safe_url(latest.item.url),
        latest_published=iso_utc(latest.item.when),
        change=change,
        change_pct=pct,
        this_week=state.this_week,
        summary=clean_text(summary),
    )


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
