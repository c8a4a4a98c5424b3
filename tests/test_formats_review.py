"""`push --review`'s tasks: where annotators disagree, one task per document, a prediction per annotator."""

from __future__ import annotations

import json

import pytest

from attrib.errors import NothingToDoError
from attrib.labelstudio.projects import push_review, review_tasks
from attrib.lsjson.convert import record_to_task, result_to_attributions
from attrib.review import REVIEW_VERSION, review_plan
from attrib.validation import check_tasks
from attrib.validation.gate import checked_export
from fragments import frag_of
from runs import attrib

TEXT = "“Rates will fall,” the governor said. Critics said the plan was late, according to Reuters."


def frag(sub: str, after: str = "") -> dict:
    return frag_of(TEXT, sub, after=after)


def attribution(source: str, cue: str, content: str, kind: str) -> dict:
    return {"id": "a0", "kind": kind, "source": [frag(source)], "cue": [frag(cue, source)], "content": [frag(content)],
            "source_entity": None}


QUOTE = attribution("the governor", "said", "“Rates will fall,”", "direct")
CRITICS = attribution("Critics", "said the", "the plan was late", "indirect")
CRITICS_CUE = attribution("Critics", "said", "the plan was late", "indirect")  # another cue: a disagreement


def annotation(n: int, who, attributions: list[dict], cancelled: bool = False) -> dict:
    result = record_to_task({"id": "x", "text": TEXT, "attributions": attributions}, "v")["predictions"][0]["result"]
    return {"id": n, "completed_by": who, "result": result, "was_cancelled": cancelled}


def task(n: int, *annotations: dict) -> dict:
    data = record_to_task({"id": f"doc-{n}", "text": TEXT, "meta": {"n": n}, "attributions": []}, "v")["data"]
    return {"id": n, "data": data, "annotations": list(annotations), "predictions": []}


EXPORT = [
    task(1, annotation(11, 1, [QUOTE, CRITICS]), annotation(12, {"id": 2, "email": "b@example.org"}, [QUOTE, CRITICS_CUE])),
    task(2, annotation(21, 1, [QUOTE]), annotation(22, 2, [QUOTE])),  # agreement: nothing to review
    task(3, annotation(31, 1, [QUOTE])),  # one annotator: nothing to compare
    task(4, annotation(41, 1, [QUOTE]), annotation(42, 2, [{**QUOTE, "kind": "mixed"}]), annotation(43, 5, [], cancelled=True),
         annotation(44, 3, [QUOTE, CRITICS])),
]


class NoProjects:
    """A stand-in for a Label Studio holding no project (no request is the point here): push_review asks it
    whether a review project exists only when the exports hold no disagreement."""

    def find_project(self, title: str) -> None:
        return None


def test_the_documents_with_nothing_left_to_decide_are_named():
    review, settled = review_plan(EXPORT)
    assert [t["data"]["record_id"] for t in review] == ["doc-1", "doc-4"]
    assert settled == ["doc-2"]  # doc-3: one annotator says nothing of agreement (an older or filtered export)


def test_one_review_task_per_disagreement_with_each_version():
    tasks, _ = review_plan(EXPORT)
    assert [t["data"]["record_id"] for t in tasks] == ["doc-1", "doc-4"]
    assert [t["data"]["meta"] for t in tasks] == [{"n": 1}, {"n": 4}]
    # an empty prediction first (the project's model version: the reviewer starts from it), then each
    # annotator's version, its tab name starting with a letter so that tabs cut short still differ
    assert [[p["model_version"] for p in t["predictions"]] for t in tasks] == [
        [REVIEW_VERSION, "A · 1", "B · b@example.org"],
        [REVIEW_VERSION, "A · 1", "B · 2", "C · 3"],
    ]
    assert all(t["predictions"][0]["result"] == [] for t in tasks)
    versions = [result_to_attributions(TEXT, p["result"]) for p in tasks[1]["predictions"][1:]]
    assert [[a["kind"] for a in v] for v in versions] == [["direct"], ["mixed"], ["direct", "indirect"]]
    assert [a["cue"] for a in result_to_attributions(TEXT, tasks[0]["predictions"][2]["result"])] == [
        [frag("said", "governor")], [frag("said", "Critics")]]


def test_review_tasks_pass_the_import_checks():
    assert [f for f in check_tasks(review_plan(EXPORT)[0]) if f.severity == "error"] == []


