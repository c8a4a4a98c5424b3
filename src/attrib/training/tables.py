"""Feature rows (named strings and numbers, kept compactly) as the numeric matrix a gradient-boosted model reads.

Categorical columns keep their most frequent values (scikit-learn's histogram boosting takes at most
MAX_CATEGORIES per column); a value not seen in training, or too rare, is category 0. The
vocabulary is saved with the model, so a loaded model encodes as it did in training.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

import numpy

MAX_CATEGORIES = 250


class Rows:
    """One model's rows, each a tuple of values under one shared tuple of column names. The boundary models fit on
    about 800,000 rows on PolNeAR train: as dicts they cost 832 bytes each at 37 columns and 1,584 at 43 (past 42
    keys a dict's table doubles), as tuples 8 bytes a column."""

    def __init__(self, rows: Iterable[dict] = ()):
        self.columns: tuple[str, ...] = ()
        self._index: dict[str, int] = {}
        self._values: list[tuple] = []
        for row in rows:
            self.append(row)

    def append(self, row: dict) -> None:
        if not self._values:
            self.columns = tuple(row)
            self._index = {column: i for i, column in enumerate(self.columns)}
        if len(row) != len(self.columns):
            raise ValueError(f"a row of {len(row)} columns among rows of {len(self.columns)}")
        self._values.append(tuple(row[column] for column in self.columns))

    def __len__(self) -> int:
        return len(self._values)

    def column(self, name: str) -> list:
        """Every row's value of column `name`."""
        if not self._values:
            return []
        i = self._index[name]
        return [values[i] for values in self._values]


@dataclass
class Table:
    """The columns of one model's rows and the vocabulary of each categorical one."""

    categorical: tuple[str, ...]
    numeric: tuple[str, ...]
    vocab: dict[str, dict[str, int]] = field(default_factory=dict)

    def fit(self, rows: Rows) -> "Table":
        for column in self.categorical:
            counts = Counter(rows.column(column))
            self.vocab[column] = {value: i + 1 for i, (value, _) in enumerate(counts.most_common(MAX_CATEGORIES - 1))}
        return self

    def matrix(self, rows: Rows) -> numpy.ndarray:
        out = numpy.zeros((len(rows), len(self.categorical) + len(self.numeric)), dtype=numpy.float32)
        if len(rows):
            for c, column in enumerate(self.categorical):
                vocab = self.vocab[column]
                out[:, c] = [vocab.get(value, 0) for value in rows.column(column)]
            for c, column in enumerate(self.numeric, start=len(self.categorical)):
                out[:, c] = rows.column(column)
        return out

    def categorical_mask(self) -> list[bool]:
        return [True] * len(self.categorical) + [False] * len(self.numeric)

    def to_dict(self) -> dict:
        return {"categorical": list(self.categorical), "numeric": list(self.numeric), "vocab": self.vocab}

    @classmethod
    def from_dict(cls, data: dict) -> "Table":
        return cls(tuple(data["categorical"]), tuple(data["numeric"]), data["vocab"])
