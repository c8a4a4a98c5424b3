"""Inter-annotator agreement and pre-annotation changes in a Label Studio export of an attrib project.

Agreement uses the scoring of `attrib eval` (evaluate.Scores), one annotator as the reference and
the other as the prediction: F1 is the same either way round, and P/R of a pair "a / b" read as "b
against a", a the annotator of the lower user id. Only tasks with two or more annotators count; an annotator
with several annotations on one task is represented by their latest (`--choose each_latest`). Overall figures are
micro averages: counts summed over every pair of every task.

Pre-annotation changes compare each annotator's latest annotation of a task (as agreement reads them) with the
prediction it was started from (its `parent_prediction`), region by region, a region being a distinct (role, start,
end):
- kept: the same role and offsets in the annotation;
- moved: not kept, but overlapping an annotation region of the same role that is not kept either
  (paired one-to-one, largest overlap first, then the lowest offsets);
- deleted: neither; added: annotation regions that are neither kept nor the end of a move.
kept + moved + deleted = the predicted regions; added is counted against the annotation's regions.
Annotations drawn from scratch, or whose prediction the export holds only as an id, are counted apart.

Next to the F1s, Krippendorff's alpha over the role labels of characters (alpha.py: why alpha, why
characters), overall and per pair, and the tasks whose annotators disagree, least agreement first (those whose alpha is
undefined, the same spans of other kinds for one, before them), for a lead to open in Label Studio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .alpha import RoleAlpha, role_masks
from .counts import amount
from .errors import AttribError, NothingToDoError
from .evaluate import Scores, greedy_pairs, overlapping_pairs, percent, ratio, role_units, span_array
from .lsjson.convert import annotator_key, annotator_of, chosen_annotations, result_to_attributions, task_records
from .validation.gate import checked_export
from .records import ROLES, make_record
from .review import annotator, disagree

CHANGES = ("kept", "moved", "deleted", "added")


@dataclass
class Changes:
    """Region counts of predictions against the annotations made from them."""

    annotations: int = 0
    predicted: int = 0
    annotated: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHANGES, 0))

    def add(self, predicted: dict, annotated: dict) -> None:
        """Count one annotation (record) against its prediction (record)."""
        import numpy  # not with the module: see evaluate._solid_before

        self.annotations += 1
        for role in ROLES:
            before, after = role_units(predicted, role, trimmed=False), role_units(annotated, role, trimmed=False)
            kept = set(before) & set(after)
            before = [s for s in before if s not in kept]
            after = [s for s in after if s not in kept]
            b, a = overlapping_pairs(before, after)
            (bs, be), (as_, ae) = span_array(before)[b].T, span_array(after)[a].T
            moved = len(greedy_pairs(b, a, numpy.minimum(be, ae) - numpy.maximum(bs, as_)))
            self.predicted += len(kept) + len(before)
            self.annotated += len(kept) + len(after)
            for name, n in zip(CHANGES, (len(kept), moved, len(before) - moved, len(after) - moved)):
                self.counts[name] += n

    def merge(self, other: Changes) -> None:
        self.annotations += other.annotations
        self.predicted += other.predicted
        self.annotated += other.annotated
        for name in CHANGES:
            self.counts[name] += other.counts[name]

    def as_dict(self) -> dict:
        shares = {f"{name}_share": ratio(self.counts[name], self.predicted) for name in CHANGES[:3]}
        return {
            "annotations": self.annotations,
            "predicted_regions": self.predicted,
            "annotated_regions": self.annotated,
            **self.counts,
            **shares,
            "added_share": ratio(self.counts["added"], self.annotated),
        }


@dataclass
class Agreement:
    """Pairwise agreement and pre-annotation changes, accumulated one exported task at a time."""

    tasks: int = 0
    multi_annotated: int = 0
    pairs: dict[tuple, Scores] = field(default_factory=dict)
    changes: dict = field(default_factory=dict)
    without_prediction: int = 0
    annotators: set = field(default_factory=set)
    alpha: RoleAlpha = field(default_factory=RoleAlpha)
    pair_alpha: dict[tuple, RoleAlpha] = field(default_factory=dict)
    disagreements: list[dict] = field(default_factory=list)
    emails: dict[int, str] = field(default_factory=dict)  # a user id -> the email an expanded completed_by gave

    def add(self, task: dict) -> None:
        """Count one task. Annotators are told apart by annotator_key (a user id, in whichever form the export
        gives it) and named only in as_dict, by the email any of their annotations carried."""
        self.tasks += 1
        by_annotator = {}
        for ann, record in zip(chosen_annotations(task, "each"), task_records(task, "each", fields=False)):
            who = annotator_key(ann)
            by_annotator[who if isinstance(who, (str, int)) else annotator(record["provenance"])] = record
            if isinstance(who, int) and isinstance(ann.get("completed_by"), dict) and annotator_of(ann) != who:
                self.emails[who] = str(annotator_of(ann))
        if not by_annotator:  # nobody annotated it: nothing else of it is read (nor was it checked)
            return
        self.annotators.update(by_annotator)
        if len(by_annotator) > 1:
            self.multi_annotated += 1
            self._compare(task, by_annotator)
        predictions = {p["id"]: p for p in task.get("predictions") or [] if isinstance(p, dict) and p.get("id") is not None}
        for who, record in by_annotator.items():
            parent = predictions.get(record["provenance"]["prediction_id"])
            if parent is None:
                self.without_prediction += 1
                continue
            where = f"task {task.get('id')} prediction {parent.get('id')}"
            predicted = make_record(
                record["id"], record["text"], result_to_attributions(record["text"], parent.get("result") or [], where)
            )
            self.changes.setdefault(who, Changes()).add(predicted, record)

    def _compare(self, task: dict, by_annotator: dict[str, dict]) -> None:
        """Score every pair of the task's annotators, and list the task if they disagree."""
        names = sorted(by_annotator, key=_order)
        text = by_annotator[names[0]]["text"]
        masks = {who: role_masks(by_annotator[who]) for who in names}
        here = RoleAlpha()
        here.add(text, [masks[who] for who in names])
        self.alpha.merge(here)
        for a, b in combinations(names, 2):
            self.pairs.setdefault((a, b), Scores()).add(by_annotator[a], by_annotator[b])
            pair = self.pair_alpha.setdefault((a, b), RoleAlpha())
            if len(names) == 2:
                pair.merge(here)  # the task's own units
            else:
                pair.add(text, [masks[a], masks[b]])
        if disagree([by_annotator[who] for who in names]):
            self.disagreements.append({
                "task_id": task.get("id"), "project_id": task.get("project"), "record_id": by_annotator[names[0]]["id"],
                "annotators": names, "attributions": {who: len(by_annotator[who]["attributions"]) for who in names},
                "alpha": here.labels.alpha(),
            })

    def name(self, who) -> str:
        """An annotator as the report names them: the email of their user id where the export gave one."""
        return self.emails.get(who, str(who)) if isinstance(who, int) else str(who)

    def as_dict(self) -> dict:
        overall, changed = Scores(), Changes()
        for scores in self.pairs.values():
            overall.merge(scores)
        for c in self.changes.values():
            changed.merge(c)
        disagreements = [{**d, "annotators": [self.name(who) for who in d["annotators"]],
                          "attributions": {self.name(who): n for who, n in d["attributions"].items()}}
                         for d in self.disagreements]
        return {
            "tasks": {"total": self.tasks, "multi_annotated": self.multi_annotated},
            "annotators": sorted(self.name(who) for who in self.annotators),
            "pairs": [{"annotators": [self.name(a), self.name(b)], **scores.as_dict(),
                       "alpha": self.pair_alpha[a, b].as_dict()}
                      for (a, b), scores in sorted(self.pairs.items(), key=lambda item: [_order(w) for w in item[0]])],
            # a pair's `documents` are the tasks it shares; overall they are the tasks compared, not summed over
            # pairs (one task of three annotators is three task pairs: `task_pairs`)
            "overall": {**overall.as_dict(), "documents": self.multi_annotated, "task_pairs": overall.documents,
                        "alpha": self.alpha.as_dict()},
            "disagreements": sorted(disagreements, key=lambda d: (d["alpha"] is not None, d["alpha"] or 0)),
            "prediction_changes": {
                "overall": changed.as_dict(),
                "by_annotator": {self.name(who): c.as_dict() for who, c in sorted(self.changes.items(),
                                                                                  key=lambda item: _order(item[0]))},
                "annotations_without_prediction": self.without_prediction,
            },
        }


