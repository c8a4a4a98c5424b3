"""Fitting `attrib_revise` (reviser.py) on annotated documents the rules have been run on.

The rules' attributions, and the laxer rules' candidates where the rules drafted nothing
(assembly.more_candidates), are matched to the annotation as `attrib eval` matches them. Keep model:
one row per attribution and candidate, labelled found or not. Boundary models: for each fragment of a found
attribution that overlaps a fragment of the same role in its annotated attribution, one row per
candidate start (and end), labelled whether it lands where the annotated one does after trimming.
All three are scikit-learn's histogram gradient boosting, fitted side by side on worker processes
(gradient_boosting.py), which return the keep model's out-of-fold probabilities too. The keep
threshold is the one that maximises attribution F1 on out-of-fold probabilities (5 folds by
document), so it is chosen on predictions for documents the model did not see. The candidate threshold,
on the same probabilities, is the one that maximises the mean of the four figures the drafts are judged
by (attribution F1, and source, cue and content exact F1): a candidate found with wrong spans adds to
the first and takes from the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy
from joblib import delayed
from spacy.tokens import Doc

from ..evaluate import match_attributions, ratio, trim
from ..pipeline.assembly import CANDIDATES_KEY, RULES_KEY
from ..pipeline.quotes import find_quotes
from ..records import ROLES, spans
from . import boundaries, keep
from .boundaries import SIDES, DocView, sites
from .gradient_boosting import fit_one, in_workers
from .reviser import MODELS, NO_CANDIDATES
from .tables import Rows, Table

CANDIDATE_SHARE = 0.5  # a trained pipeline's rules also draft candidates with every prior threshold halved
PROCESSES = 2
SMALL_TABLE = 5000  # rows under which the models are fitted in this process: starting workers costs more


@dataclass
class Examples:
    """Training rows and labels per model, and the document each row comes from (for the folds)."""

    rows: dict[str, Rows] = field(default_factory=lambda: {m: Rows() for m in MODELS})
    labels: dict[str, list[int]] = field(default_factory=lambda: {m: [] for m in MODELS})
    documents: dict[str, list[int]] = field(default_factory=lambda: {m: [] for m in MODELS})
    gold_attributions: int = 0
    # per keep row, per role (ROLES' order): its trimmed spans, and how many of them are annotated spans of
    # that role in the document (attrib eval's exact units); and the annotated units per role
    units: list[tuple[int, ...]] = field(default_factory=list)
    gold_units: list[int] = field(default_factory=lambda: [0] * len(ROLES))

    def add(self, model: str, row: dict, label: bool, document: int) -> None:
        self.rows[model].append(row)
        self.labels[model].append(int(label))
        self.documents[model].append(document)


def add_document(examples: Examples, number: int, doc: Doc, gold: list[dict], finder: dict | None = None) -> None:
    """Add the rows of one document: `doc` has the rules' attributions, `gold` its annotation, `finder`
    the span finders' scores of its tokens (finder_scores.py) from finders not trained on it, if any."""
    attributions = list(doc._.attributions or [])
    more, more_rules = doc.user_data.get(CANDIDATES_KEY) or ([], [])
    predicted, rules = attributions + list(more), list(doc.user_data.get(RULES_KEY) or []) + list(more_rules)
    text = doc.text
    view = DocView(doc, find_quotes(text), finder)
    pairs = {p: g for g, p in match_attributions(text, gold, predicted)}
    examples.gold_attributions += len(gold)
    annotated = [{trim(text, s, e) for a in gold for s, e in spans(a, role)} for role in ROLES]
    examples.gold_units = [n + len(units) for n, units in zip(examples.gold_units, annotated)]
    for p, row in enumerate(keep.rows(view, predicted, rules, len(attributions))):
        examples.add("keep", row, p in pairs, number)
        mine = [{trim(text, s, e) for s, e in spans(predicted[p], role)} for role in ROLES]
        examples.units.append(tuple(n for own, gold_units in zip(mine, annotated) for n in (len(own), len(own & gold_units))))
    for site in sites(view, predicted, rules):
        if site.attribution not in pairs:
            continue
        target = _target(text, site.span, spans(gold[pairs[site.attribution]], site.role))
        if target is None:
            continue
        wanted = target[0] if site.side == "start" else target[1]
        for candidate in site.candidates:
            examples.add(site.side, candidate.row, candidate.trimmed == wanted, number)


