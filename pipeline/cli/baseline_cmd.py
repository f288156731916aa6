from __future__ import annotations

import json
import tomllib
from pathlib import Path

import click

from pipeline.cli.common import AppContext


@click.group("baseline")
def command() -> None:
    """The baseline documents: the facts they state and the term weights built from them."""


@command.command("build")
@click.option(
    "--documents",
    "folder",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of baseline documents (.txt or .md); add your own and rebuild.",
)
@click.pass_obj
def build(app: AppContext, folder: Path) -> None:
    """Derive per-topic term weights from the documents and write them to the baseline folder."""
    from pipeline.jobs.pool_jobs import WEIGHTS_FILE
    from pipeline.topics.baseline import build_weights, document_files
    from pipeline.topics.definitions import load_topics

    files = document_files(folder)
    documents = [(f.name, f.read_text(encoding="utf-8", errors="replace")) for f in files]
    record = build_weights(load_topics(app.settings.topics), documents)
    target = app.settings.baseline_dir / WEIGHTS_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(target)
    boosted = sum(1 for terms in record["boosts"].values() for b in terms.values() if b > 1)
    click.echo(f"baseline: {len(files)} documents, {boosted} terms weighted up; wrote {target}")


@command.command("show")
@click.pass_obj
def show(app: AppContext) -> None:
    """Print the register of baseline documents and the facts recorded per topic."""
    folder = app.settings.baseline_dir
    register = tomllib.loads((folder / "register.toml").read_text(encoding="utf-8"))
    facts = tomllib.loads((folder / "facts.toml").read_text(encoding="utf-8"))
    for doc in register.get("document", []):
        click.echo(f"[{doc['key']}] {doc['title']} — {doc['publisher']}, {doc.get('author') or 'n.a.'}, {doc['date']}")
    click.echo("")
    for fact in facts.get("fact", []):
        click.echo(f"{fact['topic']:22} {fact['date']:8} [{fact['source']}] {fact['text']}")
    for ind in facts.get("indicator", []):
        click.echo(f"indicator {ind['id']}: {ind['value']:g} {ind['unit']} ({ind['date']}, {ind['source']})")
