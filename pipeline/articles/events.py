"""Which items report the same event, across outlets and languages: the story an analyst counts once.

A copy of a wire report shares its sentences (MinHash finds those, in `fingerprint`), but four outlets on one
visit, a Telegram repost with a new first line, or an English and a Russian report of one treaty share much
less: the people, places and bodies they name, the figures they give, and (within one language) the words of
the lead. So an item is reduced to three weighted key sets, taken from its headline and lead only (what an
outlet says first is the event; what follows is background every report on the subject repeats):

- names: capitalised words, transliterated to Latin and cut to a prefix, so that Орешник and Oreshnik,
  Минске and Minsk, Шойгу and Shoigu are one key (Russian, Belarusian and English inflect the end of a name);
- figures: numbers other than bare years and small counts;
- words: stems of the other words, which only items in one language can share;
- the wire dateline's place and day, which joins statements filed from one occasion when they share a key, and
  whose place is a name another outlet's report of the event may give (ALMATY in the wire, Almaty in a post);
- where the optional embeddings are installed (`pipeline.articles.meaning`), the meaning of the headline and
  lead: two reports whose vectors are close enough are one event whatever their keys, which is what joins an
  English and a Russian report that share no name in one script; two statements from one wire dateline need
  less closeness, and then count as plainly one occasion (a summit's dozen reports).

Names every report on the subject carries (Belarus, Russia, Putin, Lukashenko, the Union State) weigh little;
a story needs shared names beyond them. Pure: values in, groups out; the thresholds were calibrated on hand-
labelled pairs from the corpus (`unionwatch eval-stories` reports precision and recall on them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property

import numpy as np

from pipeline.text import PICTOGRAPHS, clip, dateline, keycap_digits, sentences, without_datelines
from pipeline.topics.morph import stem

WINDOW = timedelta(days=2)  # reports of one event further apart than this are a continuing story, not copies
LEAD_CHARS = 420
NAME_PREFIX = 5
SAME_EVENT = 0.35  # similarity at or above which two items report one event (eval-stories: P 0.958, R 0.667)
# a match this strong joins two stories (a bridge), or lets a story take a report past the window from its
# start. Grouped on the labelled pairs (eval-stories), by keys / with meaning: without P 0.982 / 0.976, R 0.649
# / 0.708; at 0.6 P 0.970 / 0.964, R 0.743 / 0.784; at 0.5 P 0.970 / 0.965, R 0.760 / 0.813. Read on the whole
# corpus, 16 of the 19 stories such matches put together are one occasion (eval/README.md)
MERGE_AT = 0.5
# A match below MERGE_AT still extends a story past the window from its start, or bridges two stories, when
# it is corroborated: the report matches this many of the story's reports of the window (of each story, for a
# bridge). A story drifts from event to event through one report at a time; a run of reports on one event
# (gas talks over the New Year, a school shooting's developments) match each other by the handful.
# Grouped on the labelled pairs, with meaning: 0.965 / 0.813 without, 0.973 / 0.836 with it (eval/README.md).
CORROBORATED = 2
# cosine of two items' multilingual-e5 vectors (headline and lead) at which they are one event whatever their
# keys: e5's similarities are compressed (unrelated news on the subject scores 0.8), so the bar is high.
# `eval-stories --meaning`, pairwise / grouped: 0.90 gives P 0.956 / 0.948, R 0.760 / 0.749; 0.91 P 0.962 /
# 0.954, R 0.731 / 0.725; 0.92 P 0.960 / 0.967, R 0.702 / 0.684 (keys alone: R 0.667)
SAME_MEANING = 0.91
# across scripts (an English and a Russian report) e5 places even translations lower: one event's English and
# Russian reports in the labelled pairs score 0.82-0.93, different events 0.78-0.83
SAME_MEANING_ACROSS = 0.86
# two statements a wire filed from one place on one day (one dateline) are one occasion at a lower bar of
# meaning: a summit, a conference or an address gives a dozen reports that share no name beyond the leaders'.
# Such a match counts as plain as MERGE_AT, so it extends a story begun with the summit's announcement days
# before and bridges two. Grouped with meaning: 0.973 / 0.848 without; 0.974 / 0.866 at 0.88. The labelled pairs
# hold no two events of one dateline, so the bar was set by reading what it joins across the corpus: at 0.88,
# twelve stories, one of them plainly two events; 0.87 adds two doubtful of six (eval/README.md)
SAME_MEANING_DATELINE = 0.88

_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
        "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
        "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
        "э": "e", "ю": "iu", "я": "ia", "і": "i", "ў": "u", "ї": "i", "є": "e", "ґ": "g",
    }
)  # fmt: skip
# Then both scripts are folded alike: English spells х as kh or h, й and ы as y, ю as yu; folding kh→h, y→i,
# j→i, w→v makes Shoigu/Шойгу, Khrenin/Хренин and Yuri/Юрий meet.
_FOLD = (("kh", "h"), ("y", "i"), ("j", "i"), ("w", "v"), ("x", "ks"))
_NOT_WORD = re.compile(r"[\W_]+")
_SPACES = re.compile(r"\s+")
_LINE_BEFORE_CAPITAL = re.compile(rf"[ \t]*\n\s*(?=[{PICTOGRAPHS} ]*[A-ZА-ЯЁІЎЇЄҐ0-9«\"“])")
_PICTOGRAPHS = re.compile(f"[{PICTOGRAPHS}]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([:;,!?])")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d+(?:[.,]\d+)?", re.UNICODE)
# Telegram's markdown, and its link texts ("Топор Live. Подписаться"), which name the channel, not the event
_MARKUP = re.compile(r"\*\*|__|\[[^\]]*\]\([^)]*\)|https?://\S+|#")
# an aggregator's "Headline - Outlet" (Google News' form; "|" and dashes too)
_ATTRIBUTION = re.compile(r"\s+[-–—|]\s+[^-–—|]{2,40}$")
_PROMPT = re.compile(r"подпис\w+ на|читайте|subscribe|follow us|падпіс\w+ на|https?://|t\.me/", re.IGNORECASE)
# a sentence that goes on from the one before it ("Кроме того, …", "There they noted …", "He said …") states no
# event by itself: a post's second paragraph on another matter, or a pronoun whose person is in the headline
_GOES_ON = re.compile(
    r"(?:кроме того|помимо (?:этого|того)|также|а также|при этом|тем временем|в свою очередь|вместе с тем|однако|"
    r"там|тогда|он|она|оно|они|это|этот|эта|эти|акрамя таго|таксама|ён|яна|яны|moreover|also|meanwhile|"
    r"in addition|additionally|however|besides|furthermore|he|she|it|they|this|these|there)\b",
    re.IGNORECASE,
)
# a sentence that points back at what it does not name ("В декабре прошло уже четыре подобные акции", "Такое
# решение принято …", "Напомним, что …") is the report's background: the event is in the sentence it points at.
# "similar" in the plural, a count of "such", or a sentence opening on them ("таких судов" within a sentence points
# at its own words)
_REFERS_BACK = re.compile(
    r"^(?:напомним|напомню|нагадаем|recall that|as reported|как сообщалось|такое|такой|такая|такие|подобн\w*|"
    r"аналогичн\w*|such|similar)\b"
    r"|\b(?:подобные|подобных|аналогичные|аналогичных|падобныя|падобных)\s+\w|\d\s+(?:таких|такие|такіх|такія)\s",
    re.IGNORECASE,
)
_COMMON_NAMES = frozenset(
    {
        "belar", "belor", "rossi", "russi", "rf", "moskv", "mosco", "minsk", "putin", "lukas", "soiuz", "union",
        "gosud", "state", "presi", "vladi", "aleks", "alexa", "kreml", "krem", "sng", "cis", "eaes", "eaeu",
        "odkb", "csto", "ria", "tass", "novos", "news", "respu", "repub", "evraz", "euras", "ukrai", "ssha",
        "usa", "zapad", "west", "nato", "evrop", "europ", "mid", "mfa", "the", "rossiia", "prezi", "glava",
        "predse", "minis", "belta", "sputn", "obshc", "soiuzn",
    }
)  # fmt: skip
_STOP = frozenset(
    {
        "the", "and", "for", "with", "from", "that", "this", "said", "says", "will", "has", "have", "was",
        "are", "its", "his", "her", "their", "новости", "как", "что", "это", "для", "при", "после", "его",
        "она", "они", "так", "также", "еще", "уже", "все", "где", "когда", "чтобы", "этом", "того", "над",
        "под", "между", "про", "без", "или", "может", "заявил", "сообщил", "рассказал", "отметил",
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
        "ноября", "декабря", "понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье",
        "сегодня", "today", "yesterday", "вчера",
    }
)  # fmt: skip
COMMON_WEIGHT = 0.15
NAME_WEIGHT = 1.0
INITIAL_WEIGHT = 0.5
FIGURE_WEIGHT = 1.0
WORD_WEIGHT = 0.35
# A wire dateline ("MINSK, October 28. /TASS/.") says where the reporter stood that day: statements filed from
# one place on one day are mostly one occasion (a conference, a visit), but a bureau also files unrelated news
# from its city, so the dateline counts only beside another shared key that is not common to every report, and
# never alone (alone, it joined a bureau's unrelated items of a day: a jet purchase and a CSTO warning).
DATELINE_WEIGHT = 0.75
MIN_SHARED_WORDS = 4  # without a distinctive name or figure in common, this many shared words of the lead


@dataclass(frozen=True)
class EventItem:
    """What the matcher needs of an item: no database row, so tests and the eval build these by hand."""

    id: int
    when: datetime
    title: str
    text: str = ""
    source: str = ""
    lang: str = ""
    copy_of: int | None = None  # the near-duplicate cluster MinHash found, if any
    vector: np.ndarray | None = field(default=None, compare=False)  # unit-length embedding, when computed


@dataclass(frozen=True)
class Keys:
    names: frozenset[str]
    figures: frozenset[str]
    initial: frozenset[str]  # capitalised only as a sentence's first word: a name, or just a first word
    words: frozenset[str]
    headline: str  # the item's readable headline (see `headline`)
    script: str = ""  # "cyrl" or "latn": the headline's, so that words are compared only within one script
    dateline: str = ""  # a wire report's place and day ("minsk|october 28"): where its reporter was that day
    vector: np.ndarray | None = field(default=None, compare=False)

    def weighted(self, *, words: bool = True) -> dict[str, float]:
        """The keys with their weights; computed once per item, since `group` compares each item with many."""
        return self._with_words if words else self._without_words

    @cached_property
    def place(self) -> str:
        """The dateline's place as a name key ("n:peter" for ST. PETERSBURG and С.-ПЕТЕРБУРГ: its longest word),
        or ""."""
        if not self.dateline:
            return ""
        return "n:" + _name(max(_NOT_WORD.split(self.dateline.split("|")[0]), key=len))

    @cached_property
    def _with_words(self) -> dict[str, float]:
        return self._weights(True)

    @cached_property
    def _without_words(self) -> dict[str, float]:
        return self._weights(False)

    def _weights(self, words: bool) -> dict[str, float]:
        keys: dict[str, float] = {}
        for w in self.words if words else ():
            keys["w:" + w] = WORD_WEIGHT
        for n in self.initial:
            keys["n:" + n] = COMMON_WEIGHT if n in _COMMON_NAMES else INITIAL_WEIGHT
        for n in self.names:
            keys["n:" + n] = COMMON_WEIGHT if n in _COMMON_NAMES else NAME_WEIGHT
        for f in self.figures:
            keys["f:" + f] = FIGURE_WEIGHT
        return keys


def translit(word: str) -> str:
    folded = word.lower().translate(_TRANSLIT)
    for old, new in _FOLD:
        folded = folded.replace(old, new)
    return folded


def bare_title(title: str, source: str) -> bool:
    """A Telegram post's title is its channel's name; a feed of posts may title every item so."""
    t = squash(title)
    return not t or t == squash(source) or (bool(source) and t in squash(source)) or len(t) <= 2


def repeated_titles(items: Iterable[tuple[str, str]], at_least: int = 2) -> set[tuple[str, str]]:
    """(source, title) pairs that title several items of one source: a channel's name its posts carry, where
    the feed's own name differs from it ("Топор Live" in a feed named "topor")."""
    counts: dict[tuple[str, str], int] = {}
    for source, title in items:
        key = (source, squash(title))
        counts[key] = counts.get(key, 0) + 1
    return {key for key, n in counts.items() if n >= at_least}


