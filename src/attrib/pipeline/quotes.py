"""Quotations in raw text: the character spans of direct quotes, marks included.

Works on characters, not tokens, so that it is independent of the tokenizer and exact on offsets.
- Curly (“ ”), guillemet (« ») and straight (") double quotes; a straight mark opens after a space, a bracket or a line start and closes otherwise.
- Paragraphs: where a text separates paragraphs by blank lines, a single line break is a wrapped
  line; elsewhere every line is a paragraph.
- News convention: a paragraph that ends inside a quotation and is followed by one opening with a
  quote mark continues the quotation; the span then covers both paragraphs.
- An opening mark that is never closed closes at the end of its paragraph, so that one stray mark
  cannot swallow the rest of the document. A closing mark without an opening one is ignored.
Single quotes are left alone: in news copy they are mostly apostrophes and scare quotes.
"""

from __future__ import annotations

import re

OPENING = {"“": "”", "«": "»", '"': '"'}
ALL_MARKS = "“”«»\"‘’"


BLANK_LINE = re.compile(r"\n[ \t\r]*\n")


def blank_line_paragraphs(text: str) -> bool:
    """Whether `text` separates paragraphs by blank lines (so that a single line break is only a wrap)."""
    return BLANK_LINE.search(text) is not None


def _opens_straight(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else "\n"
    after = text[i + 1] if i + 1 < len(text) else " "
    if before.isspace() or before in "([{—–-:/":
        return not after.isspace()
    return False


def _next_paragraph_start(text: str, i: int) -> int:
    """Skip line breaks and blank lines from i; return the first non-space offset."""
    j = i
    while j < len(text) and text[j] in " \t\r\n":
        j += 1
    return j


def find_quotes(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) spans of direct quotations in `text`, quote marks included."""
    spans: list[tuple[int, int]] = []
    wraps = blank_line_paragraphs(text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch not in OPENING or (ch == '"' and not _opens_straight(text, i)):
            i += 1
            continue
        start, closer = i, OPENING[ch]
        j = i + 1
        end = None
        while j < n:
            c = text[j]
            if c == "\n":
                k = _next_paragraph_start(text, j)
                if wraps and "\n" not in text[j + 1 : k]:
                    j += 1  # a wrapped line, not a paragraph end
                    continue
                # paragraph ends inside the quote: continue only if the next paragraph opens with a mark
                if k < n and text[k] == ch:
                    j = k + 1
                    continue
                end = _trim_right(text, start, j)
                break
            if c == closer and (closer != '"' or not _opens_straight(text, j)):
                end = j + 1
                break
            j += 1
        if end is None:
            end = _trim_right(text, start, n)
        if end - start > 2:
            spans.append((start, end))
        i = max(end, start + 1)
    return spans


def _trim_right(text: str, start: int, end: int) -> int:
    while end > start + 1 and text[end - 1].isspace():
        end -= 1
    return end


def strip_marks(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink (start, end) past quote marks and whitespace at both ends."""
    while start < end and (text[start] in ALL_MARKS or text[start].isspace()):
        start += 1
    while end > start and (text[end - 1] in ALL_MARKS or text[end - 1].isspace()):
        end -= 1
    return start, end
