"""The `attrib_emoji` component: an emoji drawn from several code points is one token, as it is one character to a
reader.

spaCy's English tokenizer splits emoji off as punctuation, and so splits a sequence joined by U+200D (👩‍👩‍👧 in
five tokens: three emoji and two joiners), a skin tone, a variation selector and a flag's two letters. The parser then
reads a joiner as a word: after "a mother of two 👩‍👩‍👧" it took one for the subject of "said", and the source was
lost. Merged, the sequence parses as a single emoji does. Offsets and texts are the document's.
"""

from __future__ import annotations

import unicodedata

from spacy.language import Language
from spacy.tokens import Doc

COMPONENT = "attrib_emoji"
ZWJ = "\u200d"
# what continues the emoji before it: the joiner, variation selector 16, the keycap mark, skin tones, tag letters
JOINERS = frozenset([ZWJ, "\ufe0f", "\u20e3", *map(chr, range(0x1F3FB, 0x1F400)), *map(chr, range(0xE0020, 0xE0080))])
_JOINER_CHARS = "".join(JOINERS)


def _regional(char: str) -> bool:
    return "\U0001F1E6" <= char <= "\U0001F1FF"  # a flag is two of these letters


def _symbol(char: str) -> bool:
    return unicodedata.category(char) in ("So", "Sk")


def emoji_runs(doc: Doc) -> list[tuple[int, int]]:
    """The token ranges [i, j) that make one emoji: a symbol, then tokens glued to it (no white space between) that a
    joiner ends or a continuing mark starts, or the second letter of a flag."""
    runs, i = [], 0
    while i < len(doc):
        if not _symbol(doc[i].text[0]):
            i += 1
            continue
        j, letters = i + 1, sum(map(_regional, doc[i].text))
        while j < len(doc) and not doc[j - 1].whitespace_:
            before, text = doc[j - 1].text, doc[j].text
            if not (before.endswith(ZWJ) or text[0] in JOINERS or (letters % 2 and _regional(text[0]))):
                break
            letters += sum(map(_regional, text))
            j += 1
        if j - i > 1:
            runs.append((i, j))
        i = j
    return runs


def _glued_marks(doc: Doc) -> list[tuple[int, int]]:
    """Tokens glued to an emoji that start with its continuing marks and go on with something else (a variation
    selector and a full stop, `\ufe0f.`): (token index, length of the marks)."""
    out = []
    for token in doc[1:]:
        marks = len(token.text) - len(token.text.lstrip(_JOINER_CHARS))
        if 0 < marks < len(token.text) and not doc[token.i - 1].whitespace_ and _symbol(doc[token.i - 1].text[-1]):
            out.append((token.i, marks))
    return out


@Language.component(COMPONENT)
def merge_emoji(doc: Doc) -> Doc:
    """Merge the tokens of each emoji (emoji_runs) into one, its marks first split from what follows them."""
    if glued := _glued_marks(doc):
        with doc.retokenize() as retokenizer:
            for i, marks in glued:
                token = doc[i]
                retokenizer.split(token, [token.text[:marks], token.text[marks:]], heads=[(token, 1), token.head])
    runs = emoji_runs(doc)
    if runs:
        with doc.retokenize() as retokenizer:
            for i, j in runs:
                retokenizer.merge(doc[i:j])
    return doc
