"""The pure judgements behind the digest: spikes and lulls, stories, edits, figures against the baseline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.digest.changes import (
    Edit,
    FigureReport,
    ended,
    figure_notes,
    new_stories,
    stories,
    summarise_edit,
    trend,
    weigh,
)
from pipeline.digest.figures import find_figures, load_indicators
from pipeline.domain import TopicHit, WeekItem

MINSK = ZoneInfo("Europe/Minsk")
ROOT = Path(__file__).resolve().parent.parent.parent
INDICATORS = load_indicators(ROOT / "baseline" / "facts.toml")


@pytest.mark.parametrize(
    ("series", "flag"),
    [
        ([3, 4, 2, 3, 5, 3, 4, 3, 3, 14], "spike"),
        ([3, 4, 2, 3, 5, 3, 4, 3, 3, 4], None),
        ([9, 10, 8, 11, 9, 10, 9, 10, 10, 1], "lull"),
        ([2, 1, 0, 0, 0, 0, 0, 0, 0, 3], "back"),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 2], None),  # never covered before: not "back", and too small for a spike
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0], None),
    ],
)
def test_a_topic_is_flagged_only_well_outside_its_usual_range(series: list[int], flag: str | None) -> None:
    result = trend("bases", series)
    assert result.flag == flag
    assert result.this_week == series[-1] and result.last_week == series[-2]


def item(n: int, source: str, when: datetime, cluster: int, score: float = 3.0, **kw: object) -> WeekItem:
    return WeekItem(
        n, f"title {n}", f"https://e.org/{n}", source, "ru", when, cluster, {"bases": TopicHit(score)}, **kw
    )  # type: ignore[arg-type]


def test_new_stories_are_clusters_first_seen_this_week_ranked_by_sources_then_score() -> None:
    start = datetime(2026, 11, 15, 21, tzinfo=UTC)
    day = timedelta(days=1)
    items = [
        item(1, "BelTA", start + day, cluster=10, score=9.0),
        item(2, "TASS", start + 2 * day, cluster=20),
        item(3, "RIA", start + 2 * day, cluster=20),
        item(4, "Nasha Niva", start + 3 * day, cluster=30, carriers=("Zerkalo", "Onliner")),
        item(5, "TASS", start + day, cluster=40),  # a later copy of a story first seen last week
    ]
    found = stories(items, {40: start - 3 * day})
    fresh = new_stories(found, start)
    assert [s.lead.id for s in fresh] == [4, 2, 1]
    assert fresh[0].sources == ["Nasha Niva", "Zerkalo", "Onliner"]
    assert fresh[1].sources == ["TASS", "RIA"]


def test_stories_weigh_by_outlets_topic_moved_figures_and_continuation() -> None:
    start = datetime(2026, 11, 15, 21, tzinfo=UTC)
    day = timedelta(days=1)

    def on(n: int, source: str, cluster: int, topics: dict[str, TopicHit]) -> WeekItem:
        lead = f"Report {n} goes on beyond its title."
        return WeekItem(n, f"title {n}", f"https://e.org/{n}", source, "ru", start + day, cluster, topics, lead=lead)

    named, broad = {"bases": TopicHit(3.0)}, {"trade": TopicHit(3.0)}
    items = [
        on(1, "TASS", 10, broad), on(2, "RIA", 10, broad), on(3, "BelTA", 10, broad),  # three outlets, trade
        on(4, "BelTA", 20, named),  # one outlet on a baseline topic
        on(5, "Onliner", 30, named),  # one outlet, its figure moved
        on(6, "Zerkalo", 40, named),  # one outlet, last week's story goes on
        on(7, "Zerkalo", 50, {}),  # no topic
    ]  # fmt: skip
    weighed = weigh(stories(items, {}), {"trade": 0.6}, moved={5}, last_week={40})
    # a moved baseline figure outweighs three outlets on a broad topic; three outlets, one on a baseline topic
    assert [w.story.lead.cluster for w in weighed] == [30, 10, 40, 20, 50]
    assert weighed[0].reasons == ("a baseline figure moved",) and weighed[1].reasons == ("3 outlets",)
    assert weighed[2].continuing and not weighed[3].continuing
    # a catalogue's headline with no topic, carried over from last week, stays below a new report that says more
    claim = WeekItem(11, "A claim", "https://e.org/11", "EUvsDisinfo", "en", start + day, 80, {}, lead="A claim")
    later = weigh(stories([claim, on(12, "TASS", 90, {})], {}), {}, moved=set(), last_week={80})
    assert [w.story.lead.cluster for w in later] == [90, 80] and later[1].reasons == ("continues last week",)
    last = stories([on(8, "TASS", 60, named), on(9, "RIA", 60, named), on(10, "RIA", 70, named)], {})
    assert [s.lead.cluster for s in ended(last, {10, 20})] == [60]  # one outlet's story does not "end"


def test_the_two_presidents_calling_each_other_outweigh_a_catalogued_claim() -> None:
    """2020-W33: the presidents' two calls on the unrest had no topic; a catalogued claim with one led the week."""
    when = datetime(2020, 8, 15, 12, tzinfo=UTC)
    integration = {"political-integration": TopicHit(3.0)}
    claim = WeekItem(
        1,
        "Belarus is part of Russia, temporary independence does not change anything",
        "u1",
        "EUvsDisinfo",
        "en",
        when,
        10,
        integration,
        lead="Belarus is part of Russia, temporary independence",
    )
    calls = [
        "Президент Белоруссии рассказал Владимиру Путину о ситуации в республике после выборов",
        "Vladimir Putin and Alexander Lukashenko held a telephone conversation",
        "President of Russia spoke on the phone with the President of Belarus",
    ]  # fmt: skip
    for n, title in enumerate(calls, 2):
        call = WeekItem(
            n,
            title,
            f"u{n}",
            "Channel One",
            "ru",
            when,
            20,
            lead=f"{title}. Both sides spoke at length of what follows the vote.",
        )
        weighed = weigh(stories([claim, call], {}), {"political-integration": 0.7}, moved=set(), last_week=set())
        assert [w.story.lead.id for w in weighed] == [n, 1], title
        assert weighed[0].reasons == ("both presidents",)
    # one president named is not their meeting: a story without a topic stays below the claim
    one = WeekItem(
        9, "Lukashenko spoke about the situation", "u9", "BelTA", "ru", when, 30, lead="He spoke at length today."
    )
    weighed = weigh(stories([claim, one], {}), {"political-integration": 0.7}, moved=set(), last_week=set())
    assert [w.story.lead.id for w in weighed] == [1, 9]


