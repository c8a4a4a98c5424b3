"""Tokens and sentences for the token-level formats (conll, spacy): spaCy's rule-based English
tokenizer and sentencizer, `spacy.blank("en")`, plus a sentence break at every line break (news text
has headlines and datelines without final punctuation). No trained model: the point is tokens, not
analyses, and the same text always gives the same tokens. A long run without white space is tokenized in pieces
(long_runs.exact_doc): spaCy's tokenizer takes time that grows with the square of its length.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ..emoji import COMPONENT as EMOJI
from ..long_runs import exact_doc

BATCH = 256


@Language.component("attrib_line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """Start a sentence after every whitespace token holding a line break."""
    for token in doc[1:]:
        before = doc[token.i - 1]
        if before.is_space and before.text.splitlines() != [before.text]:  # any line break str.splitlines knows
            token.is_sent_start = True
    return doc


@cache
def pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.max_length = sys.maxsize  # spaCy's 1,000,000 guards a parser's memory: this pipeline only splits (E088 crashed)
    nlp.add_pipe(EMOJI)  # an emoji of several code points is one token, as in annotation
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("attrib_line_breaks")
    return nlp


def docs(records: Iterable[dict]) -> Iterator[tuple[Doc, dict]]:
    """Each record with its tokenised, sentence-split Doc, streamed in batches."""
    nlp = pipeline()
    yield from nlp.pipe(((exact_doc(nlp.tokenizer, r["text"]), r) for r in records), as_tuples=True, batch_size=BATCH)
