"""The span finders' scores as `attrib_revise` features, on a held-out slice of PolNeAR train (dev never touched).

    python benchmarks/bench_finder_features.py ../shared/data/polnear-train.gold.jsonl --seed 0

`attrib train` fits the revision with the learned span finders' scores of every token (finder_scores.py),
cross-fitted (cross_fit.py): each half of the training documents is scored by finders trained on the other
half. This runs that on bench_revision_heldout.py's split: the fitting part is cross-fitted with
--max-steps spaCy steps per half (a tenth of each half chooses its checkpoints), the held-out documents get
the first half's finders' scores (a final pipeline's finders, trained on all, would score them: that is
measured on dev by bench_train.py), and the revision with the scores is scored next to the one without.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import spacy

from attrib.training import cross_fit, spacy_fit
from attrib.training.fit_revision import CANDIDATE_SHARE
from attrib.training.corpus import split, to_docbin
from attrib.training.settings import TrainSettings
from attrib.training.train import load_base
from bench_revision_heldout import fitted, parsed_split, reviser, scores


def finder_scores(records: list[dict], cut: int, seed: int, max_steps: int) -> tuple[list[dict], list[dict]]:
    """The span finders' scores of the fitting documents (`records[:cut]`), cross-fitted with `max_steps` spaCy steps a
    half, and of the held-out ones (`records[cut:]`), from the first half's finders."""
    settings = TrainSettings(max_steps=max_steps, eval_frequency=max(1, max_steps // 3), seed=seed)
    base = load_base(settings.base)
    with tempfile.TemporaryDirectory(prefix="bench-finder-") as name:
        folder = Path(name)

        def train_half(half: list[dict], number: int):
            train_part, dev_part = split(half, 0.1, seed)
            to_docbin(dev_part, base.make_doc).to_disk(folder / f"dev{number}.spacy")
            run = spacy_fit.prepare(train_part, base.make_doc, folder / f"half{number}")
            return spacy.load(spacy_fit.fit(run, folder / f"dev{number}.spacy", settings, settings.max_steps, settings.eval_frequency))

        models = [train_half(half, number) for number, half in enumerate(cross_fit.training_halves(records[:cut], seed))]
        return (cross_fit.cross_fitted(records[:cut], models, seed),
                cross_fit.scores_of(models[0], [r["text"] for r in records[cut:]]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", help="PolNeAR train (gold JSONL)")
    parser.add_argument("--fit", type=float, default=0.8, help="share of the documents the revision is fitted on")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-steps", type=int, default=1500, help="spaCy steps of each half's training")
    args = parser.parse_args()
    records, docs, cut = parsed_split(args.train, args.fit, args.seed, CANDIDATE_SHARE)
    started = time.perf_counter()
    finder, held_finder = finder_scores(records, cut, args.seed, args.max_steps)
    held_records, held_docs = records[cut:], docs[cut:]
    print(f"{len(records)} documents; the fitting {cut} cross-fitted ({args.max_steps} steps a half) in "
          f"{time.perf_counter() - started:.0f} s")
    print(f"rules                  {scores(held_records, held_docs, None)}")
    print(f"revision               {scores(held_records, held_docs, reviser(*fitted(records[:cut], docs[:cut], args.seed)))}")
    with_scores = reviser(*fitted(records[:cut], docs[:cut], args.seed, finder))
    print(f"revision + finder      {scores(held_records, held_docs, with_scores, held_finder)}")


if __name__ == "__main__":
    main()
