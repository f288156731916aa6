"""What changed in a week: the judgements the digest leads with, as pure functions of plain data.

Nothing here reads the clock or the database: the store hands over plain records (`WeekItem`, `Edit`,
`FigureReport`) and the week, and these functions decide what is a spike, what is a new story, what an edit
changed and which figures differ, so that every judgement is testable with numbers written in a test.
"""

from __future__ import annotations

import difflib
import math
import re
import statistics
from dataclasses import dataclass
from datetime import datetime

from pipeline.articles.events import EventItem, keys, similarity, squash
from pipeline.digest.figures import Figure, Indicator, differs
from pipeline.domain import WeekItem
from pipeline.text import clip, sentences

HISTORY_WEEKS = 8  # the usual range of a topic: the eight weeks before the previous one and it
SILENT_WEEKS = 4  # coverage after this many empty weeks is "back"
SPIKE_MIN = 3.0  # a spike is at least this many items above the mean, whatever the spread


@dataclass(frozen=True)
class Trend:
    topic: str
    series: tuple[int, ...]  # stories per week, oldest first, the digest's week last
    this_week: int
    last_week: int
    mean: float  # over the HISTORY_WEEKS before this week
    spread: float  # population standard deviation over the same weeks
    flag: str | None  # "spike", "lull", "back" or None

    @property
    def usual(self) -> str:
        return f"{self.mean:.1f} ± {self.spread:.1f} a week over the previous {HISTORY_WEEKS}"


def trend(topic: str, series: list[int]) -> Trend:
    """Flags a week whose count leaves the topic's usual range by a clear margin."""
    this_week = series[-1]
    last_week = series[-2] if len(series) > 1 else 0
    history = series[-1 - HISTORY_WEEKS : -1] or [0]
    mean = statistics.fmean(history)
    spread = statistics.pstdev(history)
    silent = series[-1 - SILENT_WEEKS : -1]
    flag: str | None = None
    if this_week and len(silent) == SILENT_WEEKS and not any(silent) and any(series[:-1]):
        flag = "back"
    elif this_week >= mean + max(2 * spread, SPIKE_MIN) and this_week >= 2 * mean:
        flag = "spike"
    elif mean >= 4 and this_week <= mean - max(2 * spread, mean / 2):
        flag = "lull"
    return Trend(topic, tuple(series), this_week, last_week, round(mean, 2), round(spread, 2), flag)


@dataclass(frozen=True)
class Story:
    """A story is a cluster of copies; its lead is the report the others agree with most (see `_lead`)."""

    lead: WeekItem
    copies: tuple[WeekItem, ...]  # the others, in order of time
    first_seen: datetime

    @property
    def sources(self) -> list[str]:
        seen: dict[str, None] = {}
        for item in (self.lead, *self.copies):
            for source in (item.source, *item.carriers):
                seen.setdefault(source, None)
        return list(seen)

    @property
    def title(self) -> str:
        """The lead's title, or a copy's that says the same and more where the lead has nothing beyond its title
        (a feed that cut both title and text where another gave the title whole)."""
        return self._titled_by.title

    @property
    def shown_title(self) -> str:
        """The title as a reader sees it: ending in an ellipsis where its feed cut it."""
        return self._titled_by.shown_title

    @property
    def _titled_by(self) -> WeekItem:
        own = self.lead.shown_title.rstrip("….").strip()
        if not own or len(squash(self.lead.lead)) > len(squash(own)):
            return self.lead
        longer = [
            c for c in self.copies if len(c.shown_title) > len(own) and c.shown_title.lower().startswith(own.lower())
        ]
        return max(longer, key=lambda c: len(c.shown_title)) if longer else self.lead

    def score(self, topic: str | None = None) -> float:
        items = (self.lead, *self.copies)
        if topic is None:
            return max(item.top_score for item in items)
        return max((item.topics[topic].score for item in items if topic in item.topics), default=0.0)


def stories(items: list[WeekItem], first_seen: dict[int, datetime]) -> list[Story]:
    """Groups items into stories; `first_seen` has each cluster's earliest time across the whole store."""
    groups: dict[int, list[WeekItem]] = {}
    for item in sorted(items, key=lambda i: (i.when, i.id)):
        groups.setdefault(item.cluster, []).append(item)
    result = []
    for cluster, members in groups.items():
        lead = _lead(members)
        copies = tuple(m for m in members if m is not lead)
        result.append(Story(lead, copies, min(first_seen.get(cluster, members[0].when), members[0].when)))
    return result


