"""Krippendorff's alpha over the role labels of characters: agreement between annotators, corrected for chance.

Each non-whitespace character of a task that two or more annotators labelled is a unit; an annotator's
value for it is the set of roles covering it in their annotation (none, content, source, content+source
when attributions nest, ...). alpha (nominal) is 1 - observed / expected disagreement, the expected one
from how often each value occurs overall: 1 is perfect agreement, 0 what chance gives, below 0 worse.
Per role, the value is only "in this role or not".

Why alpha and not kappa: the number of annotators per task varies (an overlap of 2 on some tasks, 3 on
others, annotators who labelled only some tasks), and alpha takes any number of coders per unit and
missing values, where Cohen's kappa needs the same two coders throughout and Fleiss' kappa the same
number of coders on every unit. Why characters: offsets are characters, so no tokenizer decides what a
unit is, and the value of a character is what the F1s of `attrib eval` are built from. The characters
of one text are not independent draws: alpha here describes agreement, it is not an estimate with a
confidence interval.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Hashable, Iterable, Sequence

import re

import numpy as np

from .records import ROLES

BITS = {role: 1 << i for i, role in enumerate(ROLES)}
WHITESPACE = re.compile(r"\s+")  # what str.isspace() calls whitespace


def role_masks(record: dict) -> np.ndarray:
    """Per character of the record's text, the roles covering it as bits of BITS."""
    masks = np.zeros(len(record["text"]), dtype=np.uint8)
    for attr in record.get("attributions") or []:
        for role, bit in BITS.items():
            for frag in attr.get(role) or []:
                masks[frag["start"]:frag["end"]] |= bit
    return masks


class Coincidences:
    """Krippendorff's coincidence matrix of nominal values, filled one unit (or run of equal units) at a time."""

    def __init__(self) -> None:
        self.pairs: Counter[tuple[Hashable, Hashable]] = Counter()

    def add(self, values: Sequence[Hashable], units: int = 1) -> None:
        """`units` units whose coders gave `values` (one per coder; a unit with one coder is left out)."""
        m = len(values)
        if m < 2:
            return
        tally = Counter(values)
        for c, n_c in tally.items():
            for k, n_k in tally.items():
                pairable = n_c * (n_k - (c == k))
                if pairable:
                    self.pairs[c, k] += units * pairable / (m - 1)

    def merge(self, other: Coincidences) -> None:
        self.pairs.update(other.pairs)

    def alpha(self) -> float | None:
        """Nominal alpha; None when it is undefined (fewer than two values paired, or only one value used)."""
        totals: Counter[Hashable] = Counter()
        for (c, _), weight in self.pairs.items():
            totals[c] += weight
        n = sum(totals.values())
        expected = n * n - sum(v * v for v in totals.values())
        if n <= 1 or expected <= 0:
            return None
        observed = sum(weight for (c, k), weight in self.pairs.items() if c != k)
        return 1 - (n - 1) * observed / expected


class RoleAlpha:
    """alpha over the role sets of characters, and per role, for units coded by the same annotators."""

    def __init__(self) -> None:
        self.labels = Coincidences()
        self.roles = {role: Coincidences() for role in ROLES}
        self.units = 0

    def add(self, text: str, masks: Iterable[np.ndarray]) -> None:
        """The characters of `text` as labelled by each annotator (their role_masks)."""
        coded = np.stack(list(masks), axis=1)
        if coded.shape[1] < 2:
            return
        kept = coded[~_blank(text)]
        if not len(kept):
            return
        for row, units in _distinct_rows(kept):
            self.units += units
            self.labels.add(row, units)
            for role, bit in BITS.items():
                self.roles[role].add([bool(v & bit) for v in row], units)

    def merge(self, other: RoleAlpha) -> None:
        self.labels.merge(other.labels)
        for role in ROLES:
            self.roles[role].merge(other.roles[role])
        self.units += other.units

    def as_dict(self) -> dict:
        return {"labels": self.labels.alpha(), "roles": {role: c.alpha() for role, c in self.roles.items()},
                "characters": self.units}


@lru_cache(maxsize=1)
def _blank(text: str) -> np.ndarray:
    """Which characters of `text` are white space: found once per task, not once per pair of its annotators (100
    annotators on a 20,000-character text spent 13 of 17 s here). Read only."""
    blank = np.zeros(len(text), dtype=bool)
    for run in WHITESPACE.finditer(text):
        blank[run.start():run.end()] = True
    blank.flags.writeable = False
    return blank


def _distinct_rows(coded: np.ndarray) -> list[tuple[list[int], int]]:
    """Each distinct row of role masks (a character as its coders coded it) with how many characters have it.

    Rows are packed into one integer each (3 bits a coder) where they fit, so that numpy sorts numbers,
    not rows: most of the time alpha takes on a long text.
    """
    coders = coded.shape[1]
    if coders * len(BITS) > 64:
        rows, counts = np.unique(coded, axis=0, return_counts=True)
        return list(zip(rows.tolist(), counts.tolist()))
    shifts = np.arange(coders, dtype=np.uint64) * np.uint64(len(BITS))
    keys, counts = np.unique((coded.astype(np.uint64) << shifts).sum(axis=1, dtype=np.uint64), return_counts=True)
    mask = (1 << len(BITS)) - 1
    return [([(key >> (len(BITS) * i)) & mask for i in range(coders)], units)
            for key, units in zip(keys.tolist(), counts.tolist())]
