"""How the rules' attributions and the learned ones combine: one side first, the other fills.

Both sides are record-format attributions. Two attributions *agree* when their contents share a
character (the attribution-level match of `attrib eval`).
- Every attribution of the preferred side is kept. When one of the other side agrees with it, its
  spans stay and the other side fills the roles it left empty (a source, a cue); origin "both".
- An attribution of the other side that agrees with none is added (origin "learned" or "rules")
  when `fill` is on and its own score (`raw`) is at least `fill_from`. `attrib train` turns fill on only
  when that raises the mean of the four F1s drafts are judged by (`judged_f1`: attribution F1 and the three
  roles' exact F1, as the revision's candidates are chosen) on held-out documents, and does so in at least
  FILL_NEEDS of document-level bootstrap resamples of them (`ahead_in_resamples`, train.choose_fill): on ten
  documents a gain of 0.02 points is noise, and an addition found with wrong spans, which raises attribution F1
  alone, is a span to redraw. It tries each of FILL_FROM and keeps the best: most of the learned side's
  additions score above 0.9, one calibration bin, in which those at 0.99 and above got the cue exactly right
  far more often than those under 0.95 (56% against 32% on PolNeAR train documents held out of training).
- `prefer="rules"` is the default: on PolNeAR dev the rules are the more precise side (attribution
  precision 84% against the model's 68%) and the model adds what they miss.
Origins let calibration give each kind of draft its own reliability (see calibration.py).
Every output attribution carries `origin` and `raw` (the uncalibrated score); the combiner
replaces them with a calibrated `confidence` before the attributions are written.
"""

from __future__ import annotations

import random

from ..evaluate import Counts, Scores, intersection, match_attributions
from ..records import spans

ORIGINS = ("both", "learned", "rules")
FILL_WINS = 0.9  # the share of bootstrap resamples in which fill must win, whichever floor is chosen
FILL_FROM = (0.0, 0.5, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99)  # the lowest raw scores of an addition train.choose_fill tries
# the share the chosen floor must win in (Bonferroni's correction, 98.75%): the best of eight on a few documents is
# often ahead by luck (on 18 calibration documents the floor 0.99 won in 90.8% and cost 0.2 points on PolNeAR dev)
FILL_NEEDS = 1 - (1 - FILL_WINS) / len(FILL_FROM)
BOOTSTRAP_SAMPLES = 1000


PREFER = ("rules", "learned")
SECOND_SIDE = {"rules": "learned", "learned": "rules"}  # the side that fills, given the preferred one


def combine(text: str, learned: list[dict], rules: list[dict], fill: bool = True, prefer: str = "rules",
            fill_from: float = 0.0) -> list[dict]:
    """Combined attributions, in text order of their content (see the module docstring)."""
    sides = {"learned": learned, "rules": rules}
    first_name = prefer
    second_name = SECOND_SIDE[prefer]
    first, second = sides[first_name], sides[second_name]
    pairs = dict(match_attributions(text, first, second))  # first index -> second index
    used = set(pairs.values())
    out = []
    for i, attr in enumerate(first):
        merged = dict(attr, origin=first_name, raw=_raw(attr))
        if i in pairs:
            other = second[pairs[i]]
            for role in ("source", "cue"):
                if not merged.get(role) and other.get(role):
                    merged[role] = other[role]
                    if role == "source":
                        merged["source_entity"] = other.get("source_entity")
            merged["origin"] = "both"
        out.append(merged)
    if fill:  # only what agrees with none of the first side: a second draft of a content already there (a part of
        # it, with the same cue) is no new attribution, and two attributions would claim one cue (V505)
        out += [dict(attr, origin=second_name, raw=_raw(attr)) for j, attr in enumerate(second)
                if j not in used and not any(_agree(text, attr, kept) for kept in first)]
    out.sort(key=lambda a: (a["content"][0]["start"], a["content"][0]["end"]))
    return thinned(out, second_name, fill_from)


def thinned(combined: list[dict], second: str, fill_from: float) -> list[dict]:
    """`combined` (combine's output) without the additions of the `second` side scored under `fill_from`: what combine
    gives with that fill_from (an addition's origin is the second side's name; a merged one's is "both")."""
    return [attr for attr in combined if attr["origin"] != second or attr["raw"] >= fill_from]


def _agree(text: str, a: dict, b: dict) -> bool:
    """Their contents share a non-whitespace character."""
    return any(text[s:e].strip() for s, e in intersection(spans(a, "content"), spans(b, "content")))


def _raw(attr: dict) -> float:
    """The learned side's own score, or the rules' confidence (0.5 when they give none)."""
    return attr.get("raw", attr.get("confidence", 0.5))


def judged_counts(scores: Scores) -> list[Counts]:
    """The counts behind the four F1s drafts are judged by: attribution F1 (found_any_char) and the
    source, cue and content exact F1 of `attrib eval`."""
    return [scores.attributions, *(scores.roles[role]["exact"] for role in ("source", "cue", "content"))]


JUDGED = ("attribution", "source_exact", "cue_exact", "content_exact")  # the names of judged_counts' four


def judged_figures(scores: Scores) -> dict:
    """The four F1s drafts are judged by (judged_counts), by name, and their mean (judged_f1)."""
    counts = judged_counts(scores)
    return {**{name: round(c.as_dict()["f1"] or 0.0, 4) for name, c in zip(JUDGED, counts)},
            "mean": round(judged_f1(counts), 4)}


def side_by_side(first: dict, second: dict, names: tuple[str, ...] = JUDGED, percent: bool = False) -> str:
    """Two sets of judged figures (judged_figures), figure by figure: `attribution 0.812 / 0.806, …`, or in percent
    with one decimal."""
    shown = (lambda f: f"{100 * f:.1f}") if percent else (lambda f: f"{f:.3f}")
    return ", ".join(f"{name.replace('_', ' ')} {shown(first[name])} / {shown(second[name])}" for name in names)


def judged_f1(counts: list[Counts]) -> float:
    """The mean of the F1s of `counts` (judged_counts), a missing F1 (nothing drafted, nothing annotated) as 0."""
    return sum(c.as_dict()["f1"] or 0.0 for c in counts) / len(counts)


def ahead_in_resamples(first: list[Scores], second: list[Scores], samples: int = BOOTSTRAP_SAMPLES,
                       seed: int = 0) -> float:
    """The share of document-level bootstrap resamples (paired: the same documents both ways) in which
    the judged F1 (judged_f1) of the `first` drafts is higher than that of the `second` (with fill and without it,
    a model and the rules). Items are one document's scores each."""
    if not first:
        return 0.0
    ways = [[judged_counts(s) for s in first], [judged_counts(s) for s in second]]
    rng, wins = random.Random(seed), 0
    for _ in range(samples):
        picks = [rng.randrange(len(first)) for _ in first]
        wins += _judged(ways[0], picks) > _judged(ways[1], picks)
    return wins / samples


def _judged(per_document: list[list[Counts]], picks: list[int]) -> float:
    totals = [Counts() for _ in per_document[0]]
    for i in picks:
        for total, counts in zip(totals, per_document[i]):
            total.merge(counts)
    return judged_f1(totals)
