"""Inputs that hold nothing to work on: each says what is going on and what to do (E160, exit 1) and
writes nothing, instead of an empty dataset, an empty records file or a page of empty charts."""

from __future__ import annotations

import json

import pytest

from attrib.errors import NothingToDoError
from attrib.labelstudio.projects import push_review, review_tasks
from runs import attrib
from test_agreement import PREDICTED, TEXT, annotation, task
from test_formats_review import EXPORT, NoProjects


@pytest.fixture
def unannotated(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps([task(1, TEXT, PREDICTED, []), task(2, TEXT, PREDICTED, [])]), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [
    ["labelstudio", "records", "{export}", "-o", "{out}/records.jsonl", "--choose", "latest"],
    ["export", "{export}", "-f", "jsonl", "-o", "{out}/records.jsonl"],
    ["export", "{export}", "-f", "brat", "--layout", "polnear", "-o", "{out}/pn"],
    ["export", "{export}", "-f", "conll", "-o", "{out}/records.conll"],
])
def test_an_export_nobody_annotated_says_annotate_first(unannotated, tmp_path, command):
    out = tmp_path / "out"
    out.mkdir()
    done = attrib(*(word.format(export=unannotated, out=out) for word in command))
    assert done.code == 1
    assert done.err == (f"attrib: E160 {unannotated}: nobody has annotated yet (no annotation in its 2 tasks; cancelled "
                        "ones do not count): annotate in Label Studio first (correct the drafts, Submit) and pull "
                        "again, or take the drafts as they are with --choose prediction\n")
    assert list(out.iterdir()) == []  # nothing written, not even a temporary file


def test_the_drafts_are_there_with_choose_prediction(unannotated, tmp_path):
    done = attrib("labelstudio", "records", unannotated, "-o", tmp_path / "drafts.jsonl", "--choose", "prediction")
    assert done.code == 0 and done.err == f"2 records written to {tmp_path / 'drafts.jsonl'}\n"


def test_no_ground_truth_and_no_tasks(tmp_path):
    annotated = tmp_path / "annotated.json"
    annotated.write_text(json.dumps([task(1, TEXT, PREDICTED, [annotation(11, 1, TEXT, PREDICTED, 101)])]), encoding="utf-8")
    done = attrib("export", annotated, "-f", "jsonl", "-o", tmp_path / "gt.jsonl", "--choose", "ground_truth")
    assert done.code == 1 and "no annotation in its 1 task is marked ground truth" in done.err
    empty = tmp_path / "empty.json"
    empty.write_text("[]", encoding="utf-8")
    done = attrib("export", empty, "-f", "jsonl", "-o", tmp_path / "none.jsonl")
    assert done.code == 1 and "the export holds no tasks: push documents" in done.err
    assert not (tmp_path / "gt.jsonl").exists() and not (tmp_path / "none.jsonl").exists()


@pytest.mark.parametrize("content", ["", "\n  \n"])
def test_an_empty_records_file(tmp_path, content):
    path = tmp_path / "records.jsonl"
    path.write_text(content, encoding="utf-8")
    done = attrib("export", path, "-f", "jsonl", "-o", tmp_path / "data.jsonl")
    assert done.code == 1 and done.err.startswith(f"attrib: E160 {path}: empty file, no records in it")
    assert not (tmp_path / "data.jsonl").exists()


def test_review_without_disagreement_creates_nothing(tmp_path):
    agreed = tmp_path / "agreed.json"
    agreed.write_text(json.dumps([EXPORT[1], EXPORT[2]]), encoding="utf-8")  # the same version, or one annotator
    with pytest.raises(NothingToDoError, match="no task where annotators disagree"):
        push_review(NoProjects(), review_tasks([agreed]), "review")  # no review project to tidy: nothing is asked of a server


def test_agreement_over_cancelled_annotations_only_says_they_do_not_count(tmp_path):
    skipped = tmp_path / "skipped.json"
    cancelled = annotation(11, 1, TEXT, PREDICTED, 101, was_cancelled=True)  # an annotator's Skip
    skipped.write_text(json.dumps([task(1, TEXT, PREDICTED, [cancelled])]), encoding="utf-8")
    done = attrib("agreement", skipped)
    assert done.code == 1
    assert done.err.startswith(f"attrib: E160 {skipped}: nobody has annotated yet (no annotation in its 1 task; "
                               "cancelled ones do not count): agreement compares")


