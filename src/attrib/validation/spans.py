"""Offsets against the text: the one check every fragment, region and choice goes through."""

from __future__ import annotations

from typing import Any, Iterator

from ..errors import SHOWN, first_difference, shorten, unlike
from ..records import is_int
from .findings import Finding, Where


SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
          "\u200a\u2028\u2029\u202f\u205f\u3000")  # what str.isspace() takes, so what str.split() splits at
_SPACES = str.maketrans(SPACES, " " * len(SPACES))


def words(text: str) -> str:
    """`text`'s words, one space between them: what str.split() gives, made in whole strings (a list of every word of
    a 90 MB text field took 2.7 GB, and re.sub's pieces as much)."""
    text = text.translate(_SPACES)
    while "  " in text:
        text = text.replace("  ", " ")
    return text.strip(" ")


def same_but_whitespace(a: str, b: str) -> bool:
    return words(a) == words(b)


LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines() splits at
WRITTEN_BREAK = "\\n"  # backslash and n: how Label Studio 1.23 writes a line break in a region's text
EDGE_SLACK = 2  # characters at one end of such a text that may differ


def as_written_across_lines(covered: str, actual: str) -> bool:
    """Whether a region's text is what Label Studio 1.23 writes for a selection across lines: each line break as a
    backslash and an n, and at times a character at one end left out (seen: a closing quotation mark), the offsets
    right. A shift of the offsets (counted in other units) changes both ends, and stays an error."""
    if WRITTEN_BREAK not in covered or not any(c in actual for c in LINE_BREAKS):
        return False
    said, found = words(covered.replace(WRITTEN_BREAK, " ")), words(actual)
    if said == found:
        return True
    prefix, suffix = first_difference(said, found), first_difference(said[::-1], found[::-1])
    return max(len(said), len(found)) - max(prefix, suffix) <= EDGE_SLACK  # all but the last (first) 2 alike


def first_overlap(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Two distinct spans of `spans` (sorted) that share characters, the earlier first; None if none do. One
    attribution's fragments of one role are separate pieces of text: two that overlap are scored as two spans by eval
    and agreement (each half of a content drawn twice matched nothing), while alpha sees their characters once."""
    reach: tuple[int, int] | None = None  # the span reaching furthest so far
    for span in spans:
        if reach is not None and span != reach and span[0] < reach[1]:
            return reach, span
        if reach is None or span[1] > reach[1]:
            reach = span
    return None


def overlap_message(role: str, pair: tuple[tuple[int, int], tuple[int, int]]) -> str:
    (a, b), (c, d) = pair
    return (f"{role} fragments [{a}, {b}) and [{c}, {d}) of one attribution overlap: eval scores each on its own; "
            "make them one fragment")


def _offset(value: int) -> str:
    """An offset for a message: an integer of a hundred digits is shown by its size."""
    return str(value) if value < 10**12 else f"(an integer of {len(str(value))} digits)"


def span_findings(text: str, span: Any, where: Where, *, tolerant: bool, region_id: str | None = None) -> Iterator[Finding]:
    """Findings for `span` ({"start", "end", "text"}) inside `text`.

    `where` is the span's own location (`...value`); wrong types and negative offsets are the
    schema's to report. With `tolerant`, a `text` that differs from
    the slice in whitespace only is a warning (Label Studio collapses double spaces in value.text);
    attrib records must match exactly.
    """
    if not isinstance(span, dict):
        return
    start, end = span.get("start"), span.get("end")
    for key, offset in (("start", start), ("end", end)):
        if isinstance(offset, float) and offset.is_integer():  # JSON Schema's integer, not a Python int
            yield where.at(key).finding("V102", f"{key} is {offset!r}: offsets are written as integers", region_id)
    if not (is_int(start) and is_int(end)) or start < 0:
        return  # the schema reports wrong types and negative offsets
    if end > len(text):
        yield where.at("end").finding("V201", f"span [{_offset(start)}, {_offset(end)}) does not fit a text of "
                                              f"{len(text)} characters", region_id)
        return
    if start >= end:
        yield where.at("start").finding("V202", f"span [{_offset(start)}, {end}) is {'empty' if start == end else 'reversed'}",
                                        region_id)
        return
    actual = text[start:end]
    if not actual.strip():  # a line break selected alone: brat, for one, has nothing to write of it
        yield where.at("start").finding("V205", f"span [{start}, {end}) covers whitespace only ({actual!r})", region_id)
    covered = span.get("text")
    if not isinstance(covered, str):
        return
    if covered == actual:
        return
    if tolerant and same_but_whitespace(covered, actual):
        yield where.at("text").finding("V204", f"text {covered!r} differs in whitespace from the text at "
                                               f"[{start}, {end}): {actual!r}", region_id)
    elif tolerant and as_written_across_lines(covered, actual):
        yield where.at("text").finding("V204", f"text {shorten(covered, SHOWN)!r} is how Label Studio writes a "
                                               f"selection across lines (line breaks as \\n) of the text at [{start}, "
                                               f"{end}): {shorten(actual, SHOWN)!r}; the offsets are taken", region_id)
    else:
        yield where.at("text").finding("V203", f"text {shorten(covered, SHOWN)!r} differs from the text at [{start}, "
                                               f"{end}): {shorten(actual, SHOWN)!r}{unlike(covered, actual)}", region_id)
