"""Which documents to annotate first: those whose drafts the model is least sure of.

A draft with calibrated confidence c is a coin flip at c = 0.5 and settled at 0 or 1; its
uncertainty is 1 - |2c - 1|. A document's uncertainty is the mean over its drafts, so that one sure
attribution does not hide three doubtful ones; a document with no drafts scores 0.5 (the model may
have missed everything, or there is nothing to find). Annotating the most uncertain documents first
gives the next `attrib train` the examples it learns most from.
"""

from __future__ import annotations

from ..errors import InputError

ORDERS = ("input", "uncertain")
NO_DRAFTS = 0.5


def uncertainty(record: dict) -> float:
    confidences = [a["confidence"] for a in record.get("attributions") or [] if a.get("confidence") is not None]
    if not confidences:
        return NO_DRAFTS
    return sum(1 - abs(2 * c - 1) for c in confidences) / len(confidences)


def order_records(records: list[dict], order: str = "input") -> list[dict]:
    """`records` in input order, or most uncertain first (ties keep input order)."""
    if order == "input":
        return list(records)
    if order == "uncertain":
        return sorted(records, key=uncertainty, reverse=True)
    raise InputError(f"--order must be one of {', '.join(ORDERS)}, not {order!r}")