def _target(text: str, span: tuple[int, int], gold: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The trimmed annotated fragment that overlaps `span` most, if any does."""
    best, most = None, 0
    for s, e in gold:
        shared = min(e, span[1]) - max(s, span[0])
        if shared > most:
            best, most = (s, e), shared
    return trim(text, *best) if best else None


def keep_threshold(found: numpy.ndarray, probabilities: numpy.ndarray, gold: int) -> tuple[float, dict]:
    """The threshold under which dropping the rules' attributions maximises attribution F1, given
    which of them were found and their held-out keep probabilities; F1 with none dropped, and at it."""
    order = numpy.argsort(probabilities)
    tp, fp = int(found.sum()), int(len(found) - found.sum())
    f1 = lambda tp, fp: ratio(2 * tp, 2 * tp + fp + (gold - tp)) or 0.0  # noqa: E731  attrib eval's F1
    best, best_f1, before = 0.0, f1(tp, fp), f1(tp, fp)
    for i in order:  # drop in rising probability
        tp, fp = tp - int(found[i]), fp - int(not found[i])
        if f1(tp, fp) > best_f1:
            best, best_f1 = float(probabilities[i]) + 1e-6, f1(tp, fp)
    return best, {"f1_keep_all": round(before, 4), "f1_at_threshold": round(best_f1, 4), "threshold": round(best, 4)}


def candidate_threshold(probabilities: numpy.ndarray, found: numpy.ndarray, units: numpy.ndarray, candidate: numpy.ndarray,
                        keep_at: float, gold: int, gold_units: list[int]) -> tuple[float, dict]:
    """The threshold over which adding the candidates maximises the mean of attribution F1 and the three
    roles' exact F1, the rules' own attributions kept at `keep_at`; given held-out keep probabilities,
    which rows were found, and their units (Examples.units). NO_CANDIDATES when none helps."""
    own = ~candidate & (probabilities >= keep_at)
    tp, drafted = int(found[own].sum()), int(own.sum())
    role_tp, role_drafted = units[own][:, 1::2].sum(axis=0), units[own][:, 0::2].sum(axis=0)
    def mean_f1(tp, drafted, role_tp, role_drafted) -> float:  # attrib eval's F1s, as the units sum up
        f1s = [ratio(2 * tp, drafted + gold)] + [ratio(2 * t, d + g) for t, d, g in zip(role_tp, role_drafted, gold_units)]
        return float(sum(f or 0.0 for f in f1s) / len(f1s))
    best, best_mean = NO_CANDIDATES, mean_f1(tp, drafted, role_tp, role_drafted)
    before = best_mean
    order = [i for i in numpy.argsort(-probabilities) if candidate[i]]
    for i in order:  # add in falling probability
        tp, drafted = tp + int(found[i]), drafted + 1
        role_tp, role_drafted = role_tp + units[i][1::2], role_drafted + units[i][0::2]
        current = mean_f1(tp, drafted, role_tp, role_drafted)
        if current > best_mean:
            best, best_mean = float(probabilities[i]), current
    added = int(sum(1 for i in order if probabilities[i] >= best))
    return best, {"candidates": len(order), "added": added, "mean_f1_without": round(before, 4),
                  "mean_f1_with": round(best_mean, 4), "threshold": round(best, 4)}


def fittable(examples: Examples) -> str | None:
    """Why the models cannot be fitted on `examples` (None when they can): each needs both labels."""
    for model in MODELS:
        if len(set(examples.labels[model])) < 2:
            return f"the {model} model has {len(examples.rows[model])} examples, not of both kinds"
    if len(set(examples.documents["keep"])) < 2:
        return "fewer than two documents"
    return None


def _thresholds(examples: Examples, held_out: numpy.ndarray) -> dict:
    """The keep and candidate thresholds, from the keep rows' out-of-fold probabilities, and what they gain."""
    found = numpy.array(examples.labels["keep"])
    units = numpy.array(examples.units, dtype=numpy.int64).reshape(-1, 2 * len(ROLES))
    candidate = numpy.array(examples.rows["keep"].column("candidate"), dtype=numpy.int64) == 1
    report = {}
    report["keep_threshold"], report["keep_check"] = keep_threshold(found[~candidate], held_out[~candidate],
                                                                    examples.gold_attributions)
    report["candidate_threshold"], report["candidate_check"] = candidate_threshold(
        held_out, found, units, candidate, report["keep_threshold"], examples.gold_attributions, examples.gold_units)
    return report


def fit(examples: Examples, seed: int = 0, log=lambda message: None,
        scores: tuple[str, ...] = ()) -> tuple[dict, dict[str, Table], dict]:
    """Fitted models and their tables, and a report (rows, the keep threshold and what it gains held out).
    The models also read the sets of `scores` named (finder_scores.SETS; the rows must have been given them)."""
    report = {"rows": {m: len(examples.rows[m]) for m in MODELS}, "scores": list(scores)}
    keep_numeric = keep.NUMERIC + tuple(c for name in scores for c in keep.score_columns(name))
    boundary_numeric = boundaries.NUMERIC + tuple(c for name in scores for c in boundaries.score_columns(name))
    columns = {"keep": (keep.CATEGORICAL, keep_numeric), **{s: (boundaries.CATEGORICAL, boundary_numeric) for s in SIDES}}
    tables = {m: Table(*columns[m]).fit(examples.rows[m]) for m in MODELS}
    jobs = [delayed(fit_one)(tables[m].matrix(examples.rows[m]), numpy.array(examples.labels[m]),
                             numpy.array(examples.documents[m]), tables[m].categorical_mask(), seed, m == "keep")
            for m in MODELS]
    processes = PROCESSES if sum(report["rows"].values()) >= SMALL_TABLE else 1
    models = {}
    for model, (fitted, held_out, seconds) in zip(MODELS, in_workers(jobs, processes)):
        models[model] = fitted
        if held_out is not None:
            report.update(_thresholds(examples, held_out))
        log(f"revision: {model} model fitted on {report['rows'][model]:,} rows in {seconds:.0f} s")
    return models, tables, report
