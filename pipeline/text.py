"""Turning feed HTML into plain text: titles, teasers and full texts of feeds are small and often malformed.

Read by the standard library's HTML parser, which knows what a tag is: "Цена < 100 $ и > 50 $" keeps its
figures (a regex took "< 100 $ и >" for a tag), an attribute holding ">" and a comment stay out of the text.
lxml was measured as the other candidate and was slower on these small fragments (benchmarks/text.py).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# an end (or a <br>) of these starts a new line when lines are kept, and a new word always
BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)
HIDDEN = frozenset({"script", "style", "noscript", "template", "head"})  # a <title> outside <head> (SVG) is text
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_LINES = re.compile(r"\s*\n\s*")
_CUT_TAG = re.compile(r"<[a-zA-Z/!]")
# not allowed in XML 1.0 text: C0 controls but tab, LF, CR; surrogates (a JSON "\ud800"); the two non-characters
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MARKUP = re.compile(r"</?[a-zA-Z][^<>]*>|&[#a-zA-Z0-9]+;")
# emoji and other pictographs, regional-indicator flags, keycaps and the joiners and selectors that build them (the
# ranges of a character class)
PICTOGRAPHS = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0f\u200d\u20e3"
# a sentence ends at . ! ? … before a capital, a digit or an opening quote, also where a channel's pictograph
# heads the next one ("… ядерного сдерживания. 📍Базовый принцип …"): "куб. м" and "т. е." do not end one, nor
# does an initial ("А. Лукашенко", "V. Putin") or a title's abbreviation ("St. Petersburg", "Mr. Lavrov"): one
# lookbehind each, as a lookbehind has a fixed width
_ABBREVIATIONS = ("St", "Mr", "Mrs", "Ms", "Dr", "Gen", "Col", "Lt", "Maj", "Prof", "Gov", "Sen", "Adm", "им", "ул")
_NOT_AN_END = "".join(rf"(?<!\b{a}\.)" for a in _ABBREVIATIONS) + r"(?<!\b[A-ZА-ЯЁІЎЇЄҐ]\.)"
_SENTENCE = re.compile(rf"(?<=[.!?…]){_NOT_AN_END}\s+(?=(?:[{PICTOGRAPHS}]+\s*)?[«\"“„'(\[]?[A-ZА-ЯЁІЎЇЄҐ0-9])|\n+")
# a section break ("* * *", as a transcript puts one before the speeches) ends a sentence as a new line does
_BREAK = re.compile(r"(?<!\S)\*\s\*\s\*(?!\S)")


# a keycap digit (2️⃣: the digit, an optional variation selector, the enclosing keycap) and a run of them, spaced
# or not, which a channel writes a number with ("2️⃣ 5️⃣ years")
_KEYCAPS = re.compile("[0-9#*]\ufe0f?\u20e3(?:[ \u00a0]?[0-9#*]\ufe0f?\u20e3)*")


def keycap_digits(text: str) -> str:
    """The number a run of keycap pictographs spells, as digits: "2️⃣ 5️⃣ years" is "25 years", which taking the
    pictographs away would leave as "2 5 years"."""
    if "\u20e3" not in text:
        return text
    return _KEYCAPS.sub(lambda m: "".join(c for c in m.group(0) if c in "0123456789#*"), text)


def clean(text: str) -> str:
    """Drop the characters no feed text can hold: what a stray `&#16;`, `&#0;` or `"\\ud800"` puts in a title."""
    return _FORBIDDEN.sub("", text) if _FORBIDDEN.search(text) else text


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _parsed(fragment: str) -> str:
    reader = _Text()
    reader.feed(fragment)
    if not _CUT_TAG.match(reader.rawdata):  # a tag cut off by the end of the fragment is no text
        reader.close()
    return "".join(reader.parts)


def plain_text(fragment: str | None, *, keep_lines: bool = False) -> str:
    """Tags and entities gone, characters no text can hold dropped; with keep_lines, paragraphs and line
    breaks survive as lines."""
    if not fragment:
        return ""
    text = _parsed(fragment) if ("<" in fragment or "&" in fragment) else fragment
    if _MARKUP.search(text):  # double-escaped markup (&lt;p&gt;) is common in feeds
        text = _parsed(text)
    text = _SPACES.sub(" ", clean(text))
    if keep_lines:
        return _LINES.sub("\n", text).strip()
    return " ".join(text.split())


def cut_short(title: str) -> str:
    """A title its feed cut at a fixed length, marked so for the reader: "… at Lukashenko's r…". The last word
    stays, since a cut as often falls after a whole word as inside one, and the ellipsis says which it may be."""
    return title.rstrip(" ,;:-–—.…") + "…"


def clip(sentence: str, limit: int) -> str:
    """At most `limit` characters, cut at a word and marked with an ellipsis."""
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def sentences(text: str) -> list[str]:
    """Sentences (and lines) of a plain text, stripped, empty ones dropped: the unit of evidence."""
    if "* * *" in text:
        text = _BREAK.sub("\n", text)
    return [part.strip() for part in _SENTENCE.split(text) if part.strip()]


# A wire dateline: "MINSK, October 28. /TASS/.", "МОСКВА, 28 октября. /ТАСС/.". It names the desk, not the event.
# Its parts: the agency between slashes, which marks it anywhere in a text; the day; the place, in capitals
# where it is read as a place ("ST. PETERSBURG"), so that a title standing before it is not taken for one.
_AGENCY = r"/[^/\s][^/]{1,12}/"
_DAY = r"[^./]{3,20}\."
_CAPS = "A-ZА-ЯЁІЎ"
_PLACE = rf"[{_CAPS}][{_CAPS}.'-]*(?: [{_CAPS}][{_CAPS}'-]+)?"
# the Russian wires' other form, the agency after a dash: "МОСКВА, 26 ноя — РИА Новости."
_DASH_AGENCIES = "РИА Новости|RIA Novosti|Sputnik|Спутник|БЕЛТА|BelTA|Интерфакс|Interfax"
_DASH_AGENCY = rf"[-—–]\s*(?:{_DASH_AGENCIES})\b[.,]?"
_DASH_DAY = r"\d{1,2}\s+[^\W\d_]+\.?"
_PLACE_WORD = r"[^\W\d_][^\W\d_ -]*\.?(?:[ -][^\W\d_]+)?"
_DATELINE = re.compile(rf"{_PLACE_WORD},\s+(?:{_DAY}\s*{_AGENCY}\.?|{_DASH_DAY}\s*{_DASH_AGENCY})")
# what every dateline holds, found far faster than a dateline: a text without it has none (benchmarks/classify.py)
_AGENCY_NAMED = re.compile(rf"{_AGENCY}|{_DASH_AGENCIES}")
_PLACE_DAYS = (
    re.compile(rf"\b({_PLACE}),\s+([^./]{{3,20}})\.\s*{_AGENCY}"),
    re.compile(rf"\b({_PLACE}),\s+(\d{{1,2}}\s+[^\W\d_]+)\.?\s*{_DASH_AGENCY}"),
)
# standing alone, as the sentence splitter leaves it, with or without the agency ("МОСКВА, 28 октября.")
_DATELINE_ONLY = re.compile(
    rf"[^\W\d_][^,.]{{1,30}}(?:\.[^,.]{{1,20}})?,\s+(?:{_DAY}\s*{_AGENCY}\.?|(?=[^./]*\d){_DAY})"
)
_AGENCY_ONLY = re.compile(rf"{_AGENCY}\.?")


def without_datelines(text: str) -> str:
    """The text with every wire dateline in it blanked: a feed may put the title before one."""
    return _DATELINE.sub(" ", text) if _AGENCY_NAMED.search(text) else text


# a link to another page of the site, inside the text a page gives: "Смотрите также Российско-белорусские
# переговоры 13 марта 2025 года" (kremlin.ru, 92 of the corpus's 94 such links end in the linked page's date),
# "See also … March 13, 2025", or a line of its own ("Читайте также: …")
_MONTHS_RU = "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
_MONTHS_EN = "January|February|March|April|May|June|July|August|September|October|November|December"
_SEE = ("Смотрите", "Читайте", "Глядзіце", "Чытайце")  # "see" and "read", Russian and Belarusian, before "also"
_RELATED_HINTS = (*(f"{verb} т" for verb in _SEE), "See also", "Read also")
_SEE_ALSO = rf"(?:{'|'.join(_SEE)}) (?:также|таксама)"
_RELATED = re.compile(
    rf"{_SEE_ALSO}\s+\S.{{0,200}}?\s\d{{1,2}}\s+(?:{_MONTHS_RU})\s+\d{{4}}\s+года\b"
    rf"|See also\s+\S.{{0,200}}?\s(?:{_MONTHS_EN})\s\d{{1,2}},\s\d{{4}}\b"
    rf"|^[ \t]*{_SEE_ALSO}:?[^\n]{{0,200}}$"
    r"|^[ \t]*(?:See|Read) also:?[^\n]{0,200}$",
    re.MULTILINE,
)


def without_related(text: str) -> str:
    """The text without the links to other pages a site puts inside it: each would be read as a sentence of
    the report (a topic's evidence "Смотрите также Российско-белорусские переговоры … Белоруссия и Россия …")
    and names what another page is about."""
    return _RELATED.sub(" ", text) if any(hint in text for hint in _RELATED_HINTS) else text


def datelines(text: str) -> list[str]:
    """Every wire dateline in a text, as written."""
    return _DATELINE.findall(text) if _AGENCY_NAMED.search(text) else []


def dateline(text: str) -> tuple[str, str] | None:
    """The place and day of the first wire dateline in a text ("ST. PETERSBURG", "December 21")."""
    if not _AGENCY_NAMED.search(text):  # every dateline names its agency
        return None
    found = [m for m in (p.search(text) for p in _PLACE_DAYS) if m]
    first = min(found, key=lambda m: m.start(), default=None)
    return (first.group(1), first.group(2)) if first else None


def is_dateline(sentence: str) -> bool:
    """Whether a "sentence" is only a wire dateline: where the reporter stood, never evidence of a subject."""
    return bool(_DATELINE_ONLY.fullmatch(sentence.strip())) or bool(_AGENCY_ONLY.fullmatch(sentence))


# a byline standing alone: "By Jonny Tickle", "Автор: Иван Петров", "Аўтар Ян Кот"
_BYLINE = re.compile(r"(?:by|автор|аўтар|author)\b:?\s+[^\W\d_][\w.'’ -]{1,60}", re.IGNORECASE)


def is_byline(sentence: str) -> bool:
    """Whether a "sentence" is only an author's name: who wrote it, never evidence of a subject. Names only:
    "By air and by land ..." has more words than a name."""
    text = sentence.strip()
    return bool(_BYLINE.fullmatch(text)) and len(text.split()) <= 5


def says_nothing(sentence: str) -> bool:
    """A dateline or a byline alone: where or who, never what; no evidence to quote or to weigh."""
    return is_dateline(sentence) or is_byline(sentence)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """ "1 item", "2 items", "1,204 stories" (`many` where adding an s is wrong)."""
    word = noun if count == 1 else (many or noun + "s")
    return f"{count:,} {word}"