def _lead(members: list[WeekItem]) -> WeekItem:
    """The report the other outlets agree with most: it states what they share, the event, where the strongest
    topic evidence was often a reaction ("… proves security guarantees — deputy" over "the missile system assumes
    combat duty") and the first report a preview. Each other outlet counts once, by its closest report, so that
    one channel's reposts do not outvote a wire in another language. Before all that, a headline written in
    capitals and lower case before one a feed lower-cased throughout (the story is headed by its lead: "A meeting
    of the joint board … was held in Moscow", not "viktor khrenin: …"), and a member with a topic before one
    without, whose evidence the story shows first; after it, the stronger evidence, then the earlier."""
    if len(members) == 1:
        return members[0]
    found = [keys(EventItem(m.id, m.when, m.title, m.lead, m.source, m.lang)) for m in members]

    def order(n: int) -> tuple[bool, bool, float, float]:
        item = members[n]
        closest: dict[str, float] = {}
        for j, other in enumerate(found):
            source = members[j].source
            if source != item.source:
                closest[source] = max(closest.get(source, 0.0), min(similarity(found[n], other), 1.0))
        lower_cased = not any(c.isupper() for c in found[n].headline)
        return (lower_cased, not item.topics, -round(sum(closest.values()), 6), -item.top_score)

    return members[min(range(len(members)), key=order)]


def rank(found: list[Story], topic: str | None = None) -> list[Story]:
    """Most sources first, then the best topic score, then the earliest."""
    return sorted(found, key=lambda s: (-len(s.sources), -s.score(topic), s.first_seen, s.lead.id))


HEADLINE_ONLY = 0.5  # the weight of a story told by headlines alone, against one whose reports say more
CONTINUING = 1.5  # a story going on from last week against a new one as widely reported
MORE_WORDS = 5  # words of a report's text beyond its headline's that make it more than a headline ("Home" is not)


_WORDS = re.compile(r"\w+")
# a title that names both presidents (by name or office): mostly their meetings, calls and messages, whatever the
# agenda an event between the two (GUIDE.md: a Lukashenko-Putin meeting is relevant whatever its agenda; of the
# corpus's 219 such titles a contact word marks 175, and most of the rest are contacts too: "📞 on january 19, …",
# "обменялись мнениями", "ответили на вопросы журналистов"). Without a topic it weighs twice a
# story without one, above a catalogued claim told by its headline (2020-W33 led with "Belarus is part of Russia"
# above their two calls on the unrest) and below a report on a topic (at 0.7, 2020-W35's birthday call led above
# Putin's reserve of security forces for Belarus)
LEADERS = 0.5
_SIDES = (
    re.compile(r"путин|putin|пуцін|(?:president|президент)\w*.{0,25}(?:russia|росси|расі)|russian president|"
               r"российск\w* президент|президент\w* рф", re.IGNORECASE),
    re.compile(r"лукашенк|lukashenk|лукашэнк|(?:president|президент)\w*.{0,25}(?:belarus|белорус|беларус)|"
               r"belarusian president|белорусск\w* президент", re.IGNORECASE),
)  # fmt: skip


def _leaders(items: tuple[WeekItem, ...]) -> bool:
    """Whether a report's title names both presidents (by name or office)."""
    return any(all(side.search(item.title) for side in _SIDES) for item in items)


def _says_more(item: WeekItem) -> bool:
    headline = set(_WORDS.findall(item.title.lower()))
    return sum(1 for word in _WORDS.findall(item.lead.lower()) if word not in headline) >= MORE_WORDS


@dataclass(frozen=True)
class Weighed:
    """A story with what makes it lead: the weight and the reasons a reader is shown."""

    story: Story
    weight: float
    reasons: tuple[str, ...]
    continuing: bool


def weigh(found: list[Story], topic_weights: dict[str, float], moved: set[int], last_week: set[int]) -> list[Weighed]:
    """Stories heaviest first. How widely a story ran counts by independent outlets, on a log scale (the tenth
    outlet adds less than the second); its heaviest topic multiplies that (a story with no topic counts a
    quarter, half where a title names both presidents); a baseline figure it reports that moved adds one. A story
    none of whose reports says more than its headline (a catalogue of claims, a feed of bare titles whose pages
    gave no text) counts its outlets and topics at half: a headline alone is the weakest evidence of an event.
    Continuing last week's story multiplies what its outlets and topics give by CONTINUING: that it goes on says
    the story matters as much as it did, so a carried-over catalogue headline stays below a new report that says
    more (a flat bonus let it lead the week).
    `moved`: ids of items that stated a figure differing from the baseline or the last one reported;
    `last_week`: story keys seen last week."""
    out = []
    for story in found:
        items = (story.lead, *story.copies)
        outlets = len(story.sources)
        topics = {t for item in items for t in item.topics}
        leaders = _leaders(items)
        weights = [topic_weights.get(t, 1.0) for t in topics] + ([LEADERS] if leaders else [])
        topic = max(weights, default=0.25)
        figure = any(item.id in moved for item in items)
        continuing = story.lead.cluster in last_week
        told = 1.0 if any(_says_more(i) for i in items) else HEADLINE_ONLY
        spread = (1 + math.log2(outlets)) * topic * told * (CONTINUING if continuing else 1.0)
        weight = spread + (1.0 if figure else 0.0)
        reasons = [f"{outlets} outlets"] if outlets > 1 else []
        if figure:
            reasons.append("a baseline figure moved")
        if leaders:
            reasons.append("both presidents")
        if continuing:
            reasons.append("continues last week")
        out.append(Weighed(story, round(weight, 3), tuple(reasons), continuing))
    return sorted(out, key=lambda w: (-w.weight, w.story.first_seen, w.story.lead.id))