def test_an_edit_is_summarised_as_the_sentences_added_and_removed() -> None:
    when = datetime(2026, 11, 17, tzinfo=UTC)
    old = "Talks began in Minsk. The sides discussed oil. No date was set."
    new = "Talks began in Minsk. The sides discussed oil and gas. No date was set. A deal is due in May."
    summary = summarise_edit(Edit(item(1, "BelTA", when, 1), when, old, new, old_title="Old title"))
    assert summary.added == ("The sides discussed oil and gas.", "A deal is due in May.")
    assert summary.removed == ("The sides discussed oil.",)
    assert summary.title_change == ("Old title", "title 1")
    assert (summary.words_added, summary.words_removed) == (9, 1)  # oil. → oil and gas.; a new sentence


def test_a_figure_is_noted_against_the_baseline_and_the_last_value_reported() -> None:
    when = datetime(2026, 11, 17, tzinfo=UTC)
    [gas] = find_figures("Belarus will pay $135 per 1,000 cubic meters of gas.", INDICATORS)
    [same] = find_figures("Belarus will pay $127 per 1,000 cubic meters of gas.", INDICATORS)
    [before] = find_figures("Belarus will pay $130 per 1,000 cubic meters of gas.", INDICATORS)
    earlier = {"gas-price": FigureReport(before, item(9, "BelTA", when - timedelta(days=20), 9))}
    reports = [
        FigureReport(gas, item(1, "TASS", when, 1)),
        FigureReport(gas, item(2, "RIA", when + timedelta(hours=1), 2)),
    ]
    [note] = figure_notes(INDICATORS, reports, earlier)
    assert note.differs_from_baseline and note.differs_from_previous
    assert note.previous is not None and note.previous.figure.value == 130
    assert note.also_reported_by == ("RIA",)
    assert figure_notes(INDICATORS, [FigureReport(same, item(3, "TASS", when, 3))], {}) == []  # equals baseline


