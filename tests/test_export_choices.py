"""What `--choose` reads from a Label Studio export is what is checked: an error there stops the command at its place
in the file, and an error in what the choice leaves aside (an older annotation, a cancelled one, a prediction no
annotation started from) does not. Found by a probe of the export readers (each case was a fault)."""

from __future__ import annotations

import json

import pytest

from runs import attrib
from test_agreement import PREDICTED, TEXT, annotation, task

ALICE, BOB = {"id": 1, "email": "a@x"}, {"id": 2, "email": "b@x"}


def written(tmp_path, tasks: list[dict], name: str = "export.json"):
    path = tmp_path / name
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def records(tmp_path, export, choose: str):
    out = tmp_path / f"{choose}.jsonl"
    done = attrib("labelstudio", "records", export, "-o", out, "--choose", choose)
    return done, [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []


def older_and_newer(**older_extra) -> list[dict]:
    return [annotation(11, ALICE, TEXT, PREDICTED, 101, updated_at="2025-01-01T00:00:00Z", **older_extra),
            annotation(12, ALICE, TEXT, PREDICTED, 101, updated_at="2025-01-02T00:00:00Z")]


def test_a_number_no_output_holds_in_an_older_annotation_does_not_stop_latest(tmp_path):
    """`lead_time: 1e999` (V004) in the older annotation stopped --choose latest and prediction, where an error of
    another kind there did not."""
    made = task(1, TEXT, PREDICTED, older_and_newer())
    body = json.dumps([made]).replace('"lead_time": 10.0', '"lead_time": 1e999', 1)
    export = tmp_path / "export.json"
    export.write_text(body, encoding="utf-8")
    for choose, annotation_id in (("latest", 12), ("prediction", None)):
        done, got = records(tmp_path, export, choose)
        assert done.code == 0, done.err
        assert [r["provenance"]["annotation_id"] for r in got] == [annotation_id]
    done, _ = records(tmp_path, export, "each")  # each reads it: refused, at its place
    assert done.code == 1 and "$[0].annotations[0].lead_time" in done.err and "V004" in done.err


def test_a_cancelled_annotation_is_never_read_so_never_stops_each(tmp_path):
    cancelled = annotation(13, BOB, TEXT, PREDICTED, 101, was_cancelled=True)
    cancelled["result"][0]["value"]["end"] = "far"
    export = written(tmp_path, [task(1, TEXT, PREDICTED, [annotation(11, ALICE, TEXT, PREDICTED, 101), cancelled])])
    done, got = records(tmp_path, export, "each")
    assert done.code == 0 and [r["provenance"]["annotation_id"] for r in got] == [11], done.err
    assert attrib("validate", export).code == 1  # the whole file's validation still reports it


def test_a_prediction_nobody_started_from_does_not_stop_the_annotations(tmp_path):
    made = task(1, TEXT, PREDICTED, [annotation(11, ALICE, TEXT, PREDICTED, 201)])
    broken = json.loads(json.dumps(made["predictions"][0]))
    broken["result"][0]["value"]["end"] = 9999
    made["predictions"] = [broken, {**made["predictions"][0], "id": 201}]  # the older (101) is broken
    export = written(tmp_path, [made])
    for choose in ("each", "latest", "prediction"):
        done, got = records(tmp_path, export, choose)
        assert done.code == 0 and len(got) == 1, (choose, done.err)
    assert attrib("agreement", export).code == 0
    made["annotations"][0]["parent_prediction"] = 101  # now the annotation started from it: read, and refused
    done, _ = records(tmp_path, written(tmp_path, [made]), "each")
    assert done.code == 1 and "$[0].predictions[0].result[0].value.end" in done.err and "V201" in done.err


def test_an_integral_float_id_orders_like_the_integer(tmp_path):
    """`"id": 12.0` (an integer to JSON Schema) made --choose latest take every annotation; `{"id": 2.0}` beside `2`
    made one annotator two."""
    annotations = older_and_newer()
    annotations[1]["id"] = 12.0
    done, got = records(tmp_path, written(tmp_path, [task(1, TEXT, PREDICTED, annotations)]), "latest")
    assert done.code == 0 and [r["provenance"]["annotation_id"] for r in got] == [12], done.err
    same = [annotation(11, {"id": 2}, TEXT, PREDICTED, 101), annotation(12, {"id": 2.0}, TEXT, PREDICTED, 101)]
    done, _ = records(tmp_path, written(tmp_path, [task(1, TEXT, PREDICTED, same)]), "each")
    assert done.code == 1 and "V603" in done.err  # one annotator, twice: said so


@pytest.mark.parametrize(("older", "newer", "latest"), [
    ("2025-01-01T00:00:00.5Z", "2025-01-01T00:00:00Z", 11),  # half a second later, shorter as a string
    ("2025-01-01T09:00:00Z", "2025-01-01T10:00:00+02:00", 11),  # 08:00 UTC is earlier than 09:00 UTC
    ("yesterday", "2025-01-01T09:00:00Z", 12),  # not a time: by id ("yesterday" came after every "2025-…")
    ("2025-01-01T09:00:00Z", "yesterday", 12),
])
def test_latest_compares_times_as_instants(tmp_path, older, newer, latest):
    annotations = [annotation(11, ALICE, TEXT, PREDICTED, 101, updated_at=older),
                   annotation(12, ALICE, TEXT, PREDICTED, 101, updated_at=newer)]
    done, got = records(tmp_path, written(tmp_path, [task(1, TEXT, PREDICTED, annotations)]), "latest")
    assert done.code == 0 and [r["provenance"]["annotation_id"] for r in got] == [latest], done.err


def test_a_ground_truth_mark_of_another_type_is_refused_not_taken_for_false(tmp_path):
    annotations = [annotation(11, ALICE, TEXT, PREDICTED, 101, ground_truth=True),
                   annotation(12, BOB, TEXT, PREDICTED, 101, ground_truth=None)]
    done, _ = records(tmp_path, written(tmp_path, [task(1, TEXT, PREDICTED, annotations)]), "ground_truth")
    assert done.code == 1 and "$[0].annotations[1].ground_truth" in done.err and "V102" in done.err, done.err


def test_a_task_whose_records_take_its_task_id_cannot_share_it_with_a_record_id(tmp_path):
    """Task 1 with record_id "2" and task 2 without one gave two records "2" of different texts; validate warned only
    of the missing record id."""
    first = task(1, TEXT, PREDICTED, [annotation(11, ALICE, TEXT, PREDICTED, 101)])
    first["data"]["record_id"] = "2"
    second = task(2, TEXT + " More.", PREDICTED, [annotation(21, ALICE, TEXT + " More.", PREDICTED, 102)])
    del second["data"]["record_id"]
    export = written(tmp_path, [first, second])
    done, _ = records(tmp_path, export, "latest")
    assert done.code == 1 and "$[1].id" in done.err and "V701" in done.err, done.err
    assert "V701" in attrib("validate", export).out


@pytest.mark.parametrize("command", [["agreement"], ["labelstudio", "records", "-o", "{out}"]])
def test_a_tasks_file_is_named_for_what_it_is(tmp_path, command):
    """agreement said "nobody has annotated yet" of a file of tasks to import."""
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{"data": {"text": TEXT, "record_id": "d"}}]), encoding="utf-8")
    done = attrib(*[str(part).format(out=tmp_path / "out.jsonl") for part in command], tasks)
    assert done.code == 2 and "holds tasks to import, not an export" in done.err, done.err


