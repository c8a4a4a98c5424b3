"""Confidence of a drafted attribution: how likely it is to be right, from what the rules knew.

A first, uncalibrated estimate from the cue's prior and the rule that fired; benchmarks/ measures
how well it is calibrated.
"""

from __future__ import annotations

RULE_WEIGHT = {
    "clause": 1.0,
    "parenthetical": 1.0,
    "as-clause": 0.9,
    "according-to": 1.0,
    "object": 0.8,
    "prep-object": 0.7,
    "passive-subject": 0.7,
    "noun": 0.6,
    "colon": 0.8,
    "needs-quote": 1.0,
}


def confidence(rule: str, kind: str, prior: float, has_source: bool) -> float:
    score = 0.3 + 0.6 * min(prior, 1.0) * RULE_WEIGHT.get(rule, 0.6)
    if kind != "indirect":
        score += 0.1
    if not has_source:
        score -= 0.1
    return round(min(max(score, 0.01), 0.99), 3)
