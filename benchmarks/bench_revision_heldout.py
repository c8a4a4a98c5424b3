"""`attrib_revise` alone on a held-out slice of PolNeAR train: the rules against the revision, dev never touched.

    python benchmarks/bench_revision_heldout.py ../shared/data/polnear-train.gold.jsonl [--margins 0,0.05,0.1]

The documents are shuffled with --seed (0) and cut at --fit (0.8): the revision is fitted on the first part
(fit_revision, as `attrib train` fits it) and both pipelines are scored on the rest with `attrib eval`'s scores.
A round takes about two minutes on 2 cores (parsing 840 documents 75 s, fitting 35 s), so what the README's
"What was tried" table lists can be tried again, and new ideas tried, without touching dev.
"""

from __future__ import annotations

import argparse
import random
import time

from attrib.annotate import load_pipeline
from attrib.evaluate import Scores
from attrib.pipeline.assembly import CANDIDATES_KEY, RULES_KEY
from attrib.records import iter_records, make_record
from attrib.pipeline import FACTORY
from attrib.training import finder_scores, fit_revision
from attrib.training.fit_revision import CANDIDATE_SHARE
from attrib.training.reviser import Reviser


def scores(records: list[dict], docs: list, reviser: Reviser | None, finder: list[dict] | None = None) -> str:
    """`attrib eval`'s figures of the rules, or of the revision (reading `finder`, the span finders' scores per
    document, when given)."""
    found = Scores()
    for number, (record, doc) in enumerate(zip(records, docs)):
        attributions = list(doc._.attributions or [])
        if reviser is not None:  # as attrib_revise runs: a document without the rules' drafts may have candidates
            rules = list(doc.user_data.get(RULES_KEY) or [])
            attributions = reviser.revise(doc, attributions, rules, finder[number] if finder else None,
                                          doc.user_data.get(CANDIDATES_KEY))
        found.add(record, make_record(record["id"], record["text"], attributions, {}))
    figures = found.as_dict()
    exact = " ".join(f"{role} {100 * figures['roles'][role]['exact']['f1']:.2f}" for role in ("source", "cue", "content"))
    return (f"{exact}  attribution {100 * figures['attributions']['f1']:.2f}  "
            f"jaccard50 {100 * figures['attributions_by_definition']['found_jaccard50']['f1']:.2f}")


def parsed_split(train: str, fit: float, seed: int, candidate_share: float) -> tuple[list[dict], list, int]:
    """The documents of `train` shuffled with `seed`, parsed (rules and their candidates included), and where
    the fitting part ends."""
    records = list(iter_records([train]))
    random.Random(seed).shuffle(records)
    nlp = load_pipeline()
    rules = nlp.get_pipe(FACTORY)
    shared, rules.candidate_share = rules.candidate_share, candidate_share  # load_pipeline's object: put back
    try:
        docs = list(nlp.pipe([r["text"] for r in records], batch_size=16, n_process=2))
    finally:
        rules.candidate_share = shared
    return records, docs, round(len(records) * fit)


def fitted(records: list[dict], docs: list, seed: int, finder: list[dict] | None = None) -> tuple[dict, dict, dict]:
    """The revision's models, tables and report, fitted on these documents as `attrib train` fits them
    (reading `finder`, the span finders' scores per document, when given)."""
    examples = fit_revision.Examples()
    for number, (record, doc) in enumerate(zip(records, docs)):
        fit_revision.add_document(examples, number, doc, record["attributions"], finder[number] if finder else None)
    return fit_revision.fit(examples, seed=seed, scores=finder_scores.sets_in(finder or ()))


def reviser(models: dict, tables: dict, report: dict, margin: float = 0.0) -> Reviser:
    revision = Reviser("attrib_revise", report["keep_threshold"], margin, report["candidate_threshold"])
    revision.models, revision.tables = models, tables
    return revision


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", help="PolNeAR train (gold JSONL)")
    parser.add_argument("--fit", type=float, default=0.8, help="share of the documents the revision is fitted on")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--margins", default="0,0.05,0.1", help="move margins to score the revision at")
    parser.add_argument("--candidate-share", type=float, default=CANDIDATE_SHARE,
                        help="the laxer rules' candidates: every prior threshold times this (1: none)")
    args = parser.parse_args()
    started = time.perf_counter()
    records, docs, cut = parsed_split(args.train, args.fit, args.seed, args.candidate_share)
    print(f"{len(records)} documents: fitted on {cut}, scored on {len(records) - cut}; parsed in "
          f"{time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    models, tables, report = fitted(records[:cut], docs[:cut], args.seed)
    print(f"fitted in {time.perf_counter() - started:.0f} s; rows {report['rows']}; keep threshold "
          f"{report['keep_threshold']:.3f}; candidates {report['candidate_check']}")
    held_records, held_docs = records[cut:], docs[cut:]
    print(f"rules                  {scores(held_records, held_docs, None)}")
    for margin in map(float, args.margins.split(",")):
        print(f"revision, margin {margin:<5g} {scores(held_records, held_docs, reviser(models, tables, report, margin))}")


if __name__ == "__main__":
    main()
