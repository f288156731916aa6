"""Words to stems, for every language the feeds carry, so that one term matches its inflected forms.

Cyrillic words go through Snowball's Russian stemmer (Belarusian and Ukrainian share most endings with
it; a word with Belarusian ў gets a light Belarusian stripper first), Latin words through Snowball's
English. The choice is made per word, not per text, because items mix scripts (an English title over a
Russian text is common in the corpus).
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+(?:[-‐][^\W_]+)*", re.UNICODE)
# a flag is two regional-indicator letters (🇧🇾 is B and Y): ministries' channels head a bilateral post with the
# two states' flags ("🇷🇺 🇧🇾 on October 27, … Russian Foreign Minister …") and a group's with a row of them
_WORD_OR_FLAG = re.compile(r"[\U0001F1E6-\U0001F1FF]{2}|[^\W_]+(?:[-‐][^\W_]+)*", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яёіўїєґ]")
_BE_ENDINGS = (
    "ямі",
    "амі",
    "ага",
    "яга",
    "аму",
    "яму",
    "ымі",
    "імі",
    "ых",
    "іх",
    "ай",
    "ой",
    "ая",
    "ае",
    "ую",
    "ых",
    "ым",
    "ім",
    "аў",
    "яў",
    "ам",
    "ям",
    "ах",
    "ях",
    "ы",
    "і",
    "а",
    "я",
    "у",
    "ю",
    "е",
    "о",
)
_ru = snowballstemmer.stemmer("russian")
_en = snowballstemmer.stemmer("english")
_LATIN = re.compile(r"[a-z]")
# English endings that make another word of a stem Snowball shares: "important" is not "import", "transition" not
# "transit", "independent" not "independence" (a term that carries the ending itself still matches it)
_OTHER_WORD = ("ant", "anc", "ent", "enc", "ion")
_VERB_FORMS = ("d", "ed", "ing")


def words(text: str, *, flags: bool = False) -> list[str]:
    """Lower-cased words; hyphenated compounds (С-400, Belarus-Russia) stay one word. With `flags`, a
    country's flag is a word too: the classifier reads 🇧🇾 as it reads "Belarus"."""
    pattern = _WORD_OR_FLAG if flags else _WORD
    return pattern.findall(text.lower().replace("ё", "е").replace("‐", "-"))


def other_word(token: str, token_stem: str, term_word: str) -> bool:
    """Whether an English token that shares its stem with a term's word (or starts with a term's prefix) is
    another word: Snowball strips derivational endings, so "important" stems to "import" and "based" to "base".
    Another word is one whose ending after the shared stem is derivational (-ant, -ance, -ent, -ence, -ion) where
    the term's is not, or a verb form (-d, -ed, -ing) of a plural noun term ("bases", "exercises", "drills")."""
    if not token.startswith(token_stem) or not _LATIN.match(token) or token == term_word:
        return False
    tail = token[len(token_stem) :]
    own = term_word[len(token_stem) :] if term_word.startswith(token_stem) else ""
    if tail.startswith(_OTHER_WORD) and not own.startswith(tail[:3]):
        return True
    plural = term_word.endswith("s") and not term_word.endswith("ss") and own in ("s", "es")
    return plural and tail in _VERB_FORMS


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    if word.isdigit():
        return word
    if _CYRILLIC.search(word):
        if "ў" in word:
            for ending in _BE_ENDINGS:
                if word.endswith(ending) and len(word) - len(ending) >= 3:
                    return word[: -len(ending)]
            return word
        return str(_ru.stemWord(word))
    return str(_en.stemWord(word))