def _order(who) -> tuple:
    """Annotators in order, user ids (by number) before names: one order for every task, so that the same annotator
    is the reference of a pair throughout."""
    return isinstance(who, str), who


def no_pairs_note(report: dict) -> str | None:
    """What to do when no task has two annotators (there is nothing to compare yet); None when some have."""
    if report["tasks"]["multi_annotated"]:
        return None
    return ("no task has annotations by two annotators yet, so there is no agreement to measure: push with "
            "--overlap 2 and have a second annotator label the same tasks (the changes to the pre-annotations "
            "need one annotator only)")


def pair_rows(report: dict) -> list[tuple[str, dict]]:
    """(label, scores) per annotator pair, then the overall figures: the rows of tables and charts."""
    return [(" / ".join(p["annotators"]), p) for p in report["pairs"]] + [("overall (micro)", report["overall"])]


def change_rows(report: dict) -> list[tuple[str, dict]]:
    """(annotator, changes) per annotator, then all annotators together."""
    changes = report["prediction_changes"]
    return [*changes["by_annotator"].items(), ("all annotators", changes["overall"])]


CHANGE_COLUMNS = ["annotations", "predicted", "kept %", "moved %", "deleted %", "added", "added % of regions"]


def change_cells(changes: dict) -> list:
    """The cells of one row of CHANGE_COLUMNS, shares as percentages (terminal table and HTML page)."""
    return [changes["annotations"], changes["predicted_regions"],
            *(percent(changes[f"{k}_share"]) for k in ("kept", "moved", "deleted")),
            changes["added"], percent(changes["added_share"])]


