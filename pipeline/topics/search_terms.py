"""Words as the archive's search sees them: the classifier's stems, spelled in Latin letters.

One token per word, the same for налогов and налог (nalog), газа and газу (gaz), Орешник and Oreshnik
(oreshnik). The index keeps the full token; a query word searches by the token's prefix (at least five letters,
three short of the whole), which joins stems that different languages' stemmers cut at different places
(Лукашенко gives lukashenk, Lukashenko lukashenko) and forms the stemmer leaves apart (Белоруссия, Беларусь).
"""

from __future__ import annotations

from functools import lru_cache

from pipeline.articles.events import translit
from pipeline.topics.morph import stem, words

INDEX_CHARS = 4000  # of an item's text: a long article's first pages say what it is about
_ALIASES = (("belor", "belar"), ("rossi", "russi"), ("moskv", "mosco"))


@lru_cache(maxsize=200_000)
def token(word: str) -> str:
    folded = translit(stem(word))
    for old, new in _ALIASES:
        if folded.startswith(old):
            return new + folded[len(old) :]
    return folded


def index_text(title: str, text: str) -> str:
    """The tokens of an item (title, then the start of its text), space-separated, for the search index."""
    return " ".join(token(w) for w in words(f"{title}\n{text[:INDEX_CHARS]}") if len(w) > 1)


def query_prefixes(query: str) -> list[str]:
    """What each query word is searched by: the start of its token (see the module's docstring)."""
    found: dict[str, None] = {}
    for word in words(query):
        t = token(word)
        if t:
            found.setdefault(t[: max(5, len(t) - 3)], None)
    return list(found)


def matches(prefix: str, tokens: set[str]) -> bool:
    return any(t.startswith(prefix) for t in tokens)