def attributing_sources(items: Iterable[tuple[str, str]], share: float = 0.8, at_least: int = 5) -> set[str]:
    """Sources whose titles nearly all end in the outlet each was taken from ("… - Lenta.ru", "… - РБК"): an
    aggregator of headlines (Google News, a channel reposting them). Its items share those outlets' names
    whatever their events, so the names are no key (a wire's "— Lavrov" ends under half of its titles)."""
    counts: dict[str, list[int]] = {}
    for source, title in items:
        seen = counts.setdefault(source, [0, 0])
        seen[0] += 1
        seen[1] += bool(_ATTRIBUTION.search(title))
    return {source for source, (n, tailed) in counts.items() if n >= at_least and tailed >= share * n}


def unattributed(title: str) -> str:
    """The title without the outlet an aggregator appends to it."""
    return _ATTRIBUTION.sub("", title) or title


def attribution(title: str) -> str:
    """The outlet an aggregator appended to the title ("… - РИА НОВОСТИ"), if any."""
    found = _ATTRIBUTION.search(title)
    return found.group(0).strip().lstrip("-–—|").strip() if found and found.start() else ""


def headline(title: str, text: str, source: str = "", *, bare: bool = False) -> str:
    """The item's best headline: its title unless that is only the channel's or outlet's name (or `bare`
    says so), else the first sentence of the text, without Telegram's markdown."""
    clean_title = _clean(title)
    if not bare and not bare_title(clean_title, source):
        cut = clean_title.rstrip("….").rstrip()
        if len(cut) < 20 or not _clean(text[: 2 * len(cut) + 80]).lower().startswith(cut.lower()):
            return clean_title  # the text does not go on from the title: nothing to complete (and no text cleaned)
        return _uncut(clean_title, _clean(text))
    for sentence in sentences(_without(clean_title, _lines(text))):
        if len(sentence) >= 12:
            return sentence.rstrip(".")
    return clean_title