def ended(last_week: list[Story], this_week: set[int]) -> list[Story]:
    """Last week's stories carried by more than one outlet that had nothing this week, widest first."""
    return rank([s for s in last_week if s.lead.cluster not in this_week and len(s.sources) > 1])


def new_stories(found: list[Story], week_start: datetime) -> list[Story]:
    return rank([s for s in found if s.first_seen >= week_start])


@dataclass(frozen=True)
class Edit:
    item: WeekItem
    changed_at: datetime
    old_text: str
    new_text: str
    old_title: str = ""


@dataclass(frozen=True)
class EditSummary:
    item: WeekItem
    changed_at: datetime
    added: tuple[str, ...]
    removed: tuple[str, ...]
    title_change: tuple[str, str] | None
    words_added: int
    words_removed: int


def summarise_edit(edit: Edit, limit: int = 2) -> EditSummary:
    """Which sentences came and went, and how many words: what a reader wants to know of an edit."""
    old, new = sentences(edit.old_text), sentences(edit.new_text)
    added: list[str] = []
    removed: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            removed.extend(old[i1:i2])
        if tag in ("insert", "replace"):
            added.extend(new[j1:j2])
    words = difflib.SequenceMatcher(a=edit.old_text.split(), b=edit.new_text.split(), autojunk=False)
    words_added = words_removed = 0
    for tag, i1, i2, j1, j2 in words.get_opcodes():
        if tag != "equal":
            words_removed += i2 - i1
            words_added += j2 - j1
    title_change = (edit.old_title, edit.item.title) if edit.old_title and edit.old_title != edit.item.title else None
    return EditSummary(
        edit.item,
        edit.changed_at,
        tuple(clip(s, 300) for s in added[:limit]),
        tuple(clip(s, 300) for s in removed[:limit]),
        title_change,
        words_added,
        words_removed,
    )


@dataclass(frozen=True)
class FigureReport:
    """A figure and the item that stated it."""

    figure: Figure
    item: WeekItem


@dataclass(frozen=True)
class FigureNote:
    indicator: Indicator
    report: FigureReport
    previous: FigureReport | None  # the last value reported before this one, if any
    differs_from_baseline: bool
    differs_from_previous: bool
    also_reported_by: tuple[str, ...]


def figure_notes(
    indicators: list[Indicator], this_week: list[FigureReport], earlier: dict[str, FigureReport]
) -> list[FigureNote]:
    """A note for each figure this week that differs from the baseline or from the last value reported.

    `earlier` holds, per indicator, the last report before the week. The same value from several sources is
    one note; each distinct value is compared with the one reported before it.
    """
    by_id = {i.id: i for i in indicators}
    notes: list[FigureNote] = []
    last = dict(earlier)
    seen: dict[tuple[str, float], int] = {}
    for report in sorted(this_week, key=lambda r: (r.item.when, r.item.id)):
        indicator = by_id.get(report.figure.indicator)
        if indicator is None:
            continue
        key = (indicator.id, report.figure.value)
        if key in seen:
            note = notes[seen[key]]
            if report.item.source not in (note.report.item.source, *note.also_reported_by):
                notes[seen[key]] = _with_source(note, report.item.source)
            continue
        previous = last.get(indicator.id)
        from_baseline = differs(report.figure.value, indicator.value)
        from_previous = previous is not None and differs(report.figure.value, previous.figure.value)
        last[indicator.id] = report
        if from_baseline or from_previous:
            seen[key] = len(notes)
            notes.append(FigureNote(indicator, report, previous, from_baseline, from_previous, ()))
    return notes


@dataclass(frozen=True)
class BaselineState:
    """Where one indicator stands at the end of a week: the last value reported (None: none since the
    baseline), and whether that report fell in the week."""

    indicator: Indicator
    latest: FigureReport | None
    this_week: bool


def _with_source(note: FigureNote, source: str) -> FigureNote:
    return FigureNote(
        note.indicator,
        note.report,
        note.previous,
        note.differs_from_baseline,
        note.differs_from_previous,
        (*note.also_reported_by, source),
    )
