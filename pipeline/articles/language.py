"""Which language an item is in. Belarusian and Ukrainian are not Russian, and the analysts care which.

py3langid (a maintained fork of langid.py, model shipped in the wheel, nothing downloaded) restricted to the
languages these feeds carry; letters only one language uses settle short texts the model is unsure of.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

LANGUAGES = ["ru", "be", "uk", "en", "pl", "de", "fr", "lt", "lv", "kk", "bg", "sr"]
_BE_ONLY = re.compile(r"[ўЎ]")
_UK_ONLY = re.compile(r"[їЇєЄґҐ]")
_RU_ONLY = re.compile(r"[ыЫэЭъЪ]")
_CYRILLIC = re.compile(r"[а-яёіўїєґА-ЯЁІЎЇЄҐ]")


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(LANGUAGES)
    return ident


def detect_language(text: str, *, hint: str = "") -> str:
    """An ISO 639-1 code, or `hint` (the feed's declared language) when the text is too short to tell."""
    sample = text[:1200]  # enough for a confident answer; langid is linear in the length
    letters = sum(ch.isalpha() for ch in sample)
    if letters < 12:
        return hint
    lang, confidence = _identifier().classify(sample)
    if _CYRILLIC.search(sample):
        be, uk, ru = bool(_BE_ONLY.search(sample)), bool(_UK_ONLY.search(sample)), bool(_RU_ONLY.search(sample))
        if lang not in ("ru", "be", "uk", "bg", "sr", "kk") or confidence < 0.9:
            if be and not uk:
                return "be"
            if uk and not be:
                return "uk"
            if ru and not (be or uk):
                return "ru"
    if confidence < 0.5 and hint:
        return hint
    return str(lang)