def displayed(head: str) -> str:
    """A headline as a reader sees it: without the pictographs a channel decorates its posts with (flags, 💬,
    ⚡️, 📞), without the space Telegram puts before a colon, and starting with a capital. Display only: story
    keys and comparisons read the headline as it came."""
    bare = _PICTOGRAPHS.sub(" ", keycap_digits(head))
    text = _SPACES.sub(" ", _SPACE_BEFORE_PUNCT.sub(r"\1", bare)).strip(" -–—|:").rstrip(",;")
    if not text:
        return head
    return text[0].upper() + text[1:] if text[0].islower() else text


def lead_sentence(title: str, text: str, source: str = "", *, bare: bool = False, limit: int = 260) -> str:
    """The sentence that states the event: a report's first sentence of substance (its lead, after the wire
    dateline), else its headline. A lead that only repeats the headline, goes on from a sentence before it
    ("Кроме того, …", "He said …"), opens a quotation it does not close, asks a question, or tells the reader
    to subscribe, gives way to the headline."""
    head = headline(title, text, source, bare=bare)
    clean = _clean(text)
    body = _without(head, clean) if clean.lower().startswith(head.lower()) else _without(_clean(title), clean)
    for _ in range(2):  # the page's section name or date, then the title again: the lead starts after it
        at = body.lower().find(head.lower()) if len(head) >= 20 else -1
        if not 0 <= at <= 80:
            break
        body = body[at + len(head) :].lstrip(" .:|—-")  # the Kremlin's: section, title, date and place, title
    body = without_datelines(body).strip(" .")
    for sentence in sentences(body)[:2]:
        sentence = sentence.strip(" . ")
        if squash(head) and (squash(sentence).startswith(squash(head)) or squash(head).startswith(squash(sentence))):
            break  # the lead is the headline, or one of them is the other cut short
        if _GOES_ON.match(sentence) or _opens_quote(sentence) or _REFERS_BACK.search(sentence):
            break
        if len(sentence) >= 40 and not sentence.endswith("?") and not _PROMPT.search(sentence):
            return clip(sentence, limit)
    return clip(head, limit)


