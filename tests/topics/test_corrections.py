"""An analyst's corrections: applied at once and on every re-run, shown, exported, and learned from."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pipeline.jobs.crawl import CrawlOptions, crawl
from pipeline.jobs.scheduler import retrain_step
from pipeline.settings import load_settings
from pipeline.store.db import open_store
from pipeline.topics import learned
from pipeline.topics.classify import Classification, TopicMatch
from pipeline.topics.corrections import MARK, Label, apply
from pipeline.topics.evaluate import read_labelled
from tests.digest.test_digest import rss
from tests.support.commands import unionwatch
from tests.support.httpserver import LocalServer

ROOT = Path(__file__).resolve().parent.parent.parent
PI = TopicMatch("political-integration", 4.0, ("The presidents discussed integration.",), ("integration",))
VERDICT = Classification(True, 5.0, (PI,), "belarus 3.0, russia 3.0")


@pytest.mark.parametrize(
    ("labels", "relevant", "topics"),
    [
        ([Label("not", "political-integration")], True, []),
        ([Label("topic", "bases")], True, ["political-integration", "bases"]),
        ([Label("out-of-scope")], False, []),
        ([Label("out-of-scope"), Label("topic", "bases")], True, ["bases"]),  # the later word wins
        ([Label("topic", "political-integration")], True, ["political-integration"]),
    ],
)
def test_corrections_lay_over_the_verdict(labels: list[Label], relevant: bool, topics: list[str]) -> None:
    result = apply(VERDICT, labels)
    assert (result.relevant, result.topic_ids) == (relevant, topics)
    assert "corrected by an analyst" in result.why
    added = [m for m in result.topics if m.topic == "bases"]
    assert all(m.terms == (MARK,) for m in added)


ITEM = (
    "Russia and Belarus agree on a joint air defence unit near Baranovichi",
    "/news/1",
    datetime(2026, 11, 18, 8, tzinfo=UTC),
    "Minsk and Moscow agreed on the Union State's regional grouping of forces and a joint air defence training "
    "centre near Baranovichi, the Belarusian defence ministry said after talks with the Russian side.",
)


@pytest.fixture
def store_with_item(server: LocalServer, make_settings: Any, tmp_path: Path) -> Any:
    """One crawled item; the project's baseline copied, so that nothing here can touch the shipped model."""
    settings = make_settings([("Wire", server.url("/wire.rss"))])
    baseline = tmp_path / "baseline"
    shutil.copytree(ROOT / "baseline", baseline)
    text = settings.config_file.read_text(encoding="utf-8").replace(
        'feeds = "feeds.toml"', f'feeds = "feeds.toml"\nbaseline_dir = "{baseline}"'
    )
    settings.config_file.write_text(text, encoding="utf-8")
    settings = load_settings(settings.config_file)
    server.add("/wire.rss", body=rss([(t, server.url(p), w, s) for t, p, w, s in [ITEM]]))
    crawl(settings, open_store(settings.db_url), CrawlOptions(now=datetime(2026, 11, 19, tzinfo=UTC)))
    return settings


def test_a_correction_holds_is_shown_exported_and_learned(store_with_item: Any, tmp_path: Path) -> None:
    settings = store_with_item
    config = settings.config_file
    before = json.loads(unionwatch(config, "items", "show", "1", "--json").stdout)
    assert before["relevant"] is True

    done = unionwatch(config, "items", "label", "1", "--topic", "trade", "--not", "bases")
    assert done.returncode == 0, done.stderr
    assert "#1 corrected (-bases, +trade); now in scope, topics:" in done.stdout and "trade" in done.stdout

    shown = unionwatch(config, "items", "show", "1")
    assert "corrected:  -bases" in shown.stdout and "corrected:  +trade" in shown.stdout
    assert "topic:      trade" in shown.stdout and "topic:      bases" not in shown.stdout

    redo = unionwatch(config, "classify", "--all")  # a re-run keeps the analyst's word
    assert redo.returncode == 0, redo.stderr
    after = json.loads(unionwatch(config, "items", "show", "1", "--json").stdout)
    assert "trade" in [t["topic"] for t in after["topics"]] and "bases" not in [t["topic"] for t in after["topics"]]
    assert [c["kind"] for c in after["corrections"]] == ["not", "topic"]

    out = tmp_path / "labels.jsonl"
    exported = unionwatch(config, "items", "export-labels", str(out))
    assert exported.returncode == 0 and "1 corrected items" in exported.stdout
    [row] = read_labelled(out)
    assert row.relevant and "trade" in row.topics and "bases" not in row.topics and row.title == ITEM[0]

    retrained = unionwatch(config, "classify", "--retrain")
    assert retrained.returncode == 0, retrained.stderr
    assert "and 1 corrections" in retrained.stdout
    assert f"written to {settings.data_dir / 'model.npz'}" in retrained.stdout  # the shipped model is left alone
    model = learned.loads((settings.data_dir / "model.npz").read_bytes())
    assert [r.source for r in model.rows if r.source.startswith("correction")] == ["correction:1"]
    assert model.rows[-1].topics >= {"trade"} and model.rows[-1].weight == learned.CORRECTION_WEIGHT


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["1", "--topic", "weather"], "no topic weather; topics are union-programmes"),
        (["99", "--topic", "bases"], "items: no item 99"),
        (["1"], "say what is wrong"),
        (["1", "--topic", "bases", "--not", "bases"], "both given and refused: bases"),
        (["1", "--out-of-scope", "--topic", "bases"], "--out-of-scope cannot go with"),
    ],
)
def test_a_bad_correction_is_refused_in_one_line(store_with_item: Any, args: list[str], message: str) -> None:
    done = unionwatch(store_with_item.config_file, "items", "label", *args)
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_reprint_of_a_corrected_item_follows_the_correction() -> None:
    """recall(): what an analyst said of one report holds for a copy with a new first line."""
    text = "Minsk and Moscow agreed on a joint air defence training centre near Baranovichi after talks. " * 3
    row = learned.Row(
        np.zeros(3, dtype=np.float32),
        learned.stem_slots("Air defence centre", text),
        True,
        frozenset({"bases"}),
        True,
        frozenset(),
        source="correction:1",
    )
    model = learned.Model(("bases",), "x", {}, [row])
    assert model.recall(learned.stem_slots("Reprint: air defence centre", "Update. " + text)) is row
    assert model.recall(learned.stem_slots("Gas price", "Belarus will pay 128 dollars for gas in 2026.")) is None


