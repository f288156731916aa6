from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.ingest.urls import canonical_url


def test_canonical_form() -> None:
    assert (
        canonical_url("HTTPS://News.TUT.by:443/go/1.html?utm_source=rss&id=5#comments")
        == "https://news.tut.by/go/1.html?id=5"
    )
    assert canonical_url("http://example.org") == "http://example.org/"
    assert canonical_url("http://example.org:8080/a?fbclid=x&gclid=y") == "http://example.org:8080/a"
    assert canonical_url("/news/1", base="https://belta.by/rss") == "https://belta.by/news/1"
    assert canonical_url("javascript:alert(1)") is None
    assert canonical_url("mailto:a@b") is None
    assert canonical_url("") is None


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