def _opens_quote(sentence: str) -> bool:
    """A sentence that opens a quotation and does not close it is the start of someone's words, cut off or
    running on into the next sentence ('"In June 2024, units of the Belarusian armed forces already'): it states
    no event, and does not even say who speaks."""
    straight = sentence.count('"') % 2 == 1
    return straight or sentence.count("«") > sentence.count("»") or sentence.count("“") > sentence.count("”")


def _uncut(title: str, body: str, limit: int = 200) -> str:
    """A title some feeds cut mid-word ("…discuss bilatera") is the start of the text's first sentence:
    that sentence, cut at a word when long, reads better."""
    cut = title.rstrip("….").rstrip()
    if len(cut) < 20 or body[: len(cut)].lower() != cut.lower():
        return title
    first = sentences(body[: limit * 2])[:1]
    if not first or not first[0].lower().startswith(cut.lower()) or len(first[0]) <= len(cut):
        return title
    if cut != title or first[0][len(cut)].isalnum():  # marked as cut, or cut inside a word
        whole = first[0]
        if whole == body.strip() and whole[-1:].isalnum() and " " in whole:  # the text is cut too: at a word
            return clip(whole.rsplit(" ", 1)[0] + " …", limit)
        return clip(whole.rstrip("."), limit)
    return title