def test_review_takes_each_annotators_latest_annotation(tmp_path):
    """An annotator who redid a task stopped `push --review` (V603), advising --choose, which push lacks."""
    redone = task(5, annotation(51, 1, [QUOTE, CRITICS_CUE]), annotation(52, 1, [QUOTE, CRITICS]),
                  annotation(53, 2, [QUOTE, CRITICS]))  # annotator 1 disagreed first, then agreed
    export = tmp_path / "export.json"
    export.write_text(json.dumps([redone]), encoding="utf-8")
    with pytest.raises(NothingToDoError, match="no task where annotators disagree"):
        push_review(NoProjects(), review_tasks([export]), "review")
    redone["annotations"][1], redone["annotations"][0] = redone["annotations"][0], redone["annotations"][1]
    redone["annotations"][1]["id"], redone["annotations"][0]["id"] = 52, 51  # now the disagreeing one is the latest
    export.write_text(json.dumps([redone]), encoding="utf-8")
    (review,), _ = review_plan(checked_export(str(export), "each_latest"))  # what push_review reads
    assert [p["model_version"] for p in review["predictions"]] == [REVIEW_VERSION, "A · 1", "B · 2"]
    cues = [a["cue"] for a in result_to_attributions(TEXT, review["predictions"][1]["result"])]
    assert cues == [[frag("said", "governor")], [frag("said", "Critics")]]


@pytest.mark.labelstudio
def test_push_review_into_a_real_label_studio(label_studio, tmp_path):
    export = tmp_path / "export.json"
    export.write_text(json.dumps(EXPORT), encoding="utf-8")
    command = ["labelstudio", "push", export, "--review", "--project", "adjudication"]
    done = attrib(*command, env=label_studio.settings())
    assert done.code == 0, done.err
    assert "created: 2 imported, 0 updated, 0 already there" in done.err
    client = label_studio.client()
    project = client.project("adjudication")
    assert project["model_version"] == REVIEW_VERSION  # the empty prediction's: no annotator's version is pre-filled
    tasks = {t["data"]["record_id"]: t for t in client.tasks(project["id"], predictions=True)}
    assert sorted(tasks) == ["doc-1", "doc-4"]
    kinds = {p["model_version"]: [a["kind"] for a in result_to_attributions(TEXT, p["result"])]
             for p in tasks["doc-4"]["predictions"]}
    assert kinds == {REVIEW_VERSION: [], "A · 1": ["direct"], "B · 2": ["mixed"], "C · 3": ["direct", "indirect"]}
    again = attrib(*command, env=label_studio.settings())
    assert again.code == 0 and "found: 0 imported, 0 updated, 2 already there" in again.err
    # annotator 2 changed their mind after the first review push: the unreviewed task shows their newer version
    newer = json.loads(json.dumps(EXPORT))
    newer[3]["annotations"][1] = annotation(45, 2, [QUOTE, CRITICS])
    export.write_text(json.dumps(newer), encoding="utf-8")
    updated = attrib(*command, env=label_studio.settings())
    assert updated.code == 0 and "found: 0 imported, 1 updated, 1 already there" in updated.err, updated.err
    tasks = {t["data"]["record_id"]: t for t in client.tasks(project["id"], predictions=True)}
    kinds = {p["model_version"]: [a["kind"] for a in result_to_attributions(TEXT, p["result"])]
             for p in tasks["doc-4"]["predictions"]}
    assert kinds == {REVIEW_VERSION: [], "A · 1": ["direct"], "B · 2": ["direct", "indirect"], "C · 3": ["direct", "indirect"]}
    # then the annotators of doc-4 agree, and a reviewer has saved a draft on doc-1 (whose annotators agree too): doc-4's
    # unreviewed task goes (it stayed, asking a reviewer to settle nothing), doc-1's stays with the reviewer's work
    client._http("POST", f"api/tasks/{tasks['doc-1']['id']}/drafts", "saving a draft", json={"result": [], "lead_time": 9.0})
    newer[3]["annotations"] = [annotation(41, 1, [QUOTE]), annotation(46, 2, [QUOTE]), annotation(47, 3, [QUOTE])]
    newer[0]["annotations"][1] = annotation(13, {"id": 2, "email": "b@example.org"}, [QUOTE, CRITICS])
    export.write_text(json.dumps(newer), encoding="utf-8")
    settled = attrib(*command, env=label_studio.settings())
    assert settled.code == 0, settled.err
    assert ("attrib: kept 1 task with nothing left to decide: worked on already (annotated, skipped or a draft saved; "
            "first: 'doc-1')") in settled.err
    assert "found: 0 imported, 0 updated, 0 already there, 1 unreviewed review task deleted" in settled.err
    assert sorted(t["data"]["record_id"] for t in client.tasks(project["id"])) == ["doc-1"]
    again = attrib(*command, env=label_studio.settings())  # nothing left to do: said, and nothing changed
    assert again.code == 1 and "no task where annotators disagree" in again.err, again.err
    assert sorted(t["data"]["record_id"] for t in client.tasks(project["id"])) == ["doc-1"]
