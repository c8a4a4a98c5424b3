"""Counts in what attrib says: "1 document", "2 documents" (not "1 documents")."""

from __future__ import annotations


def amount(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and `noun`, in the plural (`plural`, else noun + "s") unless the count is 1."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