def test_a_story_is_titled_by_the_copy_that_did_not_cut_its_title() -> None:
    when = datetime(2026, 11, 17, 9, tzinfo=UTC)
    cut = WeekItem(1, "on november 24-25, the foreign minister of the republic of", "u1", "MFA", "en", when, 5,
                   {"bases": TopicHit(5.0)}, lead="on november 24-25, the foreign minister of the republic of")  # fmt: skip
    whole = WeekItem(2, "on november 24-25, the foreign minister of the republic of belarus will visit moscow",
                     "u2", "MFA", "en", when, 5)  # fmt: skip
    [story] = stories([cut, whole], {})
    assert story.lead is cut and story.title == whole.title
    update = WeekItem(3, cut.title + " (update)", "u3", "Daily", "en", when, 6)
    full = WeekItem(4, cut.title, "u4", "MFA", "en", when, 6, {"bases": TopicHit(5.0)}, lead=whole.title + ". More.")
    [story] = stories([full, update], {})
    assert story.title == full.title  # its own text goes on: the title was whole, the copy only annotated it


def test_a_story_is_led_by_the_report_the_others_agree_with_not_by_a_reaction() -> None:
    start = datetime(2025, 12, 30, 6, tzinfo=UTC)
    hour = timedelta(hours=1)

    def report(n: int, title: str, lead: str, source: str, hours: int, score: float) -> WeekItem:
        return WeekItem(n, title, f"u{n}", source, "en", start + hours * hour, 8, {"bases": TopicHit(score)}, lead=lead)

    event = report(1, "Oreshnik missile system assumes combat duty in Belarus — Russian top brass",
                   "The Oreshnik missile system has assumed combat duty in Belarus, the Russian Defence Ministry "
                   "said on December 30.", "TASS", 0, 6.0)  # fmt: skip
    reaction = report(2, "Oreshnik deployment proves Union State security guarantees — Gryzlov",
                      "Ambassador Boris Gryzlov said the deployment shows that the Union State's security guarantees "
                      "work.", "TASS", 2, 9.0)  # fmt: skip
    confirmed = report(3, "Belarusian top brass confirms Oreshnik missile system goes on combat duty",
                       "The Belarusian Defence Ministry confirmed on December 30 that the Oreshnik missile system "
                       "has assumed combat duty in Belarus.", "BelTA", 3, 6.0)  # fmt: skip
    [story] = stories([reaction, confirmed, event], {})
    assert story.lead is event  # as central as the confirmation, and earlier
    assert [c.id for c in story.copies] == [2, 3]
    teaser = WeekItem(4, "Oreshnik missile system assumes combat duty in Belarus", "u4", "Channel", "en", start, 8)
    [story] = stories([teaser, event, reaction, confirmed], {})
    assert story.lead is event  # a member without a topic has no evidence to show


def test_of_two_reports_that_agree_the_one_written_in_capitals_heads_the_story() -> None:
    """A ministry's feed lower-cases its posts; the wire's report of the same talks heads the story, though the
    post's topic evidence is the stronger."""
    when = datetime(2025, 10, 31, 9, tzinfo=UTC)
    post = WeekItem(1, "⚡️ defence ministers of russia and belarus discussed military cooperation in almaty", "u1",
                    "MoD", "en", when, 7, {"bases": TopicHit(9.0)})  # fmt: skip
    wire = WeekItem(2, "Russian and Belarusian defence ministries hold talks — Belousov", "u2", "TASS", "en",
                    when + timedelta(hours=1), 7, {"bases": TopicHit(4.0)},
                    lead="ALMATY, October 31. /TASS/. The ministers met on the sidelines of the CSTO council.")  # fmt: skip
    [story] = stories([post, wire], {})
    assert story.lead is wire and story.title == wire.title


