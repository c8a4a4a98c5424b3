"""The validation contract: Finding values, the three checkers and validate_path on files."""

from __future__ import annotations

import json

import pytest

from attrib.errors import InputError
from attrib.lsjson.convert import record_to_task
from attrib.validation import CODES, Finding, check_export, check_records, check_tasks, validate_path
from fragments import frag_of

TEXT = "Le maire a dit: « Café fermé », et Paul ajoute que tout va bien."


def frag(sub: str) -> dict:
    return frag_of(TEXT, sub)


RECORD = {"id": "r1", "text": TEXT, "meta": {}, "attributions": [
    {"id": "a0", "kind": "direct", "confidence": 0.9, "source": [frag("Le maire")], "cue": [frag("a dit")],
     "content": [frag("« Café fermé »")], "source_entity": None},
]}


def test_clean_documents_have_no_findings():
    task = record_to_task(RECORD, "v1")
    assert list(check_tasks([task])) == []
    assert list(check_records([RECORD])) == []
    exported = {"id": 1, "data": task["data"], "predictions": [7],
                "annotations": [{"id": 2, "completed_by": 1, "result": task["predictions"][0]["result"]}]}
    assert list(check_export([exported])) == []


def test_a_finding_is_a_located_value():
    task = record_to_task(RECORD, "v1")
    task["predictions"][0]["result"][0]["value"]["end"] = 500
    found = list(check_tasks([task], "t.json"))
    first = found[0]
    assert isinstance(first, Finding)
    assert (first.severity, first.code, first.file, first.region_id) == ("error", "V201", "t.json", "a0-cue-0")
    assert first.path == "$[0].predictions[0].result[0].value.end"
    assert first.severity == CODES[first.code][0]


@pytest.mark.parametrize("region", [None, "r9"])
def test_a_region_that_is_not_an_object_is_one_finding(region):
    """Every branch of the region schema says it is not an object: said once (was four times, and counted four)."""
    task = record_to_task(RECORD, "v1")
    exported = {"id": 1, "data": task["data"],
                "annotations": [{"id": 2, "completed_by": 1, "result": [*task["predictions"][0]["result"], region]}]}
    found = list(check_export([exported], "e.json"))
    assert [(f.code, f.path) for f in found] == [("V102", f"$[0].annotations[0].result[{len(exported['annotations'][0]['result']) - 1}]")]


def test_validate_path_detects_the_kind(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps(RECORD) + "\n" + json.dumps(RECORD) + "\n", encoding="utf-8")
    found = list(validate_path(path))
    assert [(f.code, f.line) for f in found] == [("V701", 2)]


def test_unreadable_files_raise_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        validate_path(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("hello", encoding="utf-8")
    with pytest.raises(InputError, match="not JSON"):
        validate_path(tmp_path / "bad.json")


def test_an_unknown_first_document_needs_as(tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_text('{"name": "not a record"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="say which with --as"):
        validate_path(path)
    assert [(f.code, f.line) for f in validate_path(path, "records")] == [("V101", 1)] * 3 + [("V105", 1)]


def test_a_file_cut_short_is_checked_up_to_the_break(tmp_path):
    task = record_to_task(RECORD, "v1")
    body = json.dumps([task, task])
    path = tmp_path / "cut.json"
    path.write_text(body[: len(body) - 40], encoding="utf-8")
    assert [(f.code, f.path) for f in validate_path(path)] == [("V001", "$[1]")]
    path.write_text('[{"id": "ab', encoding="utf-8")  # cut inside a string: json's message ends in "starting at"
    with pytest.raises(InputError, match=r"\(Unterminated string starting at character 7 of element 0\)$"):
        list(validate_path(path))


def test_a_choice_without_offsets_is_reported_not_a_crash():
    task = record_to_task(RECORD, "v1")
    choice = next(item for item in task["predictions"][0]["result"] if item["type"] == "choices")
    del choice["value"]["start"]
    found = list(check_tasks([task]))
    assert [f.code for f in found] == ["V101"] and found[0].path.endswith(".value")


def test_a_cue_alone_is_reported_at_its_own_region_not_at_another_over_its_span():
    """CUE regions over the span of an attribution's cue, each in no attribution of its own: every V503 named the
    first attribution's region (result[0], a0-cue-0) instead of the one at fault, and each of the 8,000 regions
    cost a scan of all of them."""
    from pathlib import Path

    task = json.loads((Path(__file__).parent / "data" / "broken_exports" / "valid-accepted-prediction.json")
                      .read_text(encoding="utf-8"))[0]
    result = task["annotations"][0]["result"]
    cue = next(item for item in result if item["type"] == "labels" and item["value"]["labels"] == ["CUE"])
    alone = [dict(json.loads(json.dumps(cue)), id=f"h{j}") for j in range(8000)]
    result += alone
    found = [f for f in check_export([task]) if f.code == "V503"]
    assert [f.region_id for f in found] == [f"h{j}" for j in range(8000)]
    assert found[0].path == f"$[0].annotations[0].result[{len(result) - 8000}]"
