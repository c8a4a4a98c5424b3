"""`attrib agreement` on synthetic Label Studio exports where every figure is known in advance."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from attrib.agreement import Changes, agreement
from attrib.errors import InputError, InvalidDataError
from attrib.lsjson.convert import attributions_to_result, record_to_task
from attrib.records import fragment, make_record
from fragments import frag_of
from runs import attrib

TEXT = 'Officials said the plan failed. "We will win," the minister said, "and soon." It is believed that rain helps. Critics warned of delays.'
TEXT2 = "Sources said talks stalled. Nothing else."


def at(text: str, kind: str, source=(), cue=(), content=()) -> dict:
    """An attribution from (substring, nth occurrence) or substrings."""

    def frags(items):
        return [frag_of(text, *i) if isinstance(i, tuple) else frag_of(text, i) for i in items]

    return {
        "kind": kind,
        "confidence": 0.9,
        "source": frags(source),
        "cue": frags(cue),
        "content": frags(content),
        "source_entity": None,
    }


OFFICIALS = at(TEXT, "indirect", ["Officials"], ["said"], ["the plan failed"])
MINISTER = at(TEXT, "direct", ["the minister"], [("said", 1)], ['"We will win,"', '"and soon."'])
BELIEVED = at(TEXT, "indirect", [], ["is believed"], ["that rain helps"])
PREDICTED = [OFFICIALS, MINISTER, BELIEVED]
# bob: keeps OFFICIALS, cuts the minister's quote to its first fragment and his source to "minister",
# deletes BELIEVED, adds the critics
BOB = [
    OFFICIALS,
    at(TEXT, "direct", ["minister"], [("said", 1)], ['"We will win,"']),
    at(TEXT, "indirect", ["Critics"], ["warned"], ["of delays"]),
]
SOURCES = at(TEXT2, "indirect", ["Sources"], ["said"], ["talks stalled"])
SOURCES_WITH_STOP = at(TEXT2, "indirect", ["Sources"], ["said"], ["talks stalled."])


def task(task_id: int, text: str, predicted: list[dict], annotations: list[dict]) -> dict:
    made = record_to_task(make_record(f"doc-{task_id}", text, predicted), "v1")
    prediction = {**made["predictions"][0], "id": 100 + task_id}
    return {"id": task_id, "data": made["data"], "predictions": [prediction], "annotations": annotations}


def annotation(ann_id: int, who, text: str, attributions: list[dict], parent: int | None, **extra) -> dict:
    return {
        "id": ann_id,
        "completed_by": who,
        "result": attributions_to_result(text, attributions),
        "was_cancelled": False,
        "ground_truth": False,
        "lead_time": 10.0,
        "parent_prediction": parent,
        **extra,
    }


ALICE, BOB_ID = {"id": 1, "email": "alice@example.org"}, 2


def export(tmp_path, tasks: list[dict]):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def two_annotators(tmp_path):
    return export(
        tmp_path,
        [
            task(
                1,
                TEXT,
                PREDICTED,
                [annotation(11, ALICE, TEXT, PREDICTED, 101), annotation(12, BOB_ID, TEXT, BOB, 101)],
            ),
            task(
                2,
                TEXT2,
                [SOURCES],
                [annotation(21, ALICE, TEXT2, [SOURCES_WITH_STOP], 102), annotation(22, BOB_ID, TEXT2, [SOURCES], 102)],
            ),
            # one annotator drawing from scratch, and a skipped task: neither is a pair
            task(
                3,
                TEXT2,
                [SOURCES],
                [annotation(31, 4, TEXT2, [SOURCES], None), annotation(32, 5, TEXT2, [], 103, was_cancelled=True)],
            ),
        ],
    )


def prf(tp: int, fp: int, fn: int) -> dict:
    return {
        "precision": tp / (tp + fp),
        "recall": tp / (tp + fn),
        "f1": 2 * tp / (2 * tp + fp + fn),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def test_pairwise_agreement_has_the_expected_figures(two_annotators):
    report = agreement(two_annotators)
    assert report["tasks"] == {"total": 3, "multi_annotated": 2}
    assert report["annotators"] == ["2", "4", "alice@example.org"]
    (pair,) = report["pairs"]
    assert pair["annotators"] == ["alice@example.org", "2"] and pair["documents"] == 2
    # alice (user 1) is the reference, bob (user 2) the prediction: annotators in the order of their user ids.
    # Sources: {Officials, the minister, Sources} vs {Officials, minister, Critics, Sources}: "minister" is not
    # exact but has Jaccard 8/12 with "the minister".
    assert pair["roles"]["source"]["exact"] == prf(2, 2, 1)
    assert pair["roles"]["source"]["overlap"] == prf(3, 1, 0)
    assert pair["roles"]["cue"]["exact"] == pair["roles"]["cue"]["overlap"] == prf(3, 1, 1)
    # contents: "talks stalled." and "talks stalled" are equal once trimmed
    assert pair["roles"]["content"]["exact"] == pair["roles"]["content"]["overlap"] == prf(3, 1, 2)
    assert pair["attributions"] == prf(3, 1, 1)
    assert pair["given_found"]["source"] == {"accuracy": 1.0, "correct": 3, "total": 3}
    overall = report["overall"]
    assert {k: overall[k] for k in ("roles", "attributions")} == {k: pair[k] for k in ("roles", "attributions")}


def test_prediction_changes_have_the_expected_shares(two_annotators):
    changes = agreement(two_annotators)["prediction_changes"]
    assert changes["annotations_without_prediction"] == 1
    alice = changes["by_annotator"]["alice@example.org"]
    # task 1 kept as predicted (9 regions); task 2: "talks stalled" moved to "talks stalled."
    assert alice == {
        "annotations": 2,
        "predicted_regions": 12,
        "annotated_regions": 12,
        "kept": 11,
        "moved": 1,
        "deleted": 0,
        "added": 0,
        "kept_share": 11 / 12,
        "moved_share": 1 / 12,
        "deleted_share": 0.0,
        "added_share": 0.0,
    }
    bob = changes["by_annotator"]["2"]
    # task 1: kept Officials, 2 cues, 2 contents; moved the source; deleted a cue and 2 contents; added 3 regions
    assert bob == {
        "annotations": 2,
        "predicted_regions": 12,
        "annotated_regions": 12,
        "kept": 8,
        "moved": 1,
        "deleted": 3,
        "added": 3,
        "kept_share": 8 / 12,
        "moved_share": 1 / 12,
        "deleted_share": 3 / 12,
        "added_share": 3 / 12,
    }
    overall = changes["overall"]
    assert (overall["annotations"], overall["kept"], overall["moved"], overall["deleted"], overall["added"]) == (
        4,
        19,
        2,
        3,
        3,
    )
    assert overall["kept_share"] == 19 / 24 and overall["added_share"] == 3 / 24


def record(text: str, *attributions: dict) -> dict:
    return make_record("d", text, list(attributions))


def test_changes_are_one_to_one_and_a_new_role_is_a_delete_plus_an_add():
    text = "abcdefghijklmnopqrstuvwxyz"
    predicted = record(
        text, {"kind": "direct", "source": [], "cue": [fragment(text, 0, 3)], "content": [fragment(text, 4, 20)]}
    )
    # the content split in two: the half sharing more (10 characters against 5) is the move, the other an
    # addition; the cue relabelled as content is a deleted cue plus an added content
    annotated = record(
        text,
        {
            "kind": "direct",
            "source": [],
            "cue": [],
            "content": [fragment(text, 0, 3), fragment(text, 4, 9), fragment(text, 10, 20)],
        },
    )
    changes = Changes()
    changes.add(predicted, annotated)
    assert (changes.predicted, changes.annotated, changes.counts) == (
        2,
        3,
        {"kept": 0, "moved": 1, "deleted": 1, "added": 2},
    )
    only_short = Changes()
    only_short.add(
        predicted,
        record(
            text, {"kind": "direct", "source": [], "cue": [fragment(text, 0, 3)], "content": [fragment(text, 4, 9)]}
        ),
    )
    assert only_short.counts == {"kept": 1, "moved": 1, "deleted": 0, "added": 0}


def test_overall_is_micro_over_pairs(tmp_path):
    third = [OFFICIALS]
    path = export(
        tmp_path,
        [
            task(
                1,
                TEXT,
                PREDICTED,
                [
                    annotation(11, ALICE, TEXT, PREDICTED, 101),
                    annotation(12, BOB_ID, TEXT, BOB, 101),
                    annotation(13, 3, TEXT, third, 101),
                ],
            )
        ],
    )
    report = agreement(path)
    assert [p["annotators"] for p in report["pairs"]] == [  # by user id: alice is user 1
        ["alice@example.org", "2"],
        ["alice@example.org", "3"],
        ["2", "3"],
    ]
    for key in ("tp", "fp", "fn"):
        assert report["overall"]["attributions"][key] == sum(p["attributions"][key] for p in report["pairs"])
    assert report["overall"]["attributions"] == prf(2 + 1 + 1, 1 + 0 + 0, 1 + 2 + 2)
    assert (report["overall"]["documents"], report["overall"]["task_pairs"]) == (1, 3)  # one task, three pairs of it
    assert [p["documents"] for p in report["pairs"]] == [1, 1, 1]
    overall_rows = [line.split() for line in attrib("agreement", path).out.splitlines() if line.startswith("overall")]
    counted = [row[3] for row in overall_rows if row[2] in ("source", "cue", "content", "found_any_char", "found_jaccard50")]
    assert counted == ["1"] * 5  # the tasks column of the 3 role rows and the 2 attribution rows: one task


def test_bad_exports_name_the_file_and_the_task(tmp_path):
    path = export(tmp_path, {"tasks": []})
    with pytest.raises(InputError, match=r"export.json: starts with '\{', not a JSON array as a Label Studio export"):
        agreement(path)
    broken = task(7, TEXT2, [SOURCES], [annotation(71, 1, TEXT2, [SOURCES], 107)])
    broken["annotations"][0]["result"][0]["value"]["end"] = 999
    with pytest.raises(InvalidDataError, match=r"export.json \$\[0\]\.annotations\[0\]\.result\[0\]\.value\.end "
                                               r"\(record doc-7, task 7, annotation 71, region .*\): V201 span \[8, 999\)"):
        agreement(export(tmp_path, [broken]))  # validated as it is read


def test_cli_table_json_and_html(two_annotators, tmp_path):
    out = tmp_path / "report.html"
    result = attrib("agreement", two_annotators, "--html", out)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "3 tasks, 2 with two or more annotators"
    assert lines[2].split() == ["pair", "role", "tasks", "exact", "F1%", "overlap", "F1%"]
    assert re.search(r"^alice@example.org / 2\s+source\s+2\s+57\.1\s+85\.7$", result.out, re.M)
    assert re.search(r"^overall \(micro\)\s+found_any_char\s+2\s+75\.0\s+75\.0\s+75\.0\s+3\s+1\s+1$", result.out, re.M)
    assert re.search(r"^alice@example.org\s+2\s+12\s+91\.7\s+8\.3\s+0\.0\s+0\s+0\.0$", result.out, re.M)
    assert "(1 annotation without a readable prediction)" in result.out

    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == 5  # source, cue, content, attributions (both definitions), changes
    assert "found_jaccard50" in page and "alpha (role sets)" in page
    assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "src=" not in page and "<link" not in page
    assert "85.7" in page and "alice@example.org" in page
    assert not list(tmp_path.glob(".report.html.*"))  # no temporary file left behind

    as_json = json.loads(attrib("agreement", two_annotators, "--json").out)
    assert set(as_json) == {"tasks", "annotators", "pairs", "overall", "prediction_changes", "disagreements"}
    assert as_json["pairs"][0]["roles"]["source"]["overlap"]["f1"] == 6 / 7


def test_id_only_predictions_leave_agreement_but_not_changes(tmp_path):
    plain = task(
        2,
        TEXT2,
        [SOURCES],
        [annotation(21, ALICE, TEXT2, [SOURCES_WITH_STOP], 102), annotation(22, BOB_ID, TEXT2, [SOURCES], 102)],
    )
    plain["predictions"] = [102]  # Label Studio's plain JSON export
    report = agreement(export(tmp_path, [plain]))
    assert report["pairs"][0]["attributions"] == prf(1, 0, 0)
    assert report["prediction_changes"]["annotations_without_prediction"] == 2
    assert report["prediction_changes"]["overall"]["kept_share"] is None


def test_an_annotator_with_two_annotations_of_a_task_is_read_as_their_latest(tmp_path):
    """Alice annotated task 1 twice (a second tab in Label Studio); `each` refuses that (V603), which stopped
    agreement on the whole export although its docstring promised one version per annotator."""
    first = annotation(11, ALICE, TEXT2, [], 102, updated_at="2026-01-01T10:00:00Z")
    second = annotation(13, ALICE, TEXT2, [SOURCES], 102, updated_at="2026-01-02T10:00:00Z")
    bob = annotation(12, BOB_ID, TEXT2, [SOURCES], 102, updated_at="2026-01-01T11:00:00Z")
    for order in ([second, bob, first], [first, bob, second]):  # the latest by time, wherever the export lists it
        path = export(tmp_path, [task(2, TEXT2, [SOURCES], order)])
        report = agreement(path)
        assert report["pairs"][0]["attributions"] == prf(1, 0, 0)
        assert report["prediction_changes"]["overall"]["annotations"] == 2
        out = tmp_path / "records.jsonl"
        assert attrib("labelstudio", "records", path, "-o", out, "--choose", "each_latest").code == 0
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert sorted(r["provenance"]["annotation_id"] for r in records) == [12, 13]
        refused = attrib("labelstudio", "records", path, "-o", out, "--choose", "each")
        assert refused.code == 1 and "V603 annotator 'alice@example.org' also made annotation" in refused.err
        assert "--choose each_latest reads their latest" in refused.err


def test_task_links_carry_no_login_and_the_page_is_not_sent_down_the_reports_stdout(two_annotators, tmp_path):
    """A login in --url (http://user:password@host) was written into the table and the page, which is meant to be
    shared; `--html -` sent the page and the report down one stdout, so that neither could be read."""
    tasks = json.loads(two_annotators.read_text(encoding="utf-8"))
    for t in tasks:
        t["project"] = 7
    two_annotators.write_text(json.dumps(tasks), encoding="utf-8")
    page = tmp_path / "report.html"
    done = attrib("agreement", two_annotators, "--url", "http://admin:s3cret@127.0.0.1:8080/", "--html", page)
    assert done.code == 0 and "http://127.0.0.1:8080/projects/7/data?task=" in done.out
    assert "s3cret" not in done.out + page.read_text(encoding="utf-8") and "admin" not in done.out
    done = attrib("agreement", two_annotators, "--html", "-")
    assert done.code == 2 and done.out == "" and done.err.startswith("attrib: Invalid value for --html: - (standard")
    done = attrib("agreement", two_annotators, "--studio", two_annotators)  # a file, not the folder studio made
    assert done.code == 0 and "no local Label Studio was started there" in done.err
    done = attrib("agreement", two_annotators, "--url", "notaurl", "--html", page)  # linked to notaurl/projects/7/…
    assert (done.code, done.out) == (3, "") and done.err == ("attrib: E200 Label Studio URL must start with http:// or "
                                                             "https://, got 'notaurl'\n")


def test_names_and_ids_from_the_data_reach_a_terminal_escaped(tmp_path):
    """An annotator's email or a document id holding ESC sequences, BEL or a carriage return went to the terminal
    as it was: it could clear the screen, retitle the window, or overwrite a row of the table."""
    sly = {"id": 1, "email": "a\x1b[2J\x1b]0;T\x07\r@x"}
    path = export(tmp_path, [task(1, TEXT, PREDICTED, [annotation(11, sly, TEXT, PREDICTED, 101),
                                                       annotation(12, BOB_ID, TEXT, BOB, 101)])])
    shown = attrib("agreement", path)
    assert shown.code == 0 and "a\\x1b[2J\\x1b]0;T\\x07\\r@x" in shown.out
    assert "1 task where annotators disagree" in shown.out and "readable prediction" not in shown.out  # not "(0 …)"
    assert not any(char in shown.out for char in "\x1b\x07\r")
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps({"id": "doc\x1b[31mRED\r", "text": TEXT, "attributions": []}) + "\n", encoding="utf-8")
    listed = attrib("show", records)
    assert listed.code == 0 and listed.out.startswith("# doc\\x1b[31mRED\\r: 0 attributions\n"), listed.out


def test_one_user_is_one_annotator_whichever_form_completed_by_takes(tmp_path):
    """An export holding `completed_by` both expanded ({"id": 1, "email": …}) and as the bare id 1 made one
    annotator two: compared with herself on one task, and the reference of a pair on one task, its prediction on
    another. One user id is one annotator, named by the email any of their annotations gave."""
    later = {"updated_at": "2026-01-02T00:00:00Z"}
    path = export(tmp_path, [
        task(1, TEXT, PREDICTED, [annotation(11, ALICE, TEXT, PREDICTED, 101, updated_at="2026-01-01T00:00:00Z"),
                                  annotation(12, 1, TEXT, BOB, 101, **later)]),
        task(2, TEXT2, [SOURCES], [annotation(21, 1, TEXT2, [SOURCES], 102), annotation(22, BOB_ID, TEXT2, [SOURCES], 102)]),
        task(3, TEXT2, [SOURCES], [annotation(31, BOB_ID, TEXT2, [SOURCES], 103), annotation(32, ALICE, TEXT2, [], 103)]),
    ])
    report = agreement(path)
    assert report["annotators"] == ["2", "alice@example.org"]
    assert report["tasks"] == {"total": 3, "multi_annotated": 2}  # task 1 is alice's alone: her latest, annotation 12
    (pair,) = report["pairs"]
    assert pair["annotators"] == ["alice@example.org", "2"] and pair["documents"] == 2
    assert pair["attributions"] == prf(1, 1, 0)  # alice the reference on both tasks: bob's on task 3, which she left out
    assert report["prediction_changes"]["by_annotator"]["alice@example.org"]["annotations"] == 3


def test_a_bidi_override_in_a_name_is_shown_escaped_not_obeyed(tmp_path):
    """U+202E in an annotator's email reached the terminal table and the HTML page as it was: the rest of each row,
    figures included, read reversed where bidi applies."""
    eve = {"id": 7, "email": "eve\u202e@example.org"}
    path = export(tmp_path, [task(1, TEXT, PREDICTED, [annotation(11, eve, TEXT, PREDICTED, 101),
                                                        annotation(12, BOB_ID, TEXT, BOB, 101)])])
    page = tmp_path / "report.html"
    ran = attrib("agreement", path, "--html", page)
    assert ran.code == 0, ran.err
    for shown in (ran.out, page.read_text(encoding="utf-8")):
        assert "\u202e" not in shown and "eve\\u202e@example.org" in shown


@pytest.mark.parametrize("command", [["agreement", "{export}"],
                                     ["labelstudio", "records", "{export}", "--choose", "each_latest", "-o", "{out}"]])
@pytest.mark.parametrize("completed_by", [True, {"id": True, "email": None}])
def test_an_annotator_given_as_true_is_refused_not_taken_for_user_1(tmp_path, command, completed_by):
    """`"completed_by": true` was user 1 (True == 1 in Python): agreement found one annotator where two were, and
    each_latest dropped one annotation as not that user's latest, unchecked, exit 0 (validate: V102)."""
    export = json.loads((Path(__file__).parent / "data" / "broken_exports" / "valid-accepted-prediction.json").read_text())
    first = export[0]["annotations"][0]
    second = dict(copy.deepcopy(first), id=first["id"] + 1, completed_by=1)
    export[0]["annotations"] = [dict(first, completed_by=completed_by), second]
    path, out = tmp_path / "export.json", tmp_path / "out.jsonl"
    path.write_text(json.dumps(export), encoding="utf-8")
    ran = attrib(*(arg.format(export=path, out=out) for arg in command))
    assert ran.code == 1 and ran.err.startswith(f"attrib: E150 {path} $[0].annotations[0].completed_by") and \
        "V102" in ran.err and ran.err.count("\n") == 1, ran.err
    assert not out.exists()
