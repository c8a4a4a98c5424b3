"""Encoder vectors as `attrib_revise` features, on a held-out slice of PolNeAR train (dev never touched).

    # torch, transformers and the packaged encoder: what `make test` installs (the learn extra, requirements/encoder.txt)
    python benchmarks/bench_encoder_features.py ../shared/data/polnear-train.gold.jsonl --layer 3

Issue 15 asked whether contextual vectors tell the annotated boundary from the rule's where the parse's
features do not. This is an experiment, not a part of attrib: it adds columns to the revision's rows by
wrapping `boundaries._row` and `keep.rows` in this process only. Each spaCy token gets the mean of its
wordpieces' hidden states at --layer (windows of 254 wordpieces, 64 shared with the window before),
reduced to --dims by a PCA fitted on the fitting documents' tokens. A boundary candidate's row gains the
vectors of the token at the boundary and of the token just outside it, and their cosine similarities to
each other and to the rule's own boundary token; a keep row gains the vectors of the cue's and the
content's root. The split, fitting and scoring are bench_revision_heldout.py's. --encoder takes any
Hugging Face BERT-like folder; without it the packaged all-MiniLM-L6-v2 is extracted to a temporary folder
and its weights checked against the public release's SHA-256.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy

from attrib.records import spans
from attrib.training import boundaries, keep
from attrib.training.encoder import kept_from, packaged_encoder, windows
from attrib.training.fit_revision import CANDIDATE_SHARE
from bench_revision_heldout import fitted, parsed_split, reviser, scores

def token_vectors(encoder: Path, layer: int, docs: list) -> tuple[list[numpy.ndarray], float, int]:
    """Per spaCy token, the mean of its wordpieces' states at `layer`; seconds taken and wordpieces read."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer, model = AutoTokenizer.from_pretrained(encoder), AutoModel.from_pretrained(encoder).eval()
    model.encoder.layer = model.encoder.layer[:layer]  # the layers above are not read: do not run them
    out, pieces, started = [], 0, time.perf_counter()
    for doc in docs:
        encoded = tokenizer(doc.text, add_special_tokens=False, return_offsets_mapping=True)
        ids, offsets = encoded["input_ids"], numpy.array(encoded["offset_mapping"]).reshape(-1, 2)
        states = numpy.zeros((len(ids), model.config.hidden_size), numpy.float32)
        for start, end in windows(len(ids)):
            chunk = ids[start:end]
            with torch.inference_mode():
                hidden = model(input_ids=torch.tensor([[tokenizer.cls_token_id, *chunk, tokenizer.sep_token_id]]),
                               output_hidden_states=True).hidden_states[layer][0, 1:-1].numpy()
            states[start + kept_from(start) : end] = hidden[kept_from(start):]
            pieces += len(chunk)
        vectors = numpy.zeros((len(doc), model.config.hidden_size), numpy.float32)
        for token in doc:
            inside = (offsets[:, 0] < token.idx + len(token)) & (offsets[:, 1] > token.idx)
            if inside.any():
                vectors[token.i] = states[inside].mean(0)
        out.append(vectors)
    return out, time.perf_counter() - started, pieces


def add_vector_columns(reduced: dict[int, numpy.ndarray], full: dict[int, numpy.ndarray], dims: int) -> None:
    """Wrap the row builders of this process so that boundary and keep rows carry the vectors."""
    inside, outside = [f"vector_in_{k}" for k in range(dims)], [f"vector_out_{k}" for k in range(dims)]
    boundaries.NUMERIC = (*boundaries.NUMERIC, *inside, *outside, "similarity_out", "similarity_own")
    cue_columns, content_columns = [f"cue_vector_{k}" for k in range(dims)], [f"content_vector_{k}" for k in range(dims)]
    keep.NUMERIC = (*keep.NUMERIC, *cue_columns, *content_columns)
    boundary_row, keep_rows = boundaries._row, keep.rows

    def cosine(a: numpy.ndarray, b: numpy.ndarray) -> float:
        return float(a @ b / (numpy.linalg.norm(a) * numpy.linalg.norm(b) + 1e-9))

    def row_with_vectors(view, role, rule, kind, side, i, anchor, first, last, root, cue_tokens, original):
        row = boundary_row(view, role, rule, kind, side, i, anchor, first, last, root, cue_tokens, original)
        small, big = reduced[id(view.doc)], full[id(view.doc)]
        out = i - 1 if side == "start" else i + 1
        has_out = 0 <= out < view.n
        row.update(zip(inside, small[i].tolist()))
        row.update(zip(outside, small[out].tolist() if has_out else [0.0] * dims))
        row["similarity_out"] = cosine(big[i], big[out]) if has_out else -2.0
        row["similarity_own"] = cosine(big[i], big[anchor])
        return row

    def rows_with_vectors(view, attributions, rules, candidates_from=None):
        out = keep_rows(view, attributions, rules, candidates_from)
        small = reduced[id(view.doc)]
        for row, attribution in zip(out, attributions):
            for role, columns in (("cue", cue_columns), ("content", content_columns)):
                span = keep._span(view.doc, spans(attribution, role))
                row.update(zip(columns, small[span.root.i].tolist() if span is not None and len(span) else [0.0] * dims))
        return out

    boundaries._row, keep.rows = row_with_vectors, rows_with_vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", help="PolNeAR train (gold JSONL)")
    parser.add_argument("--encoder", type=Path, help="a Hugging Face BERT-like folder (default: the packaged all-MiniLM-L6-v2)")
    parser.add_argument("--layer", type=int, default=3, help="the hidden layer read (0: the embeddings)")
    parser.add_argument("--dims", type=int, default=32, help="PCA dimensions kept per vector")
    parser.add_argument("--fit", type=float, default=0.8, help="share of the documents the revision is fitted on")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    records, docs, cut = parsed_split(args.train, args.fit, args.seed, CANDIDATE_SHARE)
    with tempfile.TemporaryDirectory() as folder:
        encoder = args.encoder or packaged_encoder(Path(folder))
        vectors, seconds, pieces = token_vectors(encoder, args.layer, docs)
    print(f"{len(docs)} documents encoded to layer {args.layer}: {pieces:,} wordpieces in {seconds:.0f} s "
          f"({pieces / seconds:,.0f}/s)")
    sample = numpy.concatenate(vectors[:cut])
    sample = sample[numpy.random.default_rng(args.seed).choice(len(sample), min(60000, len(sample)), replace=False)]
    mean = sample.mean(0)
    projection = numpy.linalg.svd(sample - mean, full_matrices=False)[2][: args.dims].T
    held_records, held_docs = records[cut:], docs[cut:]
    print(f"rules                  {scores(held_records, held_docs, None)}")
    for label in ("revision", "revision + vectors"):
        if label != "revision":
            add_vector_columns({id(d): (v - mean) @ projection for d, v in zip(docs, vectors)},
                               {id(d): v for d, v in zip(docs, vectors)}, args.dims)
        revision = reviser(*fitted(records[:cut], docs[:cut], args.seed))
        print(f"{label:<22} {scores(held_records, held_docs, revision)}")


if __name__ == "__main__":
    main()
