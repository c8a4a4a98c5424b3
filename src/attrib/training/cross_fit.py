"""Span-finder scores for the revision's training documents, from finders that did not see them.

`attrib_revise` is fitted on the rules' attributions over the training documents, and its models read
the learned span finders' scores (finder_scores.py). The finders of the final pipeline were trained on
those same documents: their scores there are far more confident than on new text, and a revision fitted on
them learns to trust them too much (on a held-out slice of PolNeAR train, attribution F1 fell 1.9 points).
So the training documents are cut in two halves, a pipeline is trained on each with spaCy's loop (by
train.py, in a second process beside the main run), and each half's documents get the scores of the finders
trained on the other half.
"""

from __future__ import annotations

import random
from typing import Iterable

from spacy.language import Language

from ..long_runs import tokenizable
from . import finder_scores

MIN_DOCUMENTS = 20  # fewer training documents make halves too small to learn from: no finder scores
STEPS_SHARE = 3  # each half is trained for a third of the run's steps
FINDERS = ("attrib_tok2vec", "attrib_find_source", "attrib_find_cue", "attrib_find_content")


def halves(records: list[dict], seed: int) -> tuple[list[int], list[int]] | None:
    """The document numbers of `records` shuffled with `seed` and cut in two, each half holding an annotated document
    (spaCy stops on a component with no label: a half of unannotated documents ended training); None when fewer
    than two are annotated."""
    order = list(range(len(records)))
    random.Random(seed).shuffle(order)
    first, second = order[: len(order) // 2], order[len(order) // 2 :]
    if sum(1 for record in records if record["attributions"]) < 2:
        return None
    for part, other in ((first, second), (second, first)):
        if not any(records[i]["attributions"] for i in part):  # the other holds them all: one changes sides
            taken = next(i for i in other if records[i]["attributions"])
            other[other.index(taken)], part[0] = part[0], taken
    return sorted(first), sorted(second)


def scores_of(nlp: Language, texts: list[str]) -> list[dict]:
    """The finders' scores of each text's tokens, running only the finders and the layer under them."""
    with nlp.select_pipes(enable=[name for name in FINDERS if name in nlp.pipe_names]):
        return [finder_scores.take(doc) for doc in nlp.pipe(map(tokenizable, texts), batch_size=16)]


def training_halves(records: list[dict], seed: int) -> list[list[dict]] | None:
    """The records of each half (halves), or None when there are too few to halve, or too few annotated."""
    parts = halves(records, seed) if len(records) >= MIN_DOCUMENTS else None
    return None if parts is None else [[records[i] for i in part] for part in parts]


def scored_by(records: list[dict], seed: int) -> list[int]:
    """Per record, the number of the half (halves) whose model scores it: the half it is not in."""
    out = [0] * len(records)
    for number, part in enumerate(halves(records, seed)):
        for i in part:
            out[i] = 1 - number
    return out


def cross_fitted(records: list[dict], pipelines: Iterable[Language], seed: int) -> list[dict]:
    """Per record, the span finders' scores from the pipeline trained on the other half of `records`
    (the k-th of `pipelines` was trained on `training_halves(records, seed)[k]`; each is used, then let go)."""
    out: list[dict] = [{} for _ in records]
    by = scored_by(records, seed)
    for number, nlp in enumerate(pipelines):
        scored = [i for i, half in enumerate(by) if half == number]
        for i, scores in zip(scored, scores_of(nlp, [records[i]["text"] for i in scored])):
            out[i] = scores
    return out
