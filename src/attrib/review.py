"""Adjudication: the documents annotators disagree on, with each annotator's version to pick from.

From a Label Studio export, every task with two or more annotations that differ (in any span, kind,
source type or referent: what `accepted_unchanged` compares) becomes one task to import into a review
project, holding the same data and one prediction per annotation, its `model_version` naming the
annotator (`annotator:a@example.org`). No prediction has the review project's model version, so none
is pre-filled: the reviewer looks at each, and starts from the one closest to right.
`attrib labelstudio push --review` pushes them (labelstudio.projects.push_review).
"""

from __future__ import annotations

from typing import Iterable, Iterator

from .lsjson.convert import comparison_key, record_to_task, task_records

ANNOTATOR_VERSION = "annotator:"  # model_version prefix of an annotator's version
REVIEW_VERSION = "review"  # the review project's model version: none of the predictions'


def disagree(records: list[dict]) -> bool:
    """True when at least two of the annotators' records differ in what an annotator can change."""
    return len({tuple(comparison_key(r["attributions"])) for r in records}) > 1


def review_task(records: list[dict]) -> dict:
    """One task for the annotators' `records` of one document: a prediction per annotator."""
    task = record_to_task(records[0], "")
    task["predictions"] = [record_to_task(r, _version(r["provenance"]))["predictions"][0] for r in records]
    return task


def _version(provenance: dict) -> str:
    who = provenance.get("annotator")
    return f"{ANNOTATOR_VERSION}{who if who is not None else 'annotation ' + str(provenance.get('annotation_id'))}"


def review_tasks(tasks: Iterable[dict]) -> Iterator[dict]:
    """The review tasks for the exported `tasks` that annotators disagree on, in export order."""
    for task in tasks:
        records = task_records(task, "each")
        if len(records) > 1 and disagree(records):
            yield review_task(records)
