"""Publication dates: one row a case, the date as the feed writes it beside the UTC time stored."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipeline.ingest.parse import parse_feed


def rss(pub: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><item><title>a</title>'
        f"<link>https://belta.by/1</link><pubDate>{pub}</pubDate></item></channel></rss>"
    ).encode()


def atom(updated: str, published: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry>'
        f'<title>a</title><id>urn:x</id><link href="https://belta.by/2"/><updated>{updated}</updated>'
        + (f"<published>{published}</published>" if published else "")
        + "</entry></feed>"
    ).encode()


def json_feed(published: str) -> bytes:
    return (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [{"id": "1", '
        f'"url": "https://belta.by/3", "title": "a", "date_published": "{published}"}}]}}'
    ).encode()


ROWS = [
    # (case, body, stored publication time in UTC, or None)
    ("RFC 822 with a numeric zone", rss("Mon, 23 Nov 2026 10:00:00 +0300"), "2026-11-23T07:00:00+00:00"),
    ("RFC 822 in GMT", rss("Mon, 23 Nov 2026 10:00:00 GMT"), "2026-11-23T10:00:00+00:00"),
    ("RFC 822 without the weekday", rss("23 Nov 2026 10:00:00 +0300"), "2026-11-23T07:00:00+00:00"),
    ("RFC 822 without seconds", rss("Mon, 23 Nov 2026 10:00 +0300"), "2026-11-23T07:00:00+00:00"),
    ("ISO 8601 in an RSS pubDate", rss("2026-11-23T10:00:00+03:00"), "2026-11-23T07:00:00+00:00"),
    ("an unreadable date is none", rss("вчера"), None),
    ("an empty date is none", rss(""), None),
    ("Atom: updated stands in for a missing published", atom("2026-11-23T10:00:00Z"), "2026-11-23T10:00:00+00:00"),
    ("Atom: published wins over updated", atom("2026-11-23T10:00:00+03:00", "2026-11-22T09:00:00+03:00"),
     "2026-11-22T06:00:00+00:00"),
    ("Atom: a date alone is midnight UTC", atom("2026-11-23"), "2026-11-23T00:00:00+00:00"),
    ("JSON Feed: RFC 3339 with an offset", json_feed("2026-11-20T10:00:00+03:00"), "2026-11-20T07:00:00+00:00"),
    ("JSON Feed: Z", json_feed("2026-11-20T10:00:00Z"), "2026-11-20T10:00:00+00:00"),
    ("JSON Feed: unreadable", json_feed("20 ноября"), None),
    ("RFC 822 with MSK (feedparser alone reads it as UTC)", rss("Mon, 23 Nov 2026 10:00:00 MSK"),
     "2026-11-23T07:00:00+00:00"),
    ("RFC 822 with EET", rss("Mon, 23 Nov 2026 10:00:00 EET"), "2026-11-23T08:00:00+00:00"),
]  # fmt: skip


@pytest.mark.parametrize("case,body,expected", [pytest.param(*row, id=row[0]) for row in ROWS])
def test_publication_dates(case: str, body: bytes, expected: str | None) -> None:
    published = parse_feed(body, name=case).entries[0].published
    assert published == (datetime.fromisoformat(expected) if expected else None)