def test_a_story_told_by_headlines_alone_weighs_less_than_one_whose_reports_say_more() -> None:
    when = datetime(2026, 11, 16, 9, tzinfo=UTC)
    claim = WeekItem(1, "Belarus is part of Russia", "u1", "Claims catalogue", "en", when, 10,
                     {"political-integration": TopicHit(4.0)}, lead="Home\nBelarus is part of Russia")  # fmt: skip
    call = WeekItem(2, "Putin and Lukashenko spoke by phone", "u2", "Channel One", "ru", when, 20,
                    {"political-integration": TopicHit(4.0)},
                    lead="Putin and Lukashenko spoke by phone about the situation after the election.")  # fmt: skip
    weighed = weigh(stories([claim, call], {}), {"political-integration": 0.7}, moved=set(), last_week=set())
    assert [w.story.lead.id for w in weighed] == [2, 1]
    assert weighed[1].weight == weighed[0].weight / 2


def test_a_cased_report_without_a_topic_heads_the_story_and_the_posts_evidence_is_shown() -> None:
    """A ministry's lower-cased post of a meeting carries the topic; Channel One's report of the same meeting,
    in capitals and lower case, has none. The report heads the story (a reader sees "A meeting of the joint
    board …", not "viktor khrenin: …"), and the story still shows the post's evidence and topic; the post's text,
    cut at a fixed length, is not shown again as a second line."""
    from dataclasses import replace

    from pipeline.digest.build import build_digest
    from pipeline.digest.weeks import Week
    from tests.support.digest_data import simple_week

    facts = simple_week(Week(2025, 42), [("bases", "Other news")])
    when = facts.week_start + timedelta(days=2)
    post = WeekItem(11, "🇷🇺 🇧🇾 viktor khrenin: military cooperation takes special place in relations", "u11",
                    "MoD", "en", when, 11, {"bases": TopicHit(6.0, ("joint exercises of the two armies will go on in "
                    "belarus next year.", "joint exercises of the two armies wi"))})  # fmt: skip
    report = WeekItem(12, "A meeting of the joint board of the defence ministries was held in Moscow", "u12",
                      "Channel One", "en", when + timedelta(hours=2), 11)  # fmt: skip
    [story] = stories([post, report], {})
    assert story.lead is report and story.copies == (post,)
    digest = build_digest(replace(facts, items=[*facts.items, post, report]))
    [shown] = [s for s in digest.stories if s.id == 11]
    assert shown.title.startswith("A meeting of the joint board")
    assert shown.extract == ["Joint exercises of the two armies will go on in belarus next year."]
    assert shown.topics == ["bases"]


def test_a_lead_its_feed_cut_before_it_said_as_much_as_the_headline_gives_way_to_it() -> None:
    from pipeline.digest.build import _lead, _vocabulary

    when = datetime(2020, 11, 13, 11, tzinfo=UTC)
    teaser = "As protests in Belarus enter their third month, one of Russi"  # the feed's summaries stop at 60
    other = WeekItem(
        2, "Russia and Belarus hold talks", "https://e.org/2", "TASS", "en", when, 2, lead="Russian diplomats met."
    )

    def said(title: str, text: str = teaser, text_cut: bool = True) -> str:
        report = WeekItem(1, title, "https://e.org/1", "RT", "en", when, 1, lead=f"{title}\n{text}", text_cut=text_cut)
        week = [report, other]
        lines = _lead(weigh(stories(week, {}), {}, set(), set()), {}, _vocabulary(week))
        return next(line.sentence for line in lines if line.url == "https://e.org/1")

    headline = "Top Russian diplomat says he sees no problem meeting the Belarusian opposition figurehead in Moscow"
    assert said(headline) == headline
    assert said("Lavrov on Belarus") == teaser + "…"  # a short headline: the teaser says more, and is marked cut
    # a feed too thin to show where it cuts: a last word the week never has whole, but longer, says it was cut
    cut = "Western European states are creating a dangerous situation b"
    assert said("No security without Russia – Moscow", cut, text_cut=False) == cut + "…"
    assert said(headline, cut, text_cut=False) == headline
    whole = "Western European states are creating a dangerous situation for Belarus"  # ends in a word the week has
    assert said("No security without Russia – Moscow", whole, text_cut=False) == whole
