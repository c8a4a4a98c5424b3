"""Counts in what attrib says: "1 document", "2 documents" (not "1 documents")."""

from __future__ import annotations


def amount(count: int, noun: str) -> str:
    """`count` and `noun`, in the plural (noun + "s") unless the count is 1."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def verb(count: int, singular: str, plural: str) -> str:
    """The verb that agrees with `count`: "1 document has", "2 documents have"."""
    return singular if count == 1 else plural