def keys(item: EventItem, *, bare: bool = False) -> Keys:
    head = headline(item.title, item.text, item.source, bare=bare)
    body = _clean(item.text)
    if head != _clean(item.title):  # the title was a channel's name: its page repeats it, and it names no event
        body = _without(_clean(item.title), body)
    found = dateline(_without(head, body)[:200])  # after the title a page may repeat
    place_day = f"{translit(found[0])}|{found[1].lower()}" if found else ""
    body = without_datelines(body).strip()
    lead = head
    if body:
        first = " ".join(sentences(body)[:3])
        lead = f"{head}. {first}"[: LEAD_CHARS + len(head)]
    names: set[str] = set()
    initial: set[str] = set()
    figures: set[str] = set()
    stems: set[str] = set()
    cased = any(c.isupper() for c in lead)  # some feeds lower-case everything: then any word may be a name
    for sentence in sentences(lead) or [lead]:
        tokens = _WORD.findall(sentence)
        for position, token in enumerate(tokens):
            if token[0].isdigit():
                figure = token.replace(",", ".")
                value = float(figure)
                if not (value < 10 or (1900 <= value <= 2100 and "." not in figure)):
                    figures.add(figure)  # days of a month too: "on November 25" is the event's own date
                continue
            lower = token.lower().replace("ё", "е")
            if len(lower) < 3 or lower in _STOP:
                continue
            capital = token[0].isupper()
            if token.isupper() and 2 <= len(token) <= 5:  # an acronym: СНГ, NATO, ОДКБ
                names.add(translit(lower))
            elif capital:
                (initial if position == 0 else names).add(_name(lower))
            elif len(lower) >= 4:
                stems.add(stem(lower))
                if not cased:
                    names.add(_name(lower))
    cyrillic = sum(1 for c in head if "\u0400" <= c <= "\u04ff")
    latin = sum(1 for c in head if "a" <= c.lower() <= "z")
    script = "cyrl" if cyrillic > latin else "latn"
    return Keys(
        frozenset(names),
        frozenset(figures),
        frozenset(initial - names),
        frozenset(stems),
        head,
        script,
        place_day,
        item.vector,
    )


