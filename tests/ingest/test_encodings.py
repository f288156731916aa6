"""Feed encodings: one row a case, the bytes as a server sends them beside the title a reader must see."""

from __future__ import annotations

import pytest

from pipeline.ingest.parse import parse_feed
from tests.support.paths import corpus_path

TITLE = "Союз Беларуси и России: газ по 127 $, объём"


def rss(declared: str | None) -> str:
    prolog = f'<?xml version="1.0" encoding="{declared}"?>' if declared else '<?xml version="1.0"?>'
    return (
        f'{prolog}<rss version="2.0"><channel><title>t</title><item><title>{TITLE}</title>'
        "<link>https://belta.by/1</link></item></channel></rss>"
    )


CASES = [
    # (case, body, Content-Type header)
    ("UTF-8, prolog silent", rss(None).encode("utf-8"), "application/rss+xml"),
    ("UTF-8 with a BOM", b"\xef\xbb\xbf" + rss("utf-8").encode("utf-8"), ""),
    ("windows-1251 named in the prolog", rss("windows-1251").encode("cp1251"), "text/xml"),
    ("windows-1251 named by the server, prolog silent", rss(None).encode("cp1251"),
     "application/rss+xml; charset=windows-1251"),
    ("KOI8-R named in the prolog", rss("koi8-r").encode("koi8-r"), ""),
    ("ISO-8859-5 named in the prolog", rss("iso-8859-5").encode("iso-8859-5"), ""),
    ("UTF-16 with its BOM", rss("utf-16").encode("utf-16"), ""),
]  # fmt: skip


@pytest.mark.parametrize("case,body,content_type", CASES, ids=[c[0] for c in CASES])
def test_feed_encodings(case: str, body: bytes, content_type: str) -> None:
    assert parse_feed(body, name=case, content_type=content_type).entries[0].title == TITLE


@pytest.mark.parametrize(
    "case,declared,content_type",
    [
        ("a real feed re-encoded as windows-1251, named in the prolog", "windows-1251", "text/xml"),
        ("a real feed re-encoded as windows-1251, named by the server", None,
         "application/rss+xml; charset=windows-1251"),
    ],
    ids=["prolog", "server"],
)  # fmt: skip
def test_a_real_feed_in_windows_1251(case: str, declared: str | None, content_type: str) -> None:
    text = corpus_path("feeds", "tut.by_newscloning", "news.tut.by_all.rss").read_bytes().decode("utf-8")
    if declared:
        text = f'<?xml version="1.0" encoding="{declared}"?>\n' + text
    result = parse_feed(text.encode("cp1251", errors="xmlcharrefreplace"), name=case, content_type=content_type)
    assert result.entries[0].title.startswith("Гороскоп наоборот")
