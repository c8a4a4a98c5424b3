"""Inter-annotator agreement and pre-annotation changes in a Label Studio export of an attrib project.

Agreement uses the scoring of `attrib eval` (evaluate.Scores), one annotator as the reference and
the other as the prediction: F1 is the same either way round, and P/R of a pair "a / b" read as "b
against a". Only tasks with two or more annotators count; an annotator with several annotations on
one task is represented by the last one in the export. Overall figures are micro averages: counts
summed over every pair of every task.

Pre-annotation changes compare each annotation with the prediction it was started from (its
`parent_prediction`), region by region, a region being a distinct (role, start, end):
- kept: the same role and offsets in the annotation;
- moved: not kept, but overlapping an annotation region of the same role that is not kept either
  (paired one-to-one, largest overlap first);
- deleted: neither; added: annotation regions that are neither kept nor the end of a move.
kept + moved + deleted = the predicted regions; added is counted against the annotation's regions.
Annotations drawn from scratch, or whose prediction the export holds only as an id, are counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from .errors import AttribError
from .evaluate import Scores, greedy_pairs, overlapping_pairs, percent, ratio, role_units
from .lsjson.convert import result_to_attributions, task_records
from .validation.gate import checked_export
from .records import ROLES, make_record

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
        self.annotations += 1
        for role in ROLES:
            before, after = role_units(predicted, role, trimmed=False), role_units(annotated, role, trimmed=False)
            kept = set(before) & set(after)
            before = [s for s in before if s not in kept]
            after = [s for s in after if s not in kept]
            shared = {
                (b, a): min(before[b][1], after[a][1]) - max(before[b][0], after[a][0])
                for b, a in overlapping_pairs(before, after)
            }
            moved = len(greedy_pairs(shared))
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


def _who(record: dict) -> str:
    prov = record["provenance"]
    return str(prov["annotator"]) if prov["annotator"] is not None else f"annotation {prov['annotation_id']}"


@dataclass
class Agreement:
    """Pairwise agreement and pre-annotation changes, accumulated one exported task at a time."""

    tasks: int = 0
    multi_annotated: int = 0
    pairs: dict[tuple[str, str], Scores] = field(default_factory=dict)
    changes: dict[str, Changes] = field(default_factory=dict)
    without_prediction: int = 0
    annotators: set[str] = field(default_factory=set)

    def add(self, task: dict) -> None:
        self.tasks += 1
        by_annotator = {_who(r): r for r in task_records(task, "each")}
        self.annotators.update(by_annotator)
        if len(by_annotator) > 1:
            self.multi_annotated += 1
        for a, b in combinations(sorted(by_annotator), 2):
            self.pairs.setdefault((a, b), Scores()).add(by_annotator[a], by_annotator[b])
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

    def as_dict(self) -> dict:
        overall, changed = Scores(), Changes()
        for scores in self.pairs.values():
            overall.merge(scores)
        for c in self.changes.values():
            changed.merge(c)
        return {
            "tasks": {"total": self.tasks, "multi_annotated": self.multi_annotated},
            "annotators": sorted(self.annotators),
            "pairs": [{"annotators": list(pair), **scores.as_dict()} for pair, scores in sorted(self.pairs.items())],
            "overall": overall.as_dict(),
            "prediction_changes": {
                "overall": changed.as_dict(),
                "by_annotator": {who: c.as_dict() for who, c in sorted(self.changes.items())},
                "annotations_without_prediction": self.without_prediction,
            },
        }


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


def agreement(export_path: str | Path) -> dict:
    """The agreement report of a Label Studio JSON export file (each task validated as it is read: the
    first error stops it); errors name the file and the task."""
    result = Agreement()
    for i, task in enumerate(checked_export(str(export_path))):
        try:
            result.add(task)
        except AttribError as exc:
            raise type(exc)(f"{export_path}: $[{i}]: {exc.args[0]}") from None
    return result.as_dict()