_ALIASES = {"belor": "belar", "rossi": "russi", "moskv": "mosco"}  # Белоруссия/Belarus, Россия/Russia, Москва


def _name(lower: str) -> str:
    key = translit(lower)[:NAME_PREFIX]
    return _ALIASES.get(key, key)


def similarity(a: Keys, b: Keys) -> float:
    """Weighted overlap of two items' keys, over the smaller item's keys: a short title inside a long lead
    counts as fully shared. Needs one shared name or figure that is not common to every report, or several
    shared words of the lead. Symmetric: a shared key weighs what the side that knows it better gives it.
    Two items whose embeddings are as close as SAME_MEANING (SAME_MEANING_ACROSS between scripts) score at least
    SAME_EVENT; two a wire filed from one place on one day, as close as SAME_MEANING_DATELINE, score at least
    MERGE_AT: one occasion, as plain as a strong match of keys, so such a report also extends a story begun
    days before (a summit's announcement) and bridges two."""
    lexical = _overlap(a, b)
    if a.vector is None or b.vector is None:
        return lexical
    cosine = float(a.vector @ b.vector)
    if a.dateline and a.dateline == b.dateline and cosine >= SAME_MEANING_DATELINE:
        return max(lexical, MERGE_AT)
    bar = SAME_MEANING if a.script == b.script else SAME_MEANING_ACROSS
    return max(lexical, SAME_EVENT) if cosine >= bar else lexical


def _overlap(a: Keys, b: Keys) -> float:
    same_script = a.script == b.script  # an English and a Russian report share names and figures, not words
    wa, wb = a.weighted(words=same_script), b.weighted(words=same_script)
    shared = {k: max(wa[k], wb[k]) for k in wa.keys() & wb.keys()}
    for dated, other, other_weights in ((a, b, wb), (b, a, wa)):
        # a wire's dateline names the event's place: a report from outside that desk naming it shares a name
        # (between two reports from one desk the dateline is the reporter's city, and counts only as below)
        if dated.dateline and not other.dateline:
            place = dated.place
            if place in other_weights and place not in shared:
                shared[place] = other_weights[place]
    if a.dateline and a.dateline == b.dateline and any(w > COMMON_WEIGHT for w in shared.values()):
        shared["d:"] = DATELINE_WEIGHT  # one reporter, one place, one day: with some other key, one occasion
    distinct = sum(
        1 for k, w in shared.items() if k.startswith("f:") or (k.startswith("n:") and w == NAME_WEIGHT) or k == "d:"
    )
    if not distinct and sum(1 for k in shared if k.startswith("w:")) < MIN_SHARED_WORDS:
        return 0.0
    small = min(sum(wa.values()), sum(wb.values()))
    if small <= 0:
        return 0.0
    # rounded: the sums run in set order, which differs between processes, and a score at exactly a threshold
    # (0.5 is common) must decide alike in every run
    return round(sum(shared.values()) / max(small, 2.5), 9)


@dataclass
class _Story:
    id: int
    members: list[tuple[EventItem, Keys]] = field(default_factory=list)


