"""Confidence of a drafted attribution: the share of drafts of the same kind that were right.

The table holds, per rule and band of the cue's prior, the share of the rules' drafts on PolNeAR
train whose cue overlaps a gold cue: measured figures, not guesses.
`benchmarks/bench_confidence.py` checks the calibration on other data (a reliability table).
"""

from __future__ import annotations

from .rules.names import (
    ACCORDING_TO,
    AS_CLAUSE,
    CLAUSE,
    COLON,
    CONTINUED_QUOTE,
    NEEDS_QUOTE,
    NOUN,
    OBJECT,
    PARENTHETICAL,
    PASSIVE_SUBJECT,
    POLL,
    PREP_OBJECT,
)

PRIOR_BANDS = (0.5, 0.2, 0.0)  # a prior falls in the first band it reaches
MEASURED = {
    CLAUSE: (0.96, 0.78, 0.51),
    OBJECT: (0.82, 0.56, 0.56),
    PREP_OBJECT: (0.76, 0.52, 0.52),
    ACCORDING_TO: (0.95, 0.95, 0.95),
    POLL: (0.53, 0.53, 0.53),  # "In a CBS News poll, …"
    COLON: (0.51, 0.51, 0.51),
    NEEDS_QUOTE: (0.94, 0.60, 0.60),
    NOUN: (0.88, 0.64, 0.58),
    PASSIVE_SUBJECT: (0.74, 0.62, 0.62),
    AS_CLAUSE: (0.83, 0.52, 0.37),
    PARENTHETICAL: (0.93, 0.93, 0.43),
    CONTINUED_QUOTE: (0.63, 0.63, 0.63),  # its content found in the annotation (17 of 27 on PolNeAR train)
}


def confidence(rule: str, prior: float) -> float:
    """The measured precision of `rule` for cues whose prior is `prior` (a rule without a measure is a KeyError)."""
    band = next(i for i, floor in enumerate(PRIOR_BANDS) if prior >= floor)
    return MEASURED[rule][band]
