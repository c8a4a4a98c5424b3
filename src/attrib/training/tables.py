"""Feature rows (dicts of strings and numbers) as the numeric matrix a gradient-boosted model reads.

Categorical columns keep their most frequent values (scikit-learn's histogram boosting takes at most
MAX_CATEGORIES per column); a value not seen in training, or too rare, is category 0. The
vocabulary is saved with the model, so a loaded model encodes as it did in training.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy

MAX_CATEGORIES = 250


@dataclass
class Table:
    """The columns of one model's rows and the vocabulary of each categorical one."""

    categorical: tuple[str, ...]
    numeric: tuple[str, ...]
    vocab: dict[str, dict[str, int]] = field(default_factory=dict)

    def fit(self, rows: list[dict]) -> "Table":
        for column in self.categorical:
            counts = Counter(row[column] for row in rows)
            self.vocab[column] = {value: i + 1 for i, (value, _) in enumerate(counts.most_common(MAX_CATEGORIES - 1))}
        return self

    def matrix(self, rows: list[dict]) -> numpy.ndarray:
        out = numpy.zeros((len(rows), len(self.categorical) + len(self.numeric)), dtype=numpy.float32)
        for r, row in enumerate(rows):
            for c, column in enumerate(self.categorical):
                out[r, c] = self.vocab[column].get(row[column], 0)
            for c, column in enumerate(self.numeric, start=len(self.categorical)):
                out[r, c] = row[column]
        return out

    def categorical_mask(self) -> list[bool]:
        return [True] * len(self.categorical) + [False] * len(self.numeric)

    def to_dict(self) -> dict:
        return {"categorical": list(self.categorical), "numeric": list(self.numeric), "vocab": self.vocab}

    @classmethod
    def from_dict(cls, data: dict) -> "Table":
        return cls(tuple(data["categorical"]), tuple(data["numeric"]), data["vocab"])
