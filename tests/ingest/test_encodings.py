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
    # the cases miniflux tests (internal/reader/encoding, internal/reader/xml), as Russian feeds
    ("KOI8-R named by the server only", rss(None).encode("koi8-r"), "application/rss+xml; charset=KOI8-R"),
    ("KOI8-R by the server over a prolog naming windows-1251", rss("windows-1251").encode("koi8-r"),
     "text/xml; charset=koi8-r"),
    ("windows-1251 bytes under a prolog that says UTF-8", rss("utf-8").encode("cp1251"), ""),
    ("UTF-8 bytes under a prolog that says windows-1251", rss("windows-1251").encode("utf-8"), ""),
    ("UTF-8 bytes under a prolog that says ISO-8859-1", rss("ISO-8859-1").encode("utf-8"), ""),
    ("a UTF-8 BOM against a prolog naming windows-1251", b"\xef\xbb\xbf" + rss("windows-1251").encode("utf-8"), ""),
    ("an encoding label nobody knows, UTF-8 bytes", rss("invalid").encode("utf-8"), ""),
    ("an encoding label nobody knows, windows-1251 bytes", rss("invalid").encode("cp1251"), ""),
    ("no label anywhere, windows-1251 bytes", rss(None).encode("cp1251"), ""),
    ("no label anywhere, KOI8-R bytes", rss(None).encode("koi8-r"), ""),
    ("UTF-8 served as ISO-8859-1 (a server default)", rss(None).encode("utf-8"), "text/xml; charset=iso-8859-1"),
    ("UTF-8 served with a charset nobody knows", rss(None).encode("utf-8"), "text/xml; charset=utf-9"),
    ("a control character (0x10) in the title", rss("utf-8").replace("газ", "газ\x10").encode(), ""),
    ("a control character as a reference (&#16;)", rss("utf-8").replace("газ", "газ&#16;").encode(), ""),
    ("NUL as a reference (&#0;)", rss("utf-8").replace("газ", "газ&#0;").encode(), ""),
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


@pytest.mark.parametrize("declared", ["utf-8", None], ids=["prolog says UTF-8", "prolog silent"])
def test_one_stray_byte_damages_one_character_not_the_feed(declared: str | None) -> None:
    body = (
        rss(declared)
        .replace("</channel>", "<item><title>Газ для Беларуси</title><link>https://belta.by/2</link></item></channel>")
        .encode("utf-8")
    )
    body = body.replace("газ по".encode(), "газ".encode() + b"\xff" + " по".encode())
    titles = [e.title for e in parse_feed(body, name="stray byte").entries]
    assert titles == [TITLE.replace("газ по", "газ\ufffd по"), "Газ для Беларуси"]


def test_a_json_feed_title_with_a_lone_surrogate_is_cleaned() -> None:
    body = b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "url": "https://belta.by/1", '
    body += b'"title": "\\ud800\xd0\x93\xd0\xb0\xd0\xb7"}]}'
    assert parse_feed(body, name="surrogate").entries[0].title == "Газ"
