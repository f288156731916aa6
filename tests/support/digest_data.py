"""A week of plain digest data written by hand, for tests that need no store: a hostile feed's items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pipeline.digest.build import FeedProblem, WeekFacts
from pipeline.digest.changes import Trend, trend
from pipeline.digest.weeks import Week, weeks_ending
from pipeline.domain import TopicHit, WeekItem

WEEK = Week(2026, 47)
TOPICS = [
    ("union-programmes", "Union programmes"),
    ("tax-code", "Tax code"),
    ("bases", "Russian bases and forces"),
    ("energy-prices", "Energy prices and supply"),
]


def facts(
    week: Week,
    items: list[WeekItem],
    trends: list[Trend],
    *,
    now: datetime,
    problems: list[FeedProblem] | None = None,
    seen: int = 0,
    feeds: int = 4,
    crawls: int = 10,
) -> WeekFacts:
    return WeekFacts(
        week=week,
        timezone="Europe/Minsk",
        now=now,
        topics=TOPICS,
        items=items,
        cluster_first_seen={},
        trend_weeks=weeks_ending(week, 12),
        trends=trends,
        edits=[],
        figures=[],
        feed_problems=problems or [],
        items_seen=seen or len(items),
        feeds=feeds,
        crawls=crawls,
        week_start=week.start(ZoneInfo("Europe/Minsk")),
    )


def hostile_week(beacon: str) -> WeekFacts:
    """Titles, evidence and links carrying scripts, handlers, javascript: links and CSS tricks."""
    tricks = [
        f"<script>document.title='pwned';fetch('{beacon}/script')</script>Gas deal signed",
        f"<img src=x onerror=\"document.body.innerHTML='pwned';new Image().src='{beacon}/img'\">Base in Baranovichi",
        "<a href=\"javascript:document.body.innerHTML='pwned'\">Tax code</a> &lt;script&gt;alert(1)&lt;/script&gt;",
        f'<style>body{{display:none}} *{{background:url({beacon}/css)}}</style><div style="position:fixed;'
        f'top:0;left:0;width:100%;height:100%;background:url({beacon}/div)">Programmes</div> 80% implemented',
        f'<iframe src="{beacon}/frame"></iframe><svg onload="document.body.innerHTML=\'pwned\'"></svg>Союзные программы',
    ]
    links = [
        "javascript:document.body.innerHTML='pwned'",
        f"data:text/html,<script>fetch('{beacon}/data')</script>",
        "https://example.org/news/1",
        " JaVaScRiPt:alert(1)",
        "https://example.org/news/2",
    ]
    when = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    items = [
        WeekItem(
            id=n + 1,
            title=title,
            url=link,
            source=f'<b onmouseover="alert(1)">Feed {n}</b>',
            lang="en",
            when=when,
            cluster=n + 1,
            topics={TOPICS[n % 4][0]: TopicHit(5.0, (title, f"<script>fetch('{beacon}/evidence')</script>Evidence."))},
        )
        for n, (title, link) in enumerate(zip(tricks, links, strict=True))
    ]
    trends = [trend(topic, [0] * 8 + [1, 0, 1, 2 if n == 3 else 1]) for n, (topic, _) in enumerate(TOPICS)]
    broken = FeedProblem(
        "<script>fetch('x')</script>Broken feed", "https://example.org/rss", None, "<img src=x onerror=alert(1)>", 3
    )
    return facts(WEEK, items, trends, now=datetime(2026, 11, 23, 22, 0, tzinfo=UTC), problems=[broken], seen=9, feeds=3)


def quiet_week() -> WeekFacts:
    """An ordinary week: a few real-looking stories, a spike in energy prices, one failing feed."""
    when = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    titles = [
        ("energy-prices", "Минск и Москва согласовали цену на газ на 2027 год", "ru"),
        ("energy-prices", "Belarus and Russia agree 2027 gas price", "en"),
        ("energy-prices", "Газавая цана для Беларусі на 2027 год", "be"),
        ("union-programmes", "Совмин Союзного государства обсудил выполнение союзных программ", "ru"),
        ("bases", "Russian air defence units arrive in Belarus for joint drills", "en"),
    ]
    items = [
        WeekItem(
            id=n + 1,
            title=title,
            url=f"https://news.example.org/{n + 1}",
            source=["BelTA", "TASS", "Nasha Niva", "RIA", "Reuters"][n],
            lang=lang,
            when=when,
            cluster=n + 1,
            topics={topic: TopicHit(4.0, (f"{title}.", "The sides signed the protocol in Minsk."))},
        )
        for n, (topic, title, lang) in enumerate(titles)
    ]
    series = {"energy-prices": [1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 5]}
    trends = [trend(topic, series.get(topic, [0] * 11 + [1 if topic != "tax-code" else 0])) for topic, _ in TOPICS]
    onliner = FeedProblem("Onliner", "https://onliner.example/rss", "2026-11-20T10:00:00Z", "HTTP 503", 4)
    return facts(
        WEEK, items, trends, now=datetime(2026, 11, 23, 5, 0, tzinfo=UTC), problems=[onliner], seen=12, crawls=40
    )


def simple_week(week: Week, stories: list[tuple[str, str]], feeds: int = 4) -> WeekFacts:
    """A week holding the given (topic, title) stories, one source each."""
    when = week.start(ZoneInfo("Europe/Minsk")) + timedelta(days=2)
    items = [
        WeekItem(n + 1, title, f"https://news.example.org/{week}/{n}", f"Source {n}", "en", when, n + 1,
                 {topic: TopicHit(3.0, (f"{title} was discussed.",))})
        for n, (topic, title) in enumerate(stories)
    ]  # fmt: skip
    counts = {topic: sum(1 for t, _ in stories if t == topic) for topic, _ in TOPICS}
    trends = [trend(topic, [1] * 11 + [counts[topic]]) for topic, _ in TOPICS]
    return facts(week, items, trends, now=week.end(ZoneInfo("Europe/Minsk")), feeds=feeds)
