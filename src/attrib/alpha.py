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
from typing import Hashable, Iterable, Sequence

from .records import ROLES

BITS = {role: 1 << i for i, role in enumerate(ROLES)}


def role_masks(record: dict) -> list[int]:
    """Per character of the record's text, the roles covering it as bits of BITS."""
    masks = [0] * len(record["text"])
    for attr in record.get("attributions") or []:
        for role, bit in BITS.items():
            for frag in attr.get(role) or []:
                for i in range(frag["start"], frag["end"]):
                    masks[i] |= bit
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

    def add(self, text: str, masks: Iterable[list[int]]) -> None:
        """The characters of `text` as labelled by each annotator (their role_masks)."""
        runs = Counter(row[1:] for row in zip(text, *masks) if not row[0].isspace())
        for values, units in runs.items():
            if len(values) < 2:
                continue
            self.units += units
            self.labels.add(values, units)
            for role, bit in BITS.items():
                self.roles[role].add([bool(v & bit) for v in values], units)

    def merge(self, other: RoleAlpha) -> None:
        self.labels.merge(other.labels)
        for role in ROLES:
            self.roles[role].merge(other.roles[role])
        self.units += other.units

    def as_dict(self) -> dict:
        return {"labels": self.labels.alpha(), "roles": {role: c.alpha() for role, c in self.roles.items()},
                "characters": self.units}
