"""`conll`: one token per line with BIO tags for SOURCE, CUE and CONTENT, in two forms.

flat (the default): the form sequence-labelling tools read (seqeval, CoNLL-2003-style readers), two
tab-separated columns, the token and one IOB2 tag:

    # doc_id = seed-000
    “	B-CONTENT
    Huge	I-CONTENT
    ...
    sources	B-SOURCE

Where roles overlap (attributions nest: a quotation holds the source and cue of another), a token
takes the tag of the role that comes first in CUE, SOURCE, CONTENT (then the shorter fragment, then
the earlier attribution): cues and sources are short and sit inside contents, so every attribution's
cue and source stay visible and the content around them is cut into pieces. A chunk is one fragment:
B- on its first token, I- on the others, B- again where another fragment takes over (the second
fragment of a discontinuous content, a content that resumes after a nested source).

rich (`tags="rich"`): three columns, every tag of every attribution over the token joined by `|` in
the order of their attributions, and the index of each attribution in the record (0-based):
`I-CONTENT|B-SOURCE` with `0|1`; `O` and `_` outside any attribution.

In both, a blank line ends a sentence and `# doc_id = ...` starts each document. Sentences are
spaCy's rule-based ones plus a break at every line break (tokens.py), except that no sentence ends
inside a fragment: a quotation of three sentences is one sequence, so every chunk starts with B- in
its own sequence and continues with I- (a reader that takes each sentence on its own, as seqeval's
strict mode does, would drop a chunk that starts with I-). Whitespace tokens are left out.

Both drop character offsets (fragments snap outward to whole tokens), kind, confidence, source entity,
meta and provenance; flat also drops which source, cue and content belong together and the roles a
token loses to a higher one.

    attrib export dataset.jsonl -f conll -o dataset.conll [--tags rich]
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import IO, Iterable, Iterator, NamedTuple

from spacy.tokens import Doc, Token

from ..errors import InputError, shorten
from ..jsonio import atomic_write
from ..records import ROLES
from . import CONLL_FORMS as FORMS
from .tokens import docs

PRIORITY = {"cue": 0, "source": 1, "content": 2}  # flat: the role a token shows where roles overlap


class Mark(NamedTuple):
    """A fragment over a token: its attribution's index, role, fragment index and token span."""

    attribution: int
    role: str
    fragment: int
    start: int
    end: int

    def flat_order(self) -> tuple:
        return PRIORITY[self.role], self.end - self.start, self.attribution, self.fragment


def _fragments(doc: Doc, attributions: list[dict]) -> list[Mark]:
    """Every fragment as the tokens it covers, in attribution and role order."""
    marks = []
    for i, attr in enumerate(attributions):
        for role in ROLES:
            for j, frag in enumerate(attr.get(role) or []):
                span = doc.char_span(frag["start"], frag["end"], alignment_mode="expand")
                if span is not None and len(span):
                    marks.append(Mark(i, role, j, span.start, span.end))
    return marks


def _every_mark(fragments: list[Mark]) -> dict[int, list[Mark]]:
    """rich: token index -> the fragments over it, in attribution and role order (as large as the rows written)."""
    marks: dict[int, list[Mark]] = defaultdict(list)
    for mark in fragments:
        for t in range(mark.start, mark.end):
            marks[t].append(mark)
    return marks


def _shown_mark(fragments: list[Mark], tokens: int) -> dict[int, Mark]:
    """flat: token index -> the one fragment it shows (Mark.flat_order), painted best first over the tokens still
    bare: time and memory grow with the tokens and fragments, not with their product (every (token, fragment) pair
    kept took 3 GB for 100 attributions over a text of a million characters)."""
    shown: dict[int, Mark] = {}
    bare = list(range(tokens + 1))  # bare[t]: a token at or after t that may still be bare (path-halving pointers)

    def next_bare(t: int) -> int:
        while bare[t] != t:
            bare[t] = bare[bare[t]]
            t = bare[t]
        return t

    for mark in sorted(fragments, key=Mark.flat_order):
        t = next_bare(mark.start)
        while t < mark.end:
            shown[t] = mark
            bare[t] = t + 1
            t = next_bare(t + 1)
    return shown


def _sentences(doc: Doc, fragments: list[Mark]) -> Iterator[list[Token]]:
    """The document's sentences without whitespace tokens, none ending inside a fragment."""
    opened = [0] * (len(doc) + 1)  # fragments begun before a token minus those ended: > 0 inside one
    for mark in fragments:
        opened[mark.start + 1] += 1
        opened[mark.end] -= 1
    sentence: list[Token] = []
    depth = 0
    for token in doc:
        depth += opened[token.i]
        if token.is_sent_start and not depth and sentence:
            yield sentence
            sentence = []
        if not token.is_space:
            sentence.append(token)
    if sentence:
        yield sentence


def _flat_rows(sentence: list[Token], marks: dict[int, Mark], previous: tuple | None) -> tuple[list[str], tuple | None]:
    rows = []
    for token in sentence:
        here = marks.get(token.i)
        chunk = None if here is None else (here.role, here.start, here.end)  # a shared source is one chunk
        tag = "O" if chunk is None else f"{'I' if chunk == previous else 'B'}-{here.role.upper()}"
        rows.append(f"{token.text}\t{tag}\n")
        previous = chunk
    return rows, previous


def _rich_rows(sentence: list[Token], marks: dict[int, list[Mark]], previous: set) -> tuple[list[str], set]:
    rows = []
    for token in sentence:
        here = sorted(marks.get(token.i, ()))
        tags = [f"{'I' if m in previous else 'B'}-{m.role.upper()}" for m in here]
        indexes = [str(m.attribution) for m in here]
        rows.append(f"{token.text}\t{'|'.join(tags) or 'O'}\t{'|'.join(indexes) or '_'}\n")
        previous = set(here)
    return rows, previous


def _write_doc(handle: IO[str], doc: Doc, record: dict, form: str) -> None:
    """The lines of one document."""
    fragments = _fragments(doc, record.get("attributions") or [])
    marks = _shown_mark(fragments, len(doc)) if form == "flat" else _every_mark(fragments)
    rows_of = _flat_rows if form == "flat" else _rich_rows
    previous = None if form == "flat" else set()
    if "".join(record["id"].splitlines()) != record["id"]:  # it would end the comment and begin token lines
        raise InputError(f"record {shorten(record['id'], 40)!r}: its id holds a line break, which a CoNLL comment "
                         "(# doc_id = ...) cannot: give the document an id of one line")
    handle.write(f"# doc_id = {record['id']}\n")
    for sentence in _sentences(doc, fragments):
        rows, previous = rows_of(sentence, marks, previous)
        handle.write("".join(rows) + "\n")


def write(records: Iterable[dict], out: Path, tags: str = "flat") -> list[Path]:
    """Stream `records` to one CoNLL file, in the `tags` form (flat or rich)."""
    if tags not in FORMS:
        raise InputError(f"unknown CoNLL form {tags!r}: choose one of {', '.join(FORMS)}")
    with atomic_write(out) as handle:
        for doc, record in docs(records):
            _write_doc(handle, doc, record, tags)
    return [out]
