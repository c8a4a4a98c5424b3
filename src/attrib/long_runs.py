"""Text with long runs without white space, made quick for spaCy's tokenizer, offsets kept.

spaCy's tokenizer splits a run of punctuation or emoji one character at a time, in time that grows with the square
of its length: 20,000 "=" took over a minute (a line of them is a separator in scraped text). `tokenizable` gives the
tokenizer a space every RUN_CHARS characters of such a run, the length and so every offset kept (annotate parses it,
and takes every fragment's text from the document); `exact_doc` puts the text's own characters back, each cut one a
token of its own, where the tokens must be the text's (the conll and spacy exports).
"""

from __future__ import annotations

import re
from typing import Callable

from spacy.tokens import Doc

RUN_CHARS = 200  # characters without white space after which the tokenizer is given a space
_LONG_RUN = re.compile(r"\S{%d,}" % (RUN_CHARS + 1))


def tokenizable(text: str) -> str:
    """`text` with every RUN_CHARS-th character of a long run without white space made a space."""
    def cut(run: re.Match) -> str:
        chars = list(run.group())
        chars[RUN_CHARS::RUN_CHARS] = " " * len(chars[RUN_CHARS::RUN_CHARS])
        return "".join(chars)

    return _LONG_RUN.sub(cut, text)


def exact_doc(tokenizer: Callable[[str], Doc], text: str) -> Doc:
    """`tokenizer`'s Doc of `text`, made from `tokenizable(text)` where that differs: a cut character follows the
    token before it with no space between (the tokenizer read it as that token's trailing space), so `doc.text`
    is `text` and every other token is the tokenizer's own."""
    cut = tokenizable(text)
    doc = tokenizer(cut)
    if cut == text:
        return doc
    words, spaces = [], []
    for token in doc:
        end = token.idx + len(token)
        words.append(text[token.idx : end])
        if token.whitespace_ and text[end] != " ":
            words.append(text[end])
            spaces.extend((False, False))
        else:
            spaces.append(bool(token.whitespace_))
    return Doc(doc.vocab, words=words, spaces=spaces)
