"""Bytes → text for feeds and pages, from the evidence in the order it deserves, and damage kept to the bytes
that are bad.

Order: a byte-order mark; the server's charset; bytes that are valid UTF-8 (or UTF-8 but for a few stray
bytes); the document's own declaration (XML prolog, HTML <meta>); detection. A label is only believed while
the bytes agree with it: a declared UTF-8 that does not decode, or a declared single-byte charset over bytes
that are valid multi-byte UTF-8 (legacy Cyrillic text is never valid UTF-8 by chance), gives way to the next
piece of evidence. Undecodable bytes become U+FFFD one by one, and characters XML 1.0 forbids (C0 controls,
lone surrogates, U+FFFE/U+FFFF) are dropped, so one bad byte costs one character, not a feed.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from pipeline.text import clean

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# WHATWG Encoding Standard: browsers read these labels as windows-1252, and so do the servers' authors
_LABELS = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
           "ascii": "cp1252", "win-1251": "cp1251", "windows1251": "cp1251", "x-cp1251": "cp1251",
           "x-mac-cyrillic": "mac-cyrillic", "utf8": "utf-8"}  # fmt: skip
_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_PROLOG = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']\s*([\w.:-]+)""", re.I)
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
STRAY_SHARE = 20  # UTF-8 with at most one bad sequence per 20 good multi-byte characters is UTF-8, damaged


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # Python codec name
    evidence: str  # bom, header, utf-8, damaged utf-8, prolog, meta, detected


def charset_of(content_type: str | None) -> str | None:
    found = _CHARSET.search(content_type or "")
    return found.group(1) if found else None


def prolog_encoding(body: bytes) -> str | None:
    found = _PROLOG.match(body[:512].lstrip(b"\xef\xbb\xbf"))
    return found.group(1).decode("ascii") if found else None


def meta_charset(body: bytes) -> str | None:
    found = _META.search(body[:8192])
    return found.group(1).decode("ascii", "ignore") if found else None


def codec(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when nobody knows it ("invalid", "x-user-defined")."""
    if not label:
        return None
    name = _LABELS.get(label.strip().lower(), label.strip().lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(body: bytes, content_type: str | None = "", *, html: bool = False) -> Decoded:
    """Decode a feed (or, with html, a page) body; never raises."""
    for bom, name in BOMS:
        if body.startswith(bom):
            return Decoded(clean(body[len(bom) :].decode(name, errors="replace")), name, "bom")
    utf8 = _utf8_state(body)
    header = codec(charset_of(content_type))
    if header and _agrees(header, utf8):
        return _decoded(body, header, "header")
    if utf8 == "valid":
        return _decoded(body, "utf-8", "utf-8")
    if utf8 == "damaged":
        return _decoded(body, "utf-8", "damaged utf-8")
    declared = codec(meta_charset(body) if html else prolog_encoding(body))
    if declared and _agrees(declared, utf8):
        return _decoded(body, declared, "meta" if html else "prolog")
    return _decoded(body, _detect(body), "detected")


def _utf8_state(body: bytes) -> str:
    """valid; damaged (a few stray bytes among good multi-byte text); ascii-only or not utf-8 (`other`)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "valid" if not text.isascii() else "ascii"
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - body.count(b"\xef\xbf\xbd")
    good = sum(1 for ch in text if ord(ch) > 0x7F) - text.count("\ufffd")
    return "damaged" if good >= STRAY_SHARE * bad else "other"


def _agrees(name: str, utf8: str) -> bool:
    """Whether a declared codec can be right about these bytes."""
    if name == "utf-8":
        return utf8 in ("valid", "ascii")  # damaged UTF-8 is taken up (with its damage) further on
    if name.startswith(("utf-16", "utf-32")):
        return False  # declared without a BOM over bytes that parse as ASCII markup: the label is wrong
    return utf8 != "valid"


def _decoded(body: bytes, name: str, evidence: str) -> Decoded:
    return Decoded(clean(body.decode(name, errors="replace")), name, evidence)


def _detect(body: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    found = codec(best.encoding) if best else None
    return found or "cp1251"  # this subject's feeds are Russian and Belarusian: the likeliest legacy charset
