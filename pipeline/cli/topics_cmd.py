from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from pipeline.cli.common import AppContext, print_json


@click.group("topics")
def command() -> None:
    """The monitored topics: list them, or try a text against them."""


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def list_topics(app: AppContext, as_json: bool) -> None:
    """Each topic with its description and how many stored items carry it."""
    from sqlmodel import Session

    from pipeline.jobs.classifying import load_topic_set
    from pipeline.store import topics as topic_store

    topic_set = load_topic_set(app.settings)
    with Session(app.engine) as session:
        counts = topic_store.counts(session)
    rows = [
        {"id": t.id, "name": t.name, "items": counts.get(t.id, 0), "terms": len(t.terms), "description": t.description}
        for t in topic_set.topics
    ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:22} {row['items']:>6} items  {row['terms']:>3} terms  {row['name']}")


@command.command("test")
@click.argument("text")
@click.option("--title", default="", help="A title to go with the text (title words count more).")
@click.option(
    "--url", default="", help="Where it was published: a Belarusian or Russian outlet's link changes the gate."
)
@click.option("--lang", default="", help="Its language (ru, be, en); an item in Belarusian is read as from home.")
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
@click.pass_obj
def test(app: AppContext, text: str, title: str, url: str, lang: str, as_json: bool) -> None:
    """Show which topics a text would get, with scores and the sentences that earned them."""
    from pipeline.jobs.classifying import load_topic_set
    from pipeline.topics.classify import Classifier

    result = Classifier(load_topic_set(app.settings)).classify(title, text, url=url, lang=lang)
    if as_json:
        print_json(
            {
                "relevant": result.relevant,
                "relevance": result.relevance,
                "why": result.why,
                "topics": [
                    {"topic": m.topic, "score": m.score, "evidence": list(m.evidence), "terms": list(m.terms)}
                    for m in result.topics
                ],
            }
        )
        return
    verdict = "in scope" if result.relevant else "out of scope"
    click.echo(f"{verdict} (relevance {result.relevance}; {result.why})")
    for m in result.topics:
        click.echo(f"  {m.topic} {m.score}  terms: {', '.join(m.terms)}")
        for sentence in m.evidence:
            click.echo(f"    “{sentence}”")
    if result.relevant and not result.topics:
        click.echo("  no topic reached its threshold")


@click.command("classify")
@click.option("--all", "everything", is_flag=True, help="Re-classify every stored item.")
@click.option(
    "--retrain",
    is_flag=True,
    help="Train the learned model on the labelled files and the analysts' corrections, then re-classify.",
)
@click.option(
    "--labelled",
    "labelled",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A labelled JSONL file to train on (repeat); without it, the labelled rows the current model kept.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the model (default: model.npz in the data folder, which wins over baseline/model.npz).",
)
@click.pass_obj
def classify_command(
    app: AppContext, everything: bool, retrain: bool, labelled: tuple[Path, ...], out: Path | None
) -> None:
    """Re-classify the store (after editing config/topics.toml), or retrain the learned model first."""
    from pipeline.jobs.classifying import classify_all
    from pipeline.jobs.classifying import retrain as retrain_model
    from pipeline.topics import learned

    if not (everything or retrain):
        raise click.UsageError("say --all (re-classify the store) or --retrain (train the model, then re-classify)")
    if (labelled or out) and not retrain:
        raise click.UsageError("--labelled and --out go with --retrain")
    with app.lock("classify"):
        if retrain:
            done = retrain_model(app.settings, app.engine, list(labelled), out)
            click.echo(
                f"cross-validated F1 ({learned.FOLDS} folds, the mean of {learned.DRAWS} draws): the lexicon alone → "
                "the way chosen; all labelled items, then per file"
            )
            for name, target in done.model.targets.items():
                per_file = "; ".join(
                    f"{f} {cv['lexicon']:.3f} → {cv[target.mode]:.3f}" for f, cv in target.cv_by_file.items()
                )
                click.echo(
                    f"  {name:24} {target.mode:8} {target.cv['lexicon']:.3f} → {target.cv[target.mode]:.3f}"
                    + (f"  ({per_file})" if per_file else "")
                )
            click.echo(
                f"classify: model trained on {done.labelled} labelled items and {done.corrections} corrections "
                f"in {done.seconds:.1f}s, written to {done.path}"
            )
        with click.progressbar(length=0, label="classifying", file=None) as bar:
            items, seconds = classify_all(app.settings, app.engine, datetime.now(UTC), progress=bar.update)
    rate = items / seconds if seconds else 0.0
    click.echo(f"classify: {items} items in {seconds:.1f}s ({rate:.0f} items/s)")