ALPHA_COLUMNS = ["alpha (role sets)", *(f"alpha {role}" for role in ROLES), "characters"]
DISAGREEMENT_COLUMNS = ["task", "document", "attributions per annotator", "alpha"]


def coefficient(value: float | None) -> str:
    """alpha with three decimals for tables; "-" when it is undefined."""
    return "-" if value is None else f"{value:.3f}"


def alpha_cells(alpha: dict) -> list:
    """The cells of one row of ALPHA_COLUMNS."""
    return [coefficient(alpha["labels"]), *(coefficient(alpha["roles"][role]) for role in ROLES), alpha["characters"]]


def task_url(base_url: str | None, disagreement: dict) -> str | None:
    """Where Label Studio shows the task of a disagreement (its Data Manager with the task open); None without a
    URL or when the export does not say the task's project."""
    if not base_url or disagreement["project_id"] is None:
        return None
    try:  # a login in the URL (http://user:password@host) stays out of a page meant to be shared
        parts = urlsplit(base_url)
    except ValueError:
        return None
    base = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2], query="", fragment="")).rstrip("/")
    return f"{base}/projects/{disagreement['project_id']}/data?task={disagreement['task_id']}"


def disagreement_cells(disagreement: dict) -> list:
    """The cells of one row of DISAGREEMENT_COLUMNS (the task cell is its id: the caller may link it)."""
    counts = ", ".join(f"{who}: {n}" for who, n in disagreement["attributions"].items())
    return [disagreement["task_id"], disagreement["record_id"], counts, coefficient(disagreement["alpha"])]


def agreement(export_path: str | Path) -> dict:
    """The agreement report of a Label Studio JSON export file (each task validated as it is read: the
    first error stops it); errors name the file and the task."""
    result = Agreement()
    for i, task in enumerate(checked_export(str(export_path), "each_latest")):
        try:
            result.add(task)
        except AttribError as exc:
            raise type(exc)(f"{export_path}: $[{i}]: {exc.args[0]}") from None
    if not result.annotators:
        counted = amount(result.tasks, "task")
        raise NothingToDoError(f"{export_path}: nobody has annotated yet (no annotation in its {counted}; cancelled "
                               "ones do not count): agreement "
                               "compares annotators' annotations: annotate in Label Studio first (two annotators per "
                               "task: `attrib labelstudio push --overlap 2`) and pull again")
    return result.as_dict()