def test_a_time_that_is_not_iso_is_warned_of(tmp_path):
    annotations = [annotation(11, ALICE, TEXT, PREDICTED, 101, updated_at="yesterday")]
    export = written(tmp_path, [task(1, TEXT, PREDICTED, annotations)])
    done = attrib("validate", export)
    assert done.code == 0 and "V604" in done.out and "'yesterday' is not an ISO 8601 time" in done.out, done.out


def test_reviewed_takes_the_ground_truth_where_marked_else_the_latest(tmp_path):
    """`attrib train` took the latest annotation of a task: a later (here empty) annotation overrode the reviewer's
    ground truth, and a project whose latest annotations were empty gave "no attribution" (E160)."""
    marked = [annotation(11, ALICE, TEXT, PREDICTED, 101, ground_truth=True, updated_at="2025-01-01T09:00:00Z"),
              annotation(12, BOB, TEXT, [], 101, updated_at="2025-01-02T09:00:00Z")]
    unmarked = [annotation(21, ALICE, TEXT, PREDICTED, 102, updated_at="2025-01-01T09:00:00Z"),
                annotation(22, BOB, TEXT, [], 102, updated_at="2025-01-02T09:00:00Z")]
    export = written(tmp_path, [task(1, TEXT, PREDICTED, marked), task(2, TEXT, PREDICTED, unmarked)])
    done, got = records(tmp_path, export, "reviewed")
    assert done.code == 0 and [r["provenance"]["annotation_id"] for r in got] == [11, 22], done.err
    from attrib.training.corpus import read_training_records

    assert [r["provenance"]["annotation_id"] for r in read_training_records([export])] == [11, 22]


def test_an_attribution_an_annotator_gave_no_kind_is_read_as_its_quote_marks_say(tmp_path):
    """Label Studio cannot require the kind (a choice on one region of an attribution's two): an annotator who
    forgot it submitted, and records, agreement, export and push --review then refused the whole export (V312)."""
    annotations = [annotation(11, ALICE, TEXT, PREDICTED, 101)]
    result = annotations[0]["result"]
    annotations[0]["result"] = [r for r in result if r.get("from_name") != "kind"]
    assert len(annotations[0]["result"]) < len(result)
    export = written(tmp_path, [task(1, TEXT, PREDICTED, annotations)])
    done, got = records(tmp_path, export, "latest")
    assert done.code == 0, done.err
    from attrib.records import infer_kind

    assert [a["kind"] for a in got[0]["attributions"]] == [infer_kind(TEXT, a["content"]) for a in PREDICTED]
    checked = attrib("validate", export)
    assert checked.code == 0 and "V312" in checked.out and "read as its content's quote marks say" in checked.out
