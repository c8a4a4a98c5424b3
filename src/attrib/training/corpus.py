"""Training data: annotated documents from any input attrib reads, turned into spaCy's DocBin.

Inputs: attrib records or gold JSONL, Label Studio JSON exports (checked as `attrib validate` does;
the latest non-cancelled annotation of each task), and brat folders (attrib.formats readers).
Each document becomes a Doc tokenized by the base pipeline, with
- `attrib_learned`: every SOURCE, CUE and CONTENT fragment as a labelled span (for the span classifier);
- `attrib_cand_<role>`: the same fragments per role, unlabelled (for the per-role span finders).
Fragments are snapped outward to token boundaries; a span shared by several attributions is kept once.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Iterable, Iterator

from spacy.tokens import Doc, DocBin

from ..errors import InputError
from ..formats import brat
from ..formats.inputs import read_input, without_blank_spans
from ..long_runs import tokenizable
from ..records import ROLES

GOLD_KEY = "attrib_learned"
CANDIDATE_KEYS = {role: f"attrib_cand_{role}" for role in ROLES}
LABELS = {role: role.upper() for role in ROLES}


def read_training_records(paths: Iterable[str | Path]) -> Iterator[dict]:
    """Annotated records from JSONL files, Label Studio exports (validated; of each task the annotation a reviewer
    marked ground truth, else the latest: a later annotation did not override the review) and brat folders, in
    order."""
    for raw in paths:
        path = Path(raw)
        yield from (without_blank_spans(brat.read(path), path) if path.is_dir()
                    else read_input(path, choose="reviewed", drafts_do=False))


def split(records: list[dict], fraction: float, seed: int = 0, at_least_one: bool = True) -> tuple[list[dict], list[dict]]:
    """A seeded random split of documents: (kept, held out), about `fraction` of them held out; at least one when
    `at_least_one` (and more than one document), else none where `fraction` makes less than one (none of 9 at 10%).
    Documents of one text (a syndicated article under two ids) go to the same side: held out, one of them was
    scored on as unseen while the model had trained on the other."""
    if not records:
        return [], []
    rng = random.Random(seed)
    order = sorted(range(len(records)), key=lambda _: rng.random())
    share = len(records) * fraction
    wanted = max(1, round(share)) if at_least_one else (round(share) if share >= 1 else 0)
    n_out = min(len(records) - 1, wanted) if fraction > 0 else 0
    mates: dict[str, list[int]] = {}
    for i, record in enumerate(records):
        mates.setdefault(same_text(record["text"]), []).append(i)
    out: set[int] = set()
    for i in order:
        if len(out) >= n_out:
            break
        group = mates[same_text(records[i]["text"])]
        if len(out | set(group)) < len(records):  # one text only: nothing would be left to train on
            out.update(group)
    return [r for i, r in enumerate(records) if i not in out], [r for i, r in enumerate(records) if i in out]


def parseable(records: list[dict], where: str, max_chars: int) -> None:
    """Refuse a text longer than the base pipeline parses as one document (spaCy's max_length: E088 ended training
    in a traceback)."""
    for record in records:
        if len(record["text"]) > max_chars:
            raise InputError(f"{where}: document {record['id']!r} is {len(record['text']):,} characters, more than the "
                             f"{max_chars:,} spaCy parses as one document: split it into articles")


def same_text(text: str) -> str:
    """What two copies of one document share: its text, line ends aside."""
    return text.replace("\r\n", "\n")


def record_to_doc(doc: Doc, record: dict) -> Doc:
    """Put a record's fragments on a tokenized Doc of its text, as the span groups described above."""
    labelled: dict[tuple[int, int, str], object] = {}
    for attr in record["attributions"]:
        for role in ROLES:
            for frag in attr.get(role) or []:
                span = doc.char_span(frag["start"], frag["end"], label=LABELS[role], alignment_mode="expand")
                if span is not None:
                    labelled.setdefault((span.start, span.end, role), span)
    doc.spans[GOLD_KEY] = [labelled[k] for k in sorted(labelled)]
    for role, key in CANDIDATE_KEYS.items():
        doc.spans[key] = [doc[s:e] for s, e, r in sorted(labelled) if r == role]
    return doc


def to_docbin(records: Iterable[dict], make_doc) -> DocBin:
    """A DocBin of training Docs for `records`, tokenized with `make_doc` (the base pipeline's tokenizer) as
    annotation tokenizes: long runs without white space cut (`tokenizable`). spaCy's corpus reader tokenizes each
    Doc's text again, every epoch: a run of 10,000 "=" took 23 s each time."""
    docbin = DocBin(store_user_data=False)
    for record in records:
        docbin.add(record_to_doc(make_doc(tokenizable(record["text"])), record))
    return docbin