def group(
    items: Iterable[EventItem],
    *,
    known: dict[int, int] | None = None,
    window: timedelta = WINDOW,
    threshold: float = SAME_EVENT,
) -> dict[int, int]:
    """Story id (the id of its first item) for every item. An item joins the story of the earlier item it is
    most similar to, within `window`, if that similarity reaches `threshold` and the story began no more than
    `window` before it (past that, only a match as strong as MERGE_AT, or matches with CORROBORATED of its
    reports: a story must not drift from event to event); copies MinHash already joined stay joined. An item
    that also matches another story as strongly as MERGE_AT, or CORROBORATED reports of each, bridges the two:
    they become one, under the earlier story's id (statements at one conference reach each other through the
    reports that name the occasion). Items in `known` keep the story they were given unless such a bridge joins
    it to another: a crawl adds to stories and joins them, never cuts one."""
    ordered = sorted(items, key=lambda i: (i.when, i.id))
    named = repeated_titles((i.source, i.title) for i in ordered if i.text)
    aggregators = attributing_sources((i.source, i.title) for i in ordered)
    known = known or {}
    merged: dict[int, int] = {}  # a story absorbed by a bridge -> the story it became part of

    def root(story: int) -> int:
        while story in merged:
            story = merged[story]
        return story

    story_of: dict[int, int] = {}
    began: dict[int, datetime] = {}
    by_copy: dict[int, int] = {}
    recent: list[tuple[EventItem, Keys]] = []
    for item in ordered:
        bare = (item.source, squash(item.title)) in named
        if item.source in aggregators:
            item = replace(item, title=unattributed(item.title))
        k = keys(item, bare=bare)
        chosen: int | None = known.get(item.id)
        if chosen is None and item.copy_of is not None:
            chosen = by_copy.get(item.copy_of)
        matches: dict[int, float] = {}  # story -> the best similarity to one of its items
        support: dict[int, int] = {}  # story -> how many of its items of the window the item matches
        if chosen is None:
            late: dict[int, float] = {}  # stories begun more than `window` ago, matched below MERGE_AT
            for other, other_keys in reversed(recent):
                if item.when - other.when > window:
                    break
                story = root(story_of[other.id])
                score = similarity(k, other_keys)
                if score < threshold:
                    continue
                support[story] = support.get(story, 0) + 1
                if score < MERGE_AT and item.when - began[story] > window:
                    late[story] = max(late.get(story, 0.0), score)
                    continue  # past the window from its start a story takes only a report plainly of its event,
                if score > matches.get(story, 0.0):
                    matches[story] = score
            for story, score in late.items():  # or one that matches several of its latest reports
                if support[story] >= CORROBORATED and score > matches.get(story, 0.0):
                    matches[story] = score
        if chosen is None and matches:
            chosen = max(matches, key=lambda story: (matches[story], -began[story].timestamp()))
        chosen = root(chosen) if chosen is not None else item.id
        began.setdefault(chosen, item.when)
        for story, score in matches.items():
            corroborated = support.get(story, 0) >= CORROBORATED and support.get(chosen, 0) >= CORROBORATED
            if (score >= MERGE_AT or corroborated) and story != chosen:
                first, second = sorted((story, chosen), key=lambda s: (began[s], s))
                merged[second] = first
                began[first] = min(began[first], began[second])
                chosen = first
        story_of[item.id] = chosen
        if item.copy_of is not None:
            by_copy.setdefault(item.copy_of, chosen)
        recent.append((item, k))
    return {item_id: root(story) for item_id, story in story_of.items()}


def pair_scores(pairs: Sequence[tuple[EventItem, EventItem]]) -> list[float]:
    """Similarity of each pair, 1.0 for MinHash copies and 0.0 beyond the window: what `group` would see."""
    out = []
    for a, b in pairs:
        if a.copy_of is not None and a.copy_of == b.copy_of:
            out.append(1.0)
        elif abs(a.when - b.when) > WINDOW:
            out.append(0.0)
        else:
            out.append(similarity(keys(a), keys(b)))
    return out


def _clean(text: str) -> str:
    return _SPACES.sub(" ", _MARKUP.sub(" ", text or "")).strip(" .\u00a0")


def _lines(text: str) -> str:
    """`_clean`, but a line break before a capital stays one: a post's first line is its headline even without a
    full stop ("РФ и Белоруссия решили отменить роуминг\nПо итогам заседания …"); a line a feed wrapped inside a
    sentence goes on in lower case and is joined."""
    kept = _LINE_BEFORE_CAPITAL.sub("\x00", _MARKUP.sub(" ", text or ""))
    return "\n".join(_SPACES.sub(" ", part).strip(" .\u00a0") for part in kept.split("\x00")).strip()


def _without(title: str, body: str) -> str:
    """The body without the title its page repeats at the top."""
    if title and body.lower().startswith(title.lower()):
        return body[len(title) :].lstrip(" .:|—-")
    return body


def squash(text: str) -> str:
    """A title reduced to its letters and digits, for comparing names."""
    return _NOT_WORD.sub("", (text or "").lower())