@pytest.mark.parametrize("content", ["", "\n \n"])
def test_tasks_from_no_records_is_nothing_to_do(tmp_path, content):
    """Was `0 tasks written` and a file holding [] (and `push` an empty project)."""
    path = tmp_path / "records.jsonl"
    path.write_text(content, encoding="utf-8")
    done = attrib("labelstudio", "tasks", path, "-o", tmp_path / "tasks.json")
    assert done.code == 1 and done.err.startswith(f"attrib: E160 {path}: no records in it: write records with ")
    assert not (tmp_path / "tasks.json").exists()


def test_tasks_from_an_export_says_it_is_an_array_not_records(tmp_path):
    """A pretty-printed export was "not JSON" at line 1 (its "[")."""
    export = tmp_path / "export.json"
    export.write_text(json.dumps([task(1, TEXT, PREDICTED, [])], indent=1), encoding="utf-8")
    done = attrib("labelstudio", "tasks", export, "-o", tmp_path / "tasks.json")
    assert done.code == 2 and done.err == (f"attrib: E100 {export}: is a JSON array (tasks, or a Label Studio export?), "
                                           "but records are JSON Lines (one record a line): `attrib labelstudio "
                                           "records` makes records of an export\n")


def test_train_on_an_export_nobody_annotated_offers_no_option_it_lacks(unannotated, tmp_path):
    """The hint named --choose prediction, which train does not have (drafts are nothing to learn from)."""
    done = attrib("train", unannotated, "-o", tmp_path / "model")
    assert done.code == 1 and done.err == (f"attrib: E160 {unannotated}: nobody has annotated yet (no annotation in its 2 "
                                           "tasks; cancelled ones do not count): annotate in Label Studio first (correct "
                                           "the drafts, Submit) and pull again\n")
    assert not (tmp_path / "model").exists()


