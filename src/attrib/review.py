"""Adjudication: the documents annotators disagree on, with each annotator's version to pick from.

From a Label Studio export, every task whose annotators' latest annotations (two or more) differ (in any span, kind,
source type or referent: what `accepted_unchanged` compares) becomes one task to import into a review
project, holding the same data and one prediction per annotator, its `model_version` the tab name
Label Studio shows: a letter, then the annotator (`A · alice@example.org`), so that tabs cut short by
the editor still read differently. The reviewer's annotation starts empty, not as one annotator's
version (which would tip the decision towards it): each task also holds an empty prediction under
the review project's model version, and Label Studio starts an annotation from the prediction of the
project's model version. The reviewer opens each task from the Data Manager, where every version is a
tab ("Compare All" shows them side by side). `attrib labelstudio push --review` pushes them
(labelstudio.projects.push_review), and removes the unreviewed review tasks of documents with nothing left to decide.
"""

from __future__ import annotations

from typing import Iterable

from .lsjson.convert import comparison_key, record_to_task, task_record_id, task_records

REVIEW_VERSION = "empty"  # the review project's model version: the empty prediction's, so nobody's is pre-filled


def disagree(records: list[dict]) -> bool:
    """True when at least two of the annotators' records differ in what an annotator can change."""
    return len({tuple(comparison_key(r["attributions"])) for r in records}) > 1


def annotator(provenance: dict) -> str:
    """Who made an annotation: the annotator, else the annotation's id."""
    who = provenance.get("annotator")
    return str(who) if who is not None else f"annotation {provenance.get('annotation_id')}"


def version_name(index: int, who: str) -> str:
    """The tab name of the `index`-th version of a task: A, B, ... (then numbers), and who made it."""
    return f"{chr(ord('A') + index) if index < 26 else index + 1} · {who}"


def review_task(records: list[dict]) -> dict:
    """One task for the annotators' `records` of one document: the empty prediction, then one per annotator
    in the order of their names."""
    task = record_to_task({**records[0], "attributions": []}, REVIEW_VERSION)
    ordered = sorted(records, key=lambda r: annotator(r["provenance"]))
    task["predictions"] += [record_to_task(r, version_name(i, annotator(r["provenance"])))["predictions"][0]
                            for i, r in enumerate(ordered)]
    return task


def review_plan(tasks: Iterable[dict]) -> tuple[list[dict], list[str]]:
    """The review tasks for the exported `tasks` that annotators disagree on, in export order; and the ids of the
    documents two or more annotators now agree on, with nothing left to decide (one fewer annotated says nothing of
    that: an older or filtered export)."""
    review, settled = [], []
    for task in tasks:
        records = task_records(task, "each", fields=False)
        if len(records) > 1:
            if disagree(records):
                review.append(review_task(records))
            else:
                settled.append(task_record_id(task))
    return review, settled
