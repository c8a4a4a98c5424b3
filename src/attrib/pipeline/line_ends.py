"""The `attrib_line_ends` component: a Windows line end (CRLF) reads as a plain one, so the drafts are the same.

spaCy keeps `\r\n` as a token of its own, and the encoder reads it by its prefix, suffix and shape, which
differ from `\n`'s: the parse of the text around it shifts, and the rules drafted differently (the seed
article in CRLF got a draft its LF copy did not). Offsets and texts stay the document's; only what the
models read of such a token is made that of its `\n` form, before the first of them runs.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

COMPONENT = "attrib_line_ends"


@Language.component(COMPONENT)
def line_ends(doc: Doc) -> Doc:
    """Give every whitespace token with a carriage return the features of its form with plain line ends."""
    for token in doc:
        if "\r" in token.text and token.is_space:
            plain = doc.vocab[token.text.replace("\r\n", "\n").replace("\r", "\n")]
            lex = token.lex  # a vocabulary entry: set once, the same for every document
            if lex.shape != plain.shape:
                lex.norm_, lex.prefix_, lex.suffix_, lex.shape_ = plain.norm_, plain.prefix_, plain.suffix_, plain.shape_
    return doc
