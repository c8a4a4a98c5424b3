"""`conll`: one token per line with BIO tags for SOURCE, CUE and CONTENT and the attribution index.

    # doc_id = seed-000
    “	B-CONTENT	1
    Huge	I-CONTENT	1
    ...
    sources	B-SOURCE	1

Columns (tab-separated): the token, its tag, the index of its attribution in the record (0-based);
`O` and `_` outside any attribution. A token in several attributions (a quote inside a quote) has all
its tags joined by `|`, in the order of the indexes: `I-CONTENT|B-SOURCE` with `0|1`. A blank line ends
each sentence; `# doc_id = ...` starts each document. A fragment's tag starts with B- at its first
token and again at the first token of each further sentence it runs into, so that every sentence is a
valid BIO sequence. Tokens and sentences: see tokens.py; whitespace tokens are left out.

Drops character offsets (fragments snap outward to whole tokens), kind, confidence, source entity,
meta and provenance.

    attrib export dataset.jsonl -f conll -o dataset.conll
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import IO, Iterable

from spacy.tokens import Doc

from ..jsonio import atomic_write
from ..records import ROLES
from .tokens import docs


def _marks(doc: Doc, attributions: list[dict]) -> dict[int, list[tuple[int, int, str, int]]]:
    """token index -> (attribution index, role order, role, fragment index) of each fragment over it."""
    marks: dict[int, list] = defaultdict(list)
    for i, attr in enumerate(attributions):
        for r, role in enumerate(ROLES):
            for j, frag in enumerate(attr.get(role) or []):
                span = doc.char_span(frag["start"], frag["end"], alignment_mode="expand")
                for token in span if span is not None else ():
                    marks[token.i].append((i, r, role, j))
    return marks


def _write_doc(handle: IO[str], doc: Doc, record: dict) -> None:
    """The lines of one document."""
    marks = _marks(doc, record.get("attributions") or [])
    handle.write(f"# doc_id = {record['id']}\n")
    for sent in doc.sents:
        previous: set = set()
        lines = []
        for token in sent:
            if token.is_space:
                continue
            here = sorted(marks.get(token.i, ()))
            tags = [f"{'I' if m in previous else 'B'}-{m[2].upper()}" for m in here]
            indexes = [str(m[0]) for m in here]
            lines.append(f"{token.text}\t{'|'.join(tags) or 'O'}\t{'|'.join(indexes) or '_'}\n")
            previous = set(here)
        if lines:
            handle.write("".join(lines) + "\n")


def write(records: Iterable[dict], out: Path) -> list[Path]:
    """Stream `records` to one CoNLL file."""
    with atomic_write(out) as handle:
        for doc, record in docs(records):
            _write_doc(handle, doc, record)
    return [out]