def test_an_annotation_the_choice_does_not_read_does_not_stop_the_export(tmp_path):
    """One annotator's half-finished older annotation (an unknown label) stopped `records` under every --choose,
    --choose prediction too, which reads none; now only the annotations chosen are checked."""
    broken = annotation(11, {"id": 1, "email": "a@x"}, TEXT, PREDICTED, 101, updated_at="2025-01-01T00:00:00Z")
    broken["result"][0]["value"]["labels"] = ["SPEAKER"]
    later = annotation(12, {"id": 2, "email": "b@x"}, TEXT, PREDICTED, 101, updated_at="2025-01-02T00:00:00Z")
    export = tmp_path / "export.json"
    export.write_text(json.dumps([task(1, TEXT, PREDICTED, [broken, later])]), encoding="utf-8")
    for choose, annotation_id in (("latest", 12), ("prediction", None)):
        done = attrib("labelstudio", "records", export, "-o", tmp_path / f"{choose}.jsonl", "--choose", choose)
        assert done.code == 0, done.err
        (record,) = [json.loads(line) for line in (tmp_path / f"{choose}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert record["provenance"]["annotation_id"] == annotation_id
    each = attrib("labelstudio", "records", export, "-o", tmp_path / "each.jsonl", "--choose", "each")
    assert each.code == 1 and "annotation 11" in each.err and "SPEAKER" in each.err  # each reads it: still refused


def test_a_chosen_annotation_is_named_at_its_place_in_the_file(tmp_path):
    """Checked with only the chosen annotations, the latest (the second) was named annotations[0]."""
    first = annotation(11, {"id": 1, "email": "a@x"}, TEXT, PREDICTED, 101, updated_at="2025-01-01T00:00:00Z")
    latest = annotation(12, {"id": 2, "email": "b@x"}, TEXT, PREDICTED, 101, updated_at="2025-01-02T00:00:00Z")
    latest["result"][0]["value"]["labels"] = ["SPEAKER"]
    export = tmp_path / "export.json"
    export.write_text(json.dumps([task(1, TEXT, PREDICTED, [first, latest])]), encoding="utf-8")
    done = attrib("labelstudio", "records", export, "-o", tmp_path / "r.jsonl", "--choose", "latest")
    assert done.code == 1 and f"{export} $[0].annotations[1].result[0].value.labels[0] (" in done.err, done.err


@pytest.mark.parametrize("choose", ["latest", "each_latest"])
def test_an_annotation_that_is_not_an_object_or_not_plainly_cancelled_is_refused_not_passed_over(tmp_path, choose):
    """`"was_cancelled": "false"` was taken as cancelled (the older annotation exported as the latest, or E160 when
    alone), and an export of annotation ids said nobody had annotated, where `validate` says V102."""
    older = annotation(11, {"id": 1, "email": "a@x"}, TEXT, PREDICTED, 101, updated_at="2025-01-01T00:00:00Z")
    newer = annotation(12, {"id": 1, "email": "a@x"}, TEXT, PREDICTED, 101, updated_at="2025-01-02T00:00:00Z",
                       was_cancelled="false")
    cases = {"cancelled": ([older, newer], "$[0].annotations[1].was_cancelled"),
             "alone": ([newer], "$[0].annotations[0].was_cancelled"), "ids": ([11, 12], "$[0].annotations[0]")}
    for name, (made, path) in cases.items():
        export = tmp_path / f"{name}.json"
        export.write_text(json.dumps([task(1, TEXT, PREDICTED, made)]), encoding="utf-8")
        done = attrib("labelstudio", "records", export, "-o", tmp_path / f"{name}.jsonl", "--choose", choose)
        assert done.code == 1 and f"{export} {path} (" in done.err and "V102" in done.err, (name, done.err)
    ids = dict(task(1, TEXT, PREDICTED, []), predictions=[101])
    (tmp_path / "ids.json").write_text(json.dumps([ids]), encoding="utf-8")
    done = attrib("labelstudio", "records", tmp_path / "ids.json", "-o", tmp_path / "p.jsonl", "--choose", "prediction")
    assert done.code == 2 and done.err.startswith(f"attrib: E100 {tmp_path / 'ids.json'} $[0]: task 1: the export has "
                                                  "prediction ids"), done.err


@pytest.mark.parametrize("command", [["labelstudio", "records", "{export}", "-o", "{out}"], ["agreement", "{export}"],
                                     ["export", "{export}", "-f", "jsonl", "-o", "{out}"]])
def test_a_task_nobody_annotated_is_not_judged(tmp_path, command):
    """An unannotated task whose data broke (text not a string, a lone surrogate in its id, predictions not a
    list) stopped `records`, `agreement` and `export` for every annotated task: no record comes of it."""
    annotated = task(1, TEXT, PREDICTED, [annotation(11, {"id": 1, "email": "a@x"}, TEXT, PREDICTED, 101)])
    broken = [dict(task(2, TEXT, PREDICTED, []), data={"text": 5, "record_id": "b"}),
              dict(task(3, TEXT, PREDICTED, []), predictions=7),
              dict(task(4, TEXT, PREDICTED, [annotation(14, {"id": 1, "email": "a@x"}, TEXT, PREDICTED, 101,
                                                        was_cancelled=True)]), data={"text": TEXT, "record_id": "\udc00"})]
    export = tmp_path / "export.json"
    export.write_text(json.dumps([broken[0], annotated, *broken[1:]]), encoding="utf-8")
    out = tmp_path / "records.jsonl"
    done = attrib(*[part.format(export=export, out=out) for part in command])
    assert done.code == 0, done.err
    if command[0] != "agreement":
        (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert record["id"] == "doc-1"
    prediction = attrib("labelstudio", "records", export, "-o", tmp_path / "p.jsonl", "--choose", "prediction")
    assert prediction.code == 1 and "$[0].data.text" in prediction.err  # the drafts are read there: still judged
    assert attrib("validate", export).code == 1  # and the whole file's validation still reports them


@pytest.mark.parametrize("command", [["agreement", "{empty}"], ["labelstudio", "records", "{empty}", "-o", "{out}"]])
def test_an_empty_export_is_nothing_to_do_as_for_every_other_command(tmp_path, command):
    """agreement and labelstudio records said E100 (exit 2, an unreadable file) where every other command says E160."""
    empty, out = tmp_path / "export.json", tmp_path / "out.jsonl"
    empty.write_text("\n", encoding="utf-8")
    done = attrib(*(word.format(empty=empty, out=out) for word in command))
    assert done.code == 1 and done.err.startswith(f"attrib: E160 {empty}: empty file, no ") and done.err.count("\n") == 1
    assert "`attrib labelstudio pull`" in done.err and "`attrib labelstudio records`" not in done.err  # what to run
    assert not out.exists()
