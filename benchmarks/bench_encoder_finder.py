"""A fine-tuned encoder's boundary scores as `attrib_revise` features, on a held-out slice of PolNeAR train (not dev).

    # torch, transformers and the packaged encoder: what `make test` installs (the learn extra, requirements/encoder.txt)
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_encoder_finder.py ../shared/data/polnear-train.gold.jsonl --seed 0

bench_encoder_features.py gave the revision a frozen encoder's vectors; this fine-tunes it. A tagger (the
packaged all-MiniLM-L6-v2 cut to its first --layers layers, and a linear layer of six sigmoid outputs: the
start and the end of a SOURCE, CUE and CONTENT fragment) is fine-tuned on each half of the fitting documents,
as `attrib train` cross-fits its span finders (cross_fit.py), and scores the other half; the held-out documents
get the first half's scores. Those scores take the place of the span finders' (finder_scores.py: a (start,
end) pair per spaCy token and role), and then stand beside them as columns of their own (finder_scores.SETS). The
span finders' halves are trained as bench_finder_features.py trains them. The loop is plain torch, as it was
measured; `attrib train --encoder` fine-tunes with transformers' Trainer (encoder_fit.py).
"""

from __future__ import annotations

import argparse
import math
import random
import tempfile
import time
from pathlib import Path

import numpy

from attrib.records import ROLES
from attrib.training import cross_fit
from attrib.training.encoder import packaged_encoder, targets, windows
from attrib.training.encoder_model import Tagger, wordpieces
from attrib.training.finder_scores import encoder_keyed
from attrib.training.fit_revision import CANDIDATE_SHARE
from bench_finder_features import finder_scores
from bench_revision_heldout import fitted, parsed_split, reviser, scores

def fine_tune(encoder: Path, layers: int, records: list[dict], args) -> Tagger:
    """The tagger fine-tuned on `records` (train)."""
    import torch

    torch.manual_seed(args.seed)
    model = Tagger.build(encoder, layers)
    tokenizer = model.tokenizer
    items = []
    for record in records:
        ids, offsets = wordpieces(tokenizer, record["text"])
        labels = targets(record["attributions"], offsets)
        items += [(ids[s:e], labels[s:e]) for s, e in windows(len(ids))]

    def batch_of(part: list[tuple]) -> tuple:
        (ids, mask, _), gold, inner = padded([(pieces, numpy.zeros(len(pieces), numpy.int64), labels) for pieces, labels in part],
                                             tokenizer.cls_token_id, tokenizer.sep_token_id, 2 * len(ROLES))
        return (ids, mask), gold, inner

    return train(model, items, batch_of, 2 * len(ROLES), args)


def padded(items: list[tuple], cls: int, sep: int, outputs: int):
    """Padded tensors of (wordpiece ids, token types, targets) items: the model's inputs (ids, mask, types), the
    targets (`outputs` per wordpiece), and inner (0 on [CLS], [SEP] and padding)."""
    import torch

    width = max(len(ids) for ids, _, _ in items) + 2
    ids, mask, types = (torch.zeros((len(items), width), dtype=torch.long) for _ in range(3))
    gold, inner = torch.zeros((len(items), width, outputs)), torch.zeros((len(items), width, 1))
    for k, (pieces, kinds, labels) in enumerate(items):
        m = len(pieces)
        ids[k, : m + 2] = torch.tensor([cls, *pieces, sep])
        mask[k, : m + 2] = 1
        types[k, 1 : m + 1] = torch.from_numpy(kinds)
        gold[k, 1 : m + 1] = torch.from_numpy(labels)
        inner[k, 1 : m + 1] = 1
    return (ids, mask, types), gold, inner


def train(model, items: list, batch_of, outputs: int, args):
    """`model` fine-tuned on `items`: AdamW, linear warm-up over a tenth of the steps and decay, BCE with positives
    weighted by args.pos_weight. `batch_of(items)` gives the model's inputs, the targets (`outputs` per wordpiece)
    and where they count (1 on the scored wordpieces, 0 on [CLS], [SEP] and padding)."""
    import torch

    steps = args.epochs * math.ceil(len(items) / args.batch)
    warm = max(1, steps // 10)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda k: min((k + 1) / warm, (steps - k) / max(1, steps - warm)))
    loss = torch.nn.BCEWithLogitsLoss(reduction="none", pos_weight=torch.full((outputs,), args.pos_weight))
    rng = random.Random(args.seed)
    items = list(items)
    model.train()
    for _ in range(args.epochs):
        rng.shuffle(items)
        for b in range(0, len(items), args.batch):
            inputs, gold, inner = batch_of(items[b : b + args.batch])
            (loss(model(*inputs), gold) * inner).sum().div(inner.sum()).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
    return model.eval()


def encoder_scores(records: list[dict], docs: list, cut: int, args) -> tuple[list[dict], list[dict]]:
    """The fitting documents' scores, cross-fitted, and the held-out documents' (the first half's tagger)."""
    import torch

    torch.set_num_threads(2)
    parts = cross_fit.halves(records[:cut], args.seed)
    fitting: list[dict] = [{} for _ in range(cut)]
    with tempfile.TemporaryDirectory() as folder:
        encoder = args.encoder or packaged_encoder(Path(folder))
        for number, (trained_on, scored) in enumerate(((parts[0], parts[1]), (parts[1], parts[0]))):
            started = time.perf_counter()
            model = fine_tune(encoder, args.layers, [records[i] for i in trained_on], args)
            print(f"encoder half {number}: fine-tuned in {time.perf_counter() - started:.0f} s", flush=True)
            for i in scored:
                fitting[i] = model.token_scores(docs[i])
            if number == 0:
                held = [model.token_scores(doc) for doc in docs[cut:]]
    return fitting, held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", help="PolNeAR train (gold JSONL)")
    parser.add_argument("--encoder", type=Path,
                        help="a Hugging Face BERT-like folder (default: the packaged all-MiniLM-L6-v2)")
    parser.add_argument("--layers", type=int, default=3, help="the encoder's layers kept (all-MiniLM-L6-v2 has 6)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch", type=int, default=16, help="windows per step")
    parser.add_argument("--pos-weight", type=float, default=3.0, help="weight of a boundary in the loss")
    parser.add_argument("--max-steps", type=int, default=1500, help="spaCy steps of each span-finder half")
    parser.add_argument("--fit", type=float, default=0.8, help="share of the documents the revision is fitted on")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    records, docs, cut = parsed_split(args.train, args.fit, args.seed, CANDIDATE_SHARE)
    encoder_fit, encoder_held = encoder_scores(records, docs, cut, args)
    started = time.perf_counter()
    finder_fit, finder_held = finder_scores(records, cut, args.seed, args.max_steps)
    print(f"span-finder halves: {time.perf_counter() - started:.0f} s", flush=True)
    fit_records, fit_docs, held_records, held_docs = records[:cut], docs[:cut], records[cut:], docs[cut:]

    def row(label: str, fitting: list[dict] | None, held: list[dict] | None) -> None:
        revision = reviser(*fitted(fit_records, fit_docs, args.seed, fitting))
        print(f"{label:<24} {scores(held_records, held_docs, revision, held)}", flush=True)

    print(f"{'rules':<24} {scores(held_records, held_docs, None)}")
    row("revision", None, None)
    row("revision + finders", finder_fit, finder_held)
    row("revision + encoder", encoder_fit, encoder_held)
    beside = [[{**f, **encoder_keyed(e)} for f, e in zip(a, b)]
              for a, b in ((finder_fit, encoder_fit), (finder_held, encoder_held))]
    row("revision + both", *beside)


if __name__ == "__main__":
    main()
