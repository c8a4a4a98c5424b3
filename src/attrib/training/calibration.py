"""Calibrated confidence: monotone histogram binning of raw scores, per origin, fitted on held-out documents.

A draft's raw score (the classifier's probabilities, or the rules' own confidence) is not a
probability of being right. On documents the model did not train on, each predicted attribution is
marked right when `attrib eval` would count it found (its content matched one-to-one to a gold
attribution's). Per origin (both, learned, rules) and per tenth of the raw score, the calibrated
confidence is the share found, smoothed toward the origin's overall share (m-estimate, m=4; that share by
Laplace's rule of succession) so that a sparse bin, or an origin whose few drafts were all right, does not jump to
0 or 1. Adjacent bins are pooled where the share would fall as the raw score rises (pool-adjacent-violators, as
in isotonic calibration): a higher score never means a lower confidence, and a bin of seven drafts does not drop
below the floor on its own (1 of 7 found at 0.7-0.8 among the rules' drafts on PolNeAR, against 17 of 44 at
0.5-0.6). Empty bins take the value of the nearest bin below them (above, for the lowest). The reliability table
puts the same numbers side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..evaluate import match_attributions
from .policy import ORIGINS

BINS = 10
M = 4.0
SCHEMA = {  # calibration.json, as to_dict writes it
    "type": "object", "required": ["counts"],
    "properties": {"prior": {"enum": ["share", "laplace"]}, "counts": {"type": "object", "propertyNames": {"enum": list(ORIGINS)}, "additionalProperties": {
        "type": "array", "minItems": BINS, "maxItems": BINS,
        "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "integer", "minimum": 0}}}}},
}


def _bin(raw: float) -> int:
    return min(BINS - 1, max(0, int(raw * BINS)))


@dataclass
class Calibration:
    """Counts per origin and bin: [predicted, found]. Empty counts calibrate to the raw score itself."""

    counts: dict[str, list[list[int]]] = field(default_factory=lambda: {o: [[0, 0] for _ in range(BINS)] for o in ORIGINS})
    # what a bin is smoothed toward: the origin's share by Laplace's rule (laplace), or as it is (share: a model saved
    # before, whose drafts keep their confidences, and with them which fall under min_confidence)
    prior: str = "laplace"

    def add(self, origin: str, raw: float, found: bool) -> None:
        cell = self.counts.setdefault(origin, [[0, 0] for _ in range(BINS)])[_bin(raw)]
        cell[0] += 1
        cell[1] += int(found)

    def add_document(self, text: str, gold: list[dict], predicted: list[dict]) -> None:
        """Count every predicted attribution of one document (each has `origin` and `raw`)."""
        found = {p for _, p in match_attributions(text, gold, predicted)}
        for i, attr in enumerate(predicted):
            self.add(attr["origin"], attr["raw"], i in found)

    def keep_origin(self, other: "Calibration", origin: str) -> None:
        """Take `origin`'s counts from `other`: the drafts of one side only, counted when they were
        written, keep their calibration in a model that no longer writes them (fill can be turned back on)."""
        self.counts[origin] = [list(cell) for cell in other.counts.get(origin, [[0, 0] for _ in range(BINS)])]

    def confidence(self, origin: str, raw: float) -> float:
        values = self.fitted(origin)
        if values is None:
            return round(min(1.0, max(0.0, raw)), 4)
        return values[_bin(raw)]

    def fitted(self, origin: str) -> list[float] | None:
        """The calibrated confidence of every bin of `origin` (None when it has no counts)."""
        cells = self.counts.get(origin)
        total = sum(c[0] for c in cells) if cells else 0
        if not total:
            return None
        found = sum(c[1] for c in cells)
        prior = (found + 1) / (total + 2) if self.prior == "laplace" else found / total  # all of 10 found: not 1

        def smoothed(block: list) -> float:
            return (block[1] + M * prior) / (block[0] + M)

        blocks = []  # [drafts, found, bins], in raw-score order, non-decreasing in smoothed share
        for b, (n, k) in enumerate(cells):
            if not n:
                continue
            blocks.append([n, k, [b]])
            while len(blocks) > 1 and smoothed(blocks[-2]) > smoothed(blocks[-1]):
                n2, k2, bins2 = blocks.pop()
                blocks[-1][0] += n2
                blocks[-1][1] += k2
                blocks[-1][2] += bins2
        values: list[float | None] = [None] * len(cells)
        for block in blocks:
            for b in block[2]:
                values[b] = round(smoothed(block), 4)
        first = next(v for v in values if v is not None)
        for b, value in enumerate(values):
            values[b] = value if value is not None else (values[b - 1] if b else first)
        return values

    def to_dict(self) -> dict:
        return {"bins": BINS, "m": M, "prior": self.prior, "counts": self.counts}

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        return cls(counts={k: [list(c) for c in v] for k, v in data["counts"].items()}, prior=data.get("prior", "share"))


def reliability(pairs: list[tuple[float, bool]]) -> list[dict]:
    """Reliability table of (confidence, right) pairs: per tenth of confidence, mean confidence vs share right."""
    rows = []
    for b in range(BINS):
        cell = [(c, ok) for c, ok in pairs if _bin(c) == b]
        if cell:
            rows.append({
                "bin": f"{b / BINS:.1f}-{(b + 1) / BINS:.1f}",
                "n": len(cell),
                "mean_confidence": round(sum(c for c, _ in cell) / len(cell), 3),
                "share_right": round(sum(ok for _, ok in cell) / len(cell), 3),
            })
    return rows


def expected_calibration_error(pairs: list[tuple[float, bool]]) -> float | None:
    """Mean |confidence - share right| over bins, weighted by bin size."""
    rows = reliability(pairs)
    total = sum(r["n"] for r in rows)
    return round(sum(r["n"] * abs(r["mean_confidence"] - r["share_right"]) for r in rows) / total, 4) if total else None