@pytest.mark.parametrize(
    ("positives", "expected"),
    [(25, "lexicon"), (200, "model")],  # 0.02 F1 is less than one item of 25, more than the margin with 200
)
def test_the_model_replaces_the_lexicon_only_when_it_wins_by_more_than_one_item(positives: int, expected: str) -> None:
    scores = {"lexicon": 0.90, "model": 0.92, "and": 0.88, "or": 0.85}
    assert learned.chosen_mode(scores, positives) == expected


def test_the_model_file_round_trips() -> None:
    model = learned.loads((ROOT / "baseline" / "model.npz").read_bytes())
    again = learned.loads(learned.dumps(model))
    assert again.topic_ids == model.topic_ids and len(again.rows) == len(model.rows) >= 500
    for name, target in model.targets.items():
        assert again.targets[name].mode == target.mode
        assert np.allclose(again.targets[name].coef, target.coef)
    assert {t.mode for t in model.targets.values()} <= set(learned.MODES)


def test_the_weekly_retrain_learns_new_corrections_and_skips_without_any(store_with_item: Any) -> None:
    settings = store_with_item
    engine = open_store(settings.db_url)
    assert retrain_step(settings, engine) == "retrain: no corrections yet, the model stays as it is"
    assert not (settings.data_dir / "model.npz").exists()
    assert unionwatch(settings.config_file, "items", "label", "1", "--out-of-scope").returncode == 0
    said = retrain_step(settings, engine)
    assert said.startswith("retrain: model trained on ") and "and 1 correction; 1 item re-classified" in said
    model = learned.loads((settings.data_dir / "model.npz").read_bytes())
    assert model.rows[-1].source == "correction:1" and not model.rows[-1].relevant


def test_the_way_of_combining_is_chosen_on_the_mean_of_several_draws_of_the_folds() -> None:
    """One shuffle of the folds moves F1 by a few items, enough to flip a choice at the margin; the choice reads
    the mean of DRAWS shuffles, so a retrain that only reshuffles cannot flip it."""
    dev = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    if not dev.exists():
        pytest.skip(f"labelled dev set not available at {dev} (needs ../shared)")
    from pipeline.jobs.classifying import load_classifier, training_row

    lexicon = load_classifier(load_settings(ROOT / "config" / "unionwatch.toml"), learned=False)
    ids = [t.id for t in lexicon.topic_set.topics]
    rows = [
        training_row(lexicon, i.title, i.text, i.relevant, i.topics, url=i.url, lang=i.lang, source=f"eval:dev:{i.id}")
        for i in read_labelled(dev)
    ]
    names = ("relevant", *ids)
    y = np.array([[i.relevant and (n == "relevant" or n in i.topics) for n in names] for i in read_labelled(dev)])
    lex = np.array([[r.lexicon_relevant and (n == "relevant" or n in r.lexicon_topics) for n in names] for r in rows])
    draws = [learned.cross_validate(rows, y, lex, seed=d)[0][0] for d in range(learned.DRAWS)]
    assert len({d["model"] for d in draws}) > 1  # the draws differ: one alone would be luck
    relevance = learned.train(rows, ids, "x").targets["relevant"].cv
    assert relevance == {m: round(float(np.mean([d[m] for d in draws])), 4) for m in learned.MODES}
