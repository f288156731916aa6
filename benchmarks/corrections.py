"""Do an analyst's corrections teach the classifier? A simulation on the dev set.

For each topic: the model is trained on train.jsonl alone (the base). The deployed classifier (lexicon and
that model) is run on dev.jsonl; of the dev items it gets wrong on the topic, a random half is "corrected" (added
as corrections with their gold labels, as `unionwatch items label` would store them) and the model retrained.
The topic's F1 is then measured on the dev items that were not corrected, before and after. Five random draws
per topic; minimum and median of the lift.

With --alone, every topic is decided by the learned model alone (as if cross-validation had chosen it), before
and after: what the corrections teach the learned component, where the deployed classifier keeps the lexicon's
verdict for the topics on which the model did not win.

With --on FILE, the corrected and measured items are FILE's (a labelled set in the eval format the lexicon was
not tuned on, such as a held-out set), and the base model is trained on train.jsonl and dev.jsonl.

    .venv/bin/python benchmarks/corrections.py [--draws 5] [--alone] [--on FILE.jsonl]

Needs ../shared/eval; prints the machine's load, since training takes a few seconds a draw.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import EVAL, ROOT, need
from pipeline.jobs.classifying import lexicon_fingerprint, load_classifier, training_row
from pipeline.settings import load_settings
from pipeline.topics import learned
from pipeline.topics.classify import Classifier
from pipeline.topics.evaluate import Labelled, read_labelled


def f1(classifier: Classifier, items: list[Labelled], topic: str) -> float:
    tp = fp = fn = 0
    for item in items:
        verdict = classifier.classify(item.title, item.text, url=item.url, lang=item.lang)
        predicted = verdict.relevant and topic in verdict.topic_ids
        gold = item.relevant and topic in item.topics
        tp += predicted and gold
        fp += predicted and not gold
        fn += gold and not predicted
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--alone", action="store_true", help="decide every topic by the learned model alone")
    parser.add_argument("--on", type=Path, help="correct and measure this labelled file's items, not dev.jsonl's")
    args = parser.parse_args()

    need(EVAL)
    settings = load_settings(ROOT / "config" / "unionwatch.toml")
    lexicon = load_classifier(settings, learned=False)
    ids = [t.id for t in lexicon.topic_set.topics]
    fingerprint = lexicon_fingerprint(settings.topics, settings.baseline_dir)

    def trained(rows: list[learned.Row]) -> learned.Model:
        model = learned.train(rows, ids, fingerprint)
        if args.alone:
            for name, target in model.targets.items():
                if name != "relevant":
                    target.mode = "model"
        return model

    files = ["train.jsonl"] if args.on is None else ["train.jsonl", "dev.jsonl"]
    if args.on is not None and args.on.name in files:
        parser.error(f"--on {args.on}: the base model trains on {args.on.name}; give a file it does not learn from")
    dev = read_labelled(args.on or EVAL / "dev.jsonl")  # the items corrected and measured
    base_rows = [
        training_row(lexicon, i.title, i.text, i.relevant, i.topics, url=i.url, lang=i.lang, source=f"eval:{f}:{i.id}")
        for f in files
        for i in read_labelled(EVAL / f)
    ]
    dev_rows = {
        i.id: training_row(
            lexicon,
            i.title,
            i.text,
            i.relevant,
            i.topics,
            url=i.url,
            lang=i.lang,
            weight=learned.CORRECTION_WEIGHT,
            source=f"correction:{i.id}",
        )
        for i in dev
    }
    base = Classifier(lexicon.topic_set, trained(base_rows))
    verdicts = [base.classify(i.title, i.text, url=i.url, lang=i.lang) for i in dev]
    decided = "the learned model alone" if args.alone else "as deployed (each topic's way chosen by cross-validation)"
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {args.draws} draws per topic; {decided}")
    print(f"trained on {' and '.join(files)}; corrected and measured: {args.on or 'dev.jsonl'} ({len(dev)} items)")
    print(f"{'topic':24}{'errors':>7}{'fixed':>6}{'F1 before':>10}{'after min':>10}{'median':>8}{'lift med':>9}")
    started = time.perf_counter()
    for topic in ids:
        wrong = [
            i
            for i, verdict in zip(dev, verdicts, strict=True)
            if (verdict.relevant and topic in verdict.topic_ids) != (i.relevant and topic in i.topics)
        ]
        if len(wrong) < 2:
            print(f"{topic:24}{len(wrong):>7}  (too few errors to simulate)")
            continue
        befores, afters = [], []
        for draw in range(args.draws):
            fixed = random.Random(draw).sample(wrong, len(wrong) // 2)
            fixed_ids = {i.id for i in fixed}
            rest = [i for i in dev if i.id not in fixed_ids]
            model = trained(base_rows + [dev_rows[i.id] for i in fixed])
            befores.append(f1(base, rest, topic))
            afters.append(f1(Classifier(lexicon.topic_set, model), rest, topic))
        lifts = [a - b for a, b in zip(afters, befores, strict=True)]
        print(
            f"{topic:24}{len(wrong):>7}{len(wrong) // 2:>6}{statistics.median(befores):>10.3f}{min(afters):>10.3f}"
            f"{statistics.median(afters):>8.3f}{statistics.median(lifts):>+9.3f}"
        )
    print(f"corrections: {len(ids)} topics × {args.draws} draws in {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
