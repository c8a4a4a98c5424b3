"""The helper tests share to write attributions by hand: the fragment a substring covers."""

from __future__ import annotations

from attrib.records import fragment


def frag_of(text: str, sub: str, nth: int = 0, after: str = "") -> dict:
    """The fragment of `text` covered by the `nth` occurrence (0: the first) of `sub`, counted from
    the end of the first occurrence of `after` (from the start of `text` when `after` is empty)."""
    start = text.index(after) + len(after) - 1 if after else -1
    for _ in range(nth + 1):
        start = text.index(sub, start + 1)
    return fragment(text, start, start + len(sub))
