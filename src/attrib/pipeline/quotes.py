"""Quotations in raw text: the character spans of direct quotes, marks included.

Works on characters, not tokens, so that it is independent of the tokenizer and exact on offsets.
- Curly (“ ”), guillemet (« »), straight (") and doubled-apostrophe ('') double quotes; a straight mark opens after a space, a bracket or a line start and closes otherwise; straight and curly marks close each other.
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

DOUBLED = "''"
OPENING = {"“": "”", "«": "»", '"': '"', DOUBLED: DOUBLED}
STRAIGHT = {'"', DOUBLED}
MIXABLE = {'"', "”"}
ALL_MARKS = "“”«»\"‘’"


BLANK_LINE = re.compile(r"\n[ \t\r]*\n")


def blank_line_paragraphs(text: str) -> bool:
    """Whether `text` separates paragraphs by blank lines (so that a single line break is only a wrap)."""
    return BLANK_LINE.search(text) is not None


def ends_paragraph(space: str, blank_lines: bool) -> bool:
    """Whether whitespace `space` ends a paragraph, in a text that does (`blank_lines`) or does not
    separate paragraphs by blank lines."""
    return "\n" in space and (not blank_lines or space.count("\n") > 1)


def paragraph_start(text: str, at: int, blank_lines: bool) -> int:
    """Where the paragraph holding offset `at` starts, in a text that does (`blank_lines`) or does not
    separate paragraphs by blank lines."""
    if not blank_lines:
        return text.rfind("\n", 0, at) + 1
    breaks = [m.end() for m in BLANK_LINE.finditer(text, 0, at)]
    return breaks[-1] if breaks else 0


def _opens_straight(text: str, i: int, width: int = 1) -> bool:
    before = text[i - 1] if i > 0 else "\n"
    after = text[i + width] if i + width < len(text) else " "
    if before.isspace() or before in "([{—–-:/":
        return not after.isspace()
    return False


def _next_paragraph_start(text: str, i: int) -> int:
    """Skip line breaks and blank lines from i; return the first non-space offset."""
    j = i
    while j < len(text) and text[j] in " \t\r\n":
        j += 1
    return j


def _mark_at(text: str, i: int) -> str | None:
    """The quote mark starting at i: one character, or two apostrophes ('') as some papers print “."""
    if text.startswith(DOUBLED, i):
        return DOUBLED
    return text[i] if text[i] in OPENING else None


def _opening(text: str, i: int, mark: str) -> bool:
    return mark not in STRAIGHT or _opens_straight(text, i, len(mark))


def _closes(text: str, j: int, closer: str) -> bool:
    """Whether the quotation closes at j. A curly mark typed the wrong way round (“…“) closes by position;
    straight and curly double marks close each other ("…” and “…"), as copy edited by hand mixes them."""
    if closer == "”" and text[j] == "“":
        return j + 1 == len(text) or text[j + 1].isspace() or text[j + 1] in ".,;:!?)"
    if closer in MIXABLE and text[j] in MIXABLE and text[j] != closer:
        return text[j] == "”" or not _opens_straight(text, j)
    return text.startswith(closer, j) and (closer not in STRAIGHT or not _opens_straight(text, j, len(closer)))


def find_quotes(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) spans of direct quotations in `text`, quote marks included."""
    spans: list[tuple[int, int]] = []
    wraps = blank_line_paragraphs(text)
    i, n = 0, len(text)
    while i < n:
        mark = _mark_at(text, i)
        if mark is None or not _opening(text, i, mark):
            i += 1
            continue
        start, closer = i, OPENING[mark]
        j = i + len(mark)
        end = None
        while j < n:
            if text[j] == "\n":
                k = _next_paragraph_start(text, j)
                if wraps and "\n" not in text[j + 1 : k]:
                    j += 1  # a wrapped line, not a paragraph end
                    continue
                # paragraph ends inside the quote: continue only if the next paragraph opens with a mark
                if k < n and text.startswith(mark, k):
                    j = k + len(mark)
                    continue
                end = _trim_right(text, start, j)
                break
            if _closes(text, j, closer):
                end = j + len(closer)
                break
            j += 1
        if end is None:
            end = _trim_right(text, start, n)
        if end - start > 2 * len(mark):
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
