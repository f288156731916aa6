"""Imported by the forkserver before it forks any worker: runs one tiny extraction so that the lazy
one-time set-up inside trafilatura, htmldate, lxml and py3langid happens once, not in every worker on
its first real page (about a second each)."""

from pipeline.extract import extract_article, from_feed_text
from pipeline.jobs import classifying  # noqa: F401  (imported once here, not in every worker)

_PAGE = (
    b"<html><head><title>Warm-up</title><meta property='og:site_name' content='UnionWatch'></head><body><article>"
    + b"<p>"
    + "Союзное государство Беларуси и России обсуждает программы интеграции. ".encode() * 12
    + b"</p>"
    + b"<p>"
    + b"The Union State programmes were discussed at length by both governments. " * 12
    + b"</p>"
    + b"</article></body></html>"
)

extract_article(_PAGE, url="https://example.org/warm-up", need_date=True)
from_feed_text("Саюзная дзяржава абмяркоўвае праграмы інтэграцыі. " * 10)