@click.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (scores, keyword baseline, predictions).")
@click.option(
    "--confusions",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the misclassified items (default: eval-confusions.jsonl in the data folder).",
)
@click.option("--lexicon", "lexicon_only", is_flag=True, help="Score the lexicon alone, without the learned model.")
@click.pass_obj
def eval_command(app: AppContext, file: Path, as_json: bool, confusions: Path | None, lexicon_only: bool) -> None:
    """Score the classifier on a labelled JSONL file: per-topic and relevance precision, recall and F1."""
    from pipeline.jobs.classifying import load_topic_set, model_path
    from pipeline.jobs.pool_jobs import load_model
    from pipeline.topics.classify import Classifier, keyword_baseline
    from pipeline.topics.evaluate import read_labelled, score

    topic_set = load_topic_set(app.settings)
    model = None if lexicon_only else load_model(model_path(app.settings))
    classifier = Classifier(topic_set, model)
    if model is not None and any(r.source.startswith(f"eval:{file.name}:") for r in model.rows):
        click.echo(
            f"eval: the learned model was trained on {file.name}, so these figures are not held out; the "
            "cross-validated ones are in `classify --retrain`'s output (or pass --lexicon)",
            err=True,
        )
    rows = read_labelled(file)
    ids = [t.id for t in topic_set.topics]
    report, predictions = score(rows, lambda r: classifier.classify(r.title, r.text, url=r.url, lang=r.lang), ids)
    baseline, _ = score(rows, lambda r: keyword_baseline(topic_set, r.title, r.text), ids)
    target = confusions or app.settings.data_dir / "eval-confusions.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as out:
        for row, predicted in zip(rows, predictions, strict=True):
            gold = sorted(row.topics) if row.relevant else []
            if predicted["relevant"] != row.relevant or predicted["topics"] != gold:
                result = classifier.classify(row.title, row.text, url=row.url, lang=row.lang)
                out.write(
                    json.dumps(
                        {
                            "id": row.id,
                            "title": row.title,
                            "gold": {"relevant": row.relevant, "topics": gold},
                            "predicted": predicted,
                            "why": result.why,
                            "scores": {m.topic: m.score for m in result.topics},
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
    if as_json:
        print_json({**report, "keyword_baseline": baseline, "predictions": predictions})
        return
    click.echo(f"{'':24}{'precision':>10}{'recall':>10}{'F1':>8}{'support':>9}{'keyword F1':>12}")
    rel, base_rel = report["relevance"], baseline["relevance"]
    click.echo(
        f"{'relevance':24}{rel['precision']:>10.3f}{rel['recall']:>10.3f}{rel['f1']:>8.3f}{'':>9}{base_rel['f1']:>12.3f}"
    )
    for topic, m in report["topics"].items():
        click.echo(
            f"{topic:24}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>8.3f}{m['support']:>9}"
            f"{baseline['topics'][topic]['f1']:>12.3f}"
        )
    click.echo(
        f"macro-F1 over the four named topics: {report['macro_f1_named']:.3f} "
        f"(keyword baseline {baseline['macro_f1_named']:.3f}); {len(rows)} items; confusions in {target}"
    )


@click.command("eval-stories")
@click.argument("pairs", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--items",
    "items_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The corpus items the pairs name (JSONL with id, dataset, lang, date, url, title, text).",
)
@click.option("--threshold", type=float, default=None, help="Similarity for one story (default: the matcher's).")
@click.option(
    "--meaning",
    is_flag=True,
    help="Match by the meaning of the leads too (the optional extra 'meaning'); embeds every item first.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def eval_stories_command(pairs: Path, items_file: Path, threshold: float | None, meaning: bool, as_json: bool) -> None:
    """Score the story matcher on labelled same-event / different-event pairs: pairwise precision and recall."""
    from pipeline.articles.events import SAME_EVENT
    from pipeline.articles.story_eval import measure, read_items, read_pairs, with_meaning
    from pipeline.jobs.stories import uses_meaning

    items = read_items(items_file)
    if meaning and uses_meaning("on"):
        items = with_meaning(items, lambda done, total: click.echo(f"meaning: {done:,} of {total:,} items", err=True))
    report = measure(read_pairs(pairs), items, SAME_EVENT if threshold is None else threshold)
    report["meaning"] = meaning
    if as_json:
        print_json(report)
        return
    click.echo(f"{'':10}{'precision':>10}{'recall':>8}{'tp':>5}{'fp':>5}{'fn':>5}")
    for name in ("pairwise", "grouped"):
        m = report[name]
        click.echo(f"{name:10}{m['precision']:>10.3f}{m['recall']:>8.3f}{m['tp']:>5}{m['fp']:>5}{m['fn']:>5}")
    click.echo(
        f"{report['pairs']} pairs ({report['same_event']} same event, {report['skipped']} skipped: items undated or "
        f"absent); threshold {report['threshold']}; {report['items_grouped']} items grouped into "
        f"{report['stories']} stories" + ("; by keys and meaning" if meaning else "; by keys")
    )
