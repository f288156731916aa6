"""URL identity: one row a case, the link as a feed gives it beside the key the item is stored under."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.domain import host_of
from pipeline.ingest.urls import canonical_url

CASES = [
    # (case, link, base, canonical key)
    ("scheme and host lower-cased, default port and fragment dropped",
     "HTTPS://News.TUT.by:443/go/1.html#comments", None, "https://news.tut.by/go/1.html"),
    ("utm_* removed, real parameters kept", "https://news.tut.by/go/1.html?utm_source=rss&id=5", None,
     "https://news.tut.by/go/1.html?id=5"),
    ("click ids removed", "http://example.org:8080/a?fbclid=x&gclid=y", None, "http://example.org:8080/a"),
    ("yclid and _openstat removed", "https://ria.ru/a.html?yclid=1&_openstat=x", None, "https://ria.ru/a.html"),
    ("a bare host gets its root path", "http://example.org", None, "http://example.org/"),
    ("a trailing dot on the host dropped", "https://belta.by./news/1", None, "https://belta.by/news/1"),
    ("a non-default port kept", "https://belta.by:8443/news/1", None, "https://belta.by:8443/news/1"),
    ("a relative link resolved against the feed", "/news/1", "https://belta.by/rss", "https://belta.by/news/1"),
    ("white space around the link ignored", "  https://belta.by/news/1 \n", None, "https://belta.by/news/1"),
    ("an IPv6 literal keeps its brackets", "http://[::1]:8080/a", None, "http://[::1]:8080/a"),
    ("an IDN host becomes punycode", "https://президент.рф/news/1", None, "https://xn--d1abbgf6aiiy.xn--p1ai/news/1"),
    ("an upper-case IDN host too", "https://ПРЕЗИДЕНТ.РФ/news/1", None, "https://xn--d1abbgf6aiiy.xn--p1ai/news/1"),
    ("a raw Cyrillic path is percent-encoded", "https://belta.by/новости/2", None,
     "https://belta.by/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/2"),
    ("escapes in lower case are upper-cased", "https://belta.by/a/%d0%b1", None, "https://belta.by/a/%D0%B1"),
    ("dot segments resolved", "https://belta.by/a/./b/../c", None, "https://belta.by/a/c"),
    ("query parameters sorted", "https://ria.ru/5?b=2&a=1", None, "https://ria.ru/5?a=1&b=2"),
    ("Yandex's ysclid removed", "https://ria.ru/6?ysclid=lq2x8&id=3", None, "https://ria.ru/6?id=3"),
    ("Matomo's mtm_ and HubSpot's _hsenc removed", "https://ria.ru/7?mtm_campaign=x&_hsenc=y", None,
     "https://ria.ru/7"),
    ("a real parameter that looks like nothing is kept", "https://belta.by/news?id=5&page=2", None,
     "https://belta.by/news?id=5&page=2"),
    ("javascript: is no article", "javascript:alert(1)", None, None),
    ("mailto: is no article", "mailto:a@b", None, None),
    ("an empty link is none", "", None, None),
    ("a port that is not a number is none", "http://example.org:port/a", None, None),
]  # fmt: skip


@pytest.mark.parametrize("case,link,base,expected", CASES, ids=[c[0] for c in CASES])
def test_canonical_url(case: str, link: str, base: str | None, expected: str | None) -> None:
    assert canonical_url(link, base=base) == expected


@given(
    st.from_regex(
        r"https?://[a-zA-Z]{1,10}\.(by|ru|com)(/[a-z0-9]{0,8}){0,3}(\?[a-z]{1,4}=[a-z0-9]{0,4}(&utm_[a-z]{1,5}=[a-z]{1,3})?)?(#[a-z]{0,5})?",
        fullmatch=True,
    )
)
def test_canonical_url_is_idempotent_and_drops_tracking(url: str) -> None:
    once = canonical_url(url)
    assert once is not None
    assert canonical_url(once) == once
    assert "utm_" not in once and "#" not in once


@given(
    st.from_regex(
        r"(HTTPS?|https?)://[a-zA-Z0-9.-]{1,20}(:[0-9]{2,4})?(/[A-Za-z0-9._~%-]{0,8}){0,4}/?"
        r"(\?(utm_[a-z]{1,6}|fbclid|rss|yclid)=[a-z0-9-]{0,5}(&utm_[a-z]{1,5}=[a-z]{0,3}){0,2})?(#[a-z]{0,3})?",
        fullmatch=True,
    ),
    st.sampled_from(["", "https://news.example.by/feed/", "http://127.0.0.2:8000/rss"]),
)
def test_the_fast_path_for_plain_links_agrees_with_w3lib(url: str, base: str) -> None:
    """Plain links, and links whose only parameters are trackers, skip w3lib and an absolute link skips urljoin
    (together a sixth of the cost); the key must be the one w3lib would give."""
    import re

    from pipeline.ingest import urls

    fast = canonical_url(url, base)
    saved, urls._PLAIN_PATH = urls._PLAIN_PATH, re.compile(r"(?!)")  # nothing is plain: every link through w3lib
    try:
        assert fast == canonical_url(urljoin(base, url) if base else url)
    finally:
        urls._PLAIN_PATH = saved


@pytest.mark.parametrize(
    "url,host",
    [
        ("https://NEWS.Tut.By/economy/1.html", "news.tut.by"),
        ("http://127.0.0.2:8080/feed.xml", "127.0.0.2"),
        ("tg:channel/12", ""),
        ("http://[::1/broken", ""),  # a link no parser can read: no host, and nothing raised at the feed's item
        ("", ""),
    ],
)
def test_a_link_has_one_host_for_politeness_leases_and_outlets(url: str, host: str) -> None:
    assert host_of(url) == host
