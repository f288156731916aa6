"""Near-duplicate detection: MinHash signatures over word shingles, compared within one language.

Why MinHash: the fraction of equal signature slots estimates the Jaccard similarity of two texts' shingle
sets, so a wire report republished with a new first line still matches, while two different stories on the
same topic (sharing vocabulary, not sentences) do not. Hashes are crc32, stable across processes and runs,
so signatures can be computed in worker processes and stored.
"""

from __future__ import annotations

import hashlib
import re
import zlib

import numpy as np

PERMUTATIONS = 64
SHINGLE = 4
MIN_TOKENS = 25
SAME_STORY = 0.35  # estimated Jaccard at or above which two texts are one story
_PRIME = np.uint64(4294967311)  # the first prime above 2**32
_rng = np.random.default_rng(1999_12_08)  # fixed: signatures must be comparable forever
_A = _rng.integers(1, 2**31, PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, 2**32, PERMUTATIONS, dtype=np.uint64)
_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans(
    {"«": '"', "»": '"', "„": '"', "“": '"', "”": '"', "’": "'", "‘": "'", "—": "-", "–": "-", "\u00a0": " "}
)


def tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("ё", "е"))


def signature(text: str) -> bytes | None:
    """64 uint32 minima as 256 bytes, or None when the text is too short to say anything."""
    words = tokens(text)
    if len(words) < MIN_TOKENS:
        return None
    shingles = {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    hashes = np.fromiter((zlib.crc32(s.encode()) for s in shingles), dtype=np.uint64, count=len(shingles))
    mins = ((_A[:, None] * hashes[None, :] + _B[:, None]) % _PRIME).min(axis=1)
    return bytes(mins.astype(np.uint32).tobytes())


class SignatureIndex:
    """Signatures of one language's recent items, in one growing matrix, so that matching stays vectorised."""

    def __init__(self, rows: list[tuple[int, int, bytes]] | None = None) -> None:
        rows = rows or []
        self.ids: list[int] = []
        self.clusters: list[int] = []
        self._matrix = np.empty((max(64, len(rows)), PERMUTATIONS), dtype=np.uint32)
        for item_id, cluster_id, sig in rows:
            self.add(item_id, cluster_id, sig)

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, item_id: int, cluster_id: int, sig: bytes) -> None:
        if len(self.ids) == len(self._matrix):
            self._matrix = np.concatenate([self._matrix, np.empty_like(self._matrix)])
        self._matrix[len(self.ids)] = np.frombuffer(sig, dtype=np.uint32)
        self.ids.append(item_id)
        self.clusters.append(cluster_id)

    def match(self, sig: bytes, *, exclude: int | None = None) -> tuple[int, float] | None:
        """(cluster id, similarity) of the most similar other item, if it reaches SAME_STORY."""
        if not self.ids:
            return None
        scores = (self._matrix[: len(self.ids)] == np.frombuffer(sig, dtype=np.uint32)).mean(axis=1)
        if exclude is not None and exclude in self.ids:
            scores[self.ids.index(exclude)] = -1.0
        best = int(np.argmax(scores))
        return (self.clusters[best], float(scores[best])) if scores[best] >= SAME_STORY else None


def normalise(text: str) -> str:
    """Text as compared for versions: whitespace, quote and dash styles do not count as an edit."""
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


def text_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode()).hexdigest()
