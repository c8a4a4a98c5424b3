"""Records <-> Label Studio results, tasks and exports, and the labeling config: plain data, no server."""

from __future__ import annotations

from dataclasses import astuple

import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attrib.errors import InputError, OffsetError
from attrib.jsonio import dumps_line
from attrib.formats.tasks import write_tasks
from attrib.lsjson.config import label_config
from attrib.lsjson.convert import (
    attributions_to_result,
    group_regions,
    record_to_task,
    result_to_attributions,
    task_records,
)
from attrib.lsjson.names import KIND_NAME, LABELS_NAME, SOURCE_TYPE_NAME, TEXT_NAME
from attrib.records import fragment, normalize_record
from fragments import frag_of
from runs import attrib

# An emoji, a decomposed accent (e + U+0301) and CRLF before the spans: offsets must stay code points.
TEXT = "Le maire 🙂 a dit\r\n: « Cafe\u0301 fermé », et il a ajouté que tout irait bien. Elle aussi, selon Paul."


def frag(sub: str, nth: int = 0) -> dict:
    return frag_of(TEXT, sub, nth)


def attr(kind="direct", source=(), cue=(), content=(), entity=None, confidence=0.8) -> dict:
    return {"kind": kind, "confidence": confidence, "source": list(source), "cue": list(cue),
            "content": list(content), "source_entity": entity}


def without_ids(attributions: list[dict]) -> list[dict]:
    return [{k: v for k, v in a.items() if k != "id"} for a in attributions]


def roundtrip(attributions: list[dict]) -> list[dict]:
    return result_to_attributions(TEXT, attributions_to_result(TEXT, attributions))


CASES = {
    "discontinuous content, two-fragment cue": [
        attr(source=[frag("Le maire")], cue=[frag("a dit"), frag(":")], content=[frag("« Cafe\u0301"), frag("fermé »")]),
    ],
    "shared source": [
        attr(source=[frag("Le maire")], cue=[frag("a dit")], content=[frag("« Cafe\u0301 fermé »")]),
        attr(kind="indirect", source=[frag("Le maire")], cue=[frag("a ajouté")], content=[frag("tout irait bien")]),
    ],
    "no source, no cue": [attr(kind="indirect", content=[frag("tout irait bien")], confidence=0.3)],
    "overlapping attributions": [
        attr(kind="indirect", source=[frag("Paul")], cue=[frag("selon")], content=[frag("Elle aussi")]),
        attr(kind="indirect", source=[frag("Paul")], cue=[frag("selon")], content=[frag("Elle aussi")]),
        attr(kind="mixed", cue=[frag("a dit")], content=[frag("« Cafe\u0301 fermé », et il")]),
    ],
    "pronoun source with its entity": [
        attr(kind="indirect", source=[frag("il")], cue=[frag("a ajouté")], content=[frag("tout irait bien")],
             entity=frag("Le maire")),
        attr(source=[frag("il")], cue=[frag("a dit")], content=[frag("« Cafe\u0301 fermé »")], entity=frag("Le maire")),
    ],
}


@pytest.mark.parametrize("name", CASES)
def test_attributions_survive_regions_and_relations(name):
    assert without_ids(roundtrip(CASES[name])) == CASES[name]


def test_a_shared_source_is_one_region_with_a_relation_per_attribution():
    result = attributions_to_result(TEXT, CASES["shared source"])
    sources = [r for r in result if r.get("type") == "labels" and r["value"]["labels"] == ["SOURCE"]]
    assert len(sources) == 1
    to_source = [r for r in result if r.get("type") == "relation" and r["to_id"] == sources[0]["id"]]
    assert [r["labels"] for r in to_source] == [["source"], ["source"]]


def test_pronoun_entity_is_a_referent_region_linked_from_the_source():
    result = attributions_to_result(TEXT, CASES["pronoun source with its entity"])
    referents = [r for r in result if r.get("type") == "labels" and r["value"]["labels"] == ["REFERENT"]]
    assert len(referents) == 1 and referents[0]["value"]["text"] == "Le maire"
    links = [r for r in result if r.get("type") == "relation" and r["labels"] == ["refers_to"]]
    assert len(links) == 1 and links[0]["to_id"] == referents[0]["id"]


def test_regions_carry_code_point_offsets_scores_and_the_kind():
    result = attributions_to_result(TEXT, CASES["discontinuous content, two-fragment cue"])
    regions = [r for r in result if r["type"] == "labels"]
    for region in regions:
        value = region["value"]
        assert TEXT[value["start"]:value["end"]] == value["text"]
        assert region["score"] == 0.8 and region["from_name"] == LABELS_NAME and region["to_name"] == TEXT_NAME
    assert regions[0]["value"]["labels"] == ["CUE"]  # the anchor
    kinds = [r for r in result if r["type"] == "choices"]
    assert [(k["id"], k["from_name"], k["value"]["choices"]) for k in kinds] == [(regions[0]["id"], KIND_NAME, ["direct"])]
    assert len({r["id"] for r in regions}) == len(regions)


def test_record_to_task_is_deterministic_and_keeps_id_and_meta():
    record = normalize_record({"id": 7, "text": TEXT, "source": "wire", "attributions": CASES["shared source"]}, "x")
    task = record_to_task(record, "attrib-0.1.0+en_core_web_sm-3.8.0")
    assert task == record_to_task(record, "attrib-0.1.0+en_core_web_sm-3.8.0")
    assert task["data"] == {"text": TEXT, "record_id": "7", "meta": {"source": "wire"}}
    (prediction,) = task["predictions"]
    assert prediction["model_version"] == "attrib-0.1.0+en_core_web_sm-3.8.0" and prediction["score"] == 0.8
    assert "score" not in record_to_task({**record, "attributions": []}, "v")["predictions"][0]


def test_an_attribution_without_cue_or_content_is_refused():
    with pytest.raises(InputError, match=r"record r: \$\.attributions\[0\]: an attribution needs a cue or a content"):
        record_to_task({"id": "r", "text": TEXT, "attributions": [attr(source=[frag("Paul")])]}, "v")


def region(rid: str, label: str, sub: str, **extra) -> dict:
    f = frag(sub)
    return {"id": rid, "from_name": LABELS_NAME, "to_name": TEXT_NAME, "type": "labels",
            "value": {"start": f["start"], "end": f["end"], "text": f["text"], "labels": [label]}, **extra}


def relation(a: str, b: str, direction: str = "right", labels=()) -> dict:
    return {"from_id": a, "to_id": b, "type": "relation", "direction": direction, "labels": list(labels)}


def test_hand_drawn_relations_in_any_direction_and_chains():
    result = [
        region("Xk_-1", "SOURCE", "Le maire"), region("c", "CUE", "a dit"),
        region("q1", "CONTENT", "« Cafe\u0301"), region("q2", "CONTENT", "fermé »"),
        relation("Xk_-1", "c"),  # drawn from the source
        relation("q1", "c", direction="left"),  # arrow reversed
        relation("q1", "q2"),  # a chain: cue -> q1 -> q2
        {"id": "c", "from_name": KIND_NAME, "to_name": TEXT_NAME, "type": "choices", "value": {"choices": ["mixed"]}},
        {"id": "Xk_-1", "from_name": SOURCE_TYPE_NAME, "to_name": TEXT_NAME, "type": "choices", "value": {"choices": ["named"]}},
    ]
    (got,) = result_to_attributions(TEXT, result)
    assert got == {"id": "a0", "kind": "mixed", "source": [frag("Le maire")], "cue": [frag("a dit")],
                   "content": [frag("« Cafe\u0301"), frag("fermé »")], "source_entity": None, "source_type": "named"}


@pytest.mark.parametrize("arrows", [
    [("c", "q1"), ("c", "q2"), ("c", "s")],  # from the cue, as drafts draw them
    [("q1", "c"), ("q2", "c"), ("s", "c")],  # to the cue: this gave two attributions sharing cue and source
    [("q2", "c"), ("c", "q1"), ("s", "q1")],  # mixed, the source linked to a content
])
def test_a_cue_joined_to_two_quotations_is_one_attribution_whichever_way_the_arrows_point(arrows):
    result = [region("s", "SOURCE", "Le maire"), region("c", "CUE", "a dit"),
              region("q1", "CONTENT", "« Café"), region("q2", "CONTENT", "fermé »"),
              *(relation(a, b) for a, b in arrows)]
    (got,) = result_to_attributions(TEXT, result)
    assert (got["source"], got["cue"], got["content"]) == ([frag("Le maire")], [frag("a dit")],
                                                           [frag("« Café"), frag("fermé »")])


def test_two_cues_joined_to_one_quotation_stay_two_attributions_either_way():
    """Two speakers of one quotation: it belongs to both (validate warns, V505), drawn from the cues or to them."""
    for arrows in ([("c1", "q"), ("c2", "q")], [("q", "c1"), ("q", "c2")]):
        result = [region("c1", "CUE", "a dit"), region("c2", "CUE", "a ajouté"), region("q", "CONTENT", "tout irait bien"),
                  *(relation(a, b) for a, b in arrows)]
        got = result_to_attributions(TEXT, result)
        assert [(a["cue"], a["content"]) for a in got] == [([frag("a dit")], [frag("tout irait bien")]),
                                                           ([frag("a ajouté")], [frag("tout irait bien")])]


def test_offsets_are_the_truth_and_bad_offsets_are_located():
    r = region("r1", "CONTENT", "Paul")
    r["value"]["text"] = "Paul  "  # Label Studio may collapse or differ: the offsets win
    assert result_to_attributions(TEXT, [r])[0]["content"] == [frag("Paul")]
    r["value"]["end"] = len(TEXT) + 3
    with pytest.raises(OffsetError, match=r"task 9 annotation 4\[0\] \(region r1\)"):
        result_to_attributions(TEXT, [r], "task 9 annotation 4")


def export_task() -> dict:
    record = {"id": "doc-1", "text": TEXT, "meta": {"source": "wire"}, "attributions": CASES["shared source"]}
    task = record_to_task(record, "v1")
    prediction = {**task["predictions"][0], "id": 31}
    accepted = {"id": 41, "completed_by": {"id": 1, "email": "a@example.org"}, "result": prediction["result"],
                "was_cancelled": False, "ground_truth": False, "lead_time": 12.5, "parent_prediction": 31,
                "updated_at": "2025-01-01T10:00:00Z"}
    changed = {"id": 42, "completed_by": 2, "result": attributions_to_result(TEXT, CASES["shared source"][:1]), "was_cancelled": False,
               "ground_truth": True, "lead_time": 30.0, "parent_prediction": 31, "updated_at": "2025-01-02T10:00:00Z"}
    cancelled = {"id": 43, "completed_by": 3, "result": [], "was_cancelled": True, "updated_at": "2025-01-03T10:00:00Z"}
    return {"id": 9, "data": task["data"], "predictions": [prediction], "annotations": [accepted, changed, cancelled]}


def test_a_hand_imported_tasks_other_data_fields_are_kept_in_meta():
    """A task imported with {text, url, published}: its records lost url and published without a word."""
    task = export_task()
    task["data"] = {"text": TEXT, "url": "https://example.org/a", "published": "2024-05-01", "meta": {"desk": "econ"}}
    (record, _) = task_records(task, "each")
    assert record["id"] == "9" and record["meta"] == {"desk": "econ", "url": "https://example.org/a", "published": "2024-05-01"}
    task["data"]["meta"]["url"] = "https://example.org/b"
    with pytest.raises(InputError, match=r"task 9: \$\.data\.url and \$\.data\.meta\.url hold different values"):
        task_records(task, "each")
    # agreement, review and the backend's log write no records: they read the task as before
    assert task_records(task, "each", fields=False)[0]["meta"] == {"desk": "econ", "url": "https://example.org/b"}
    # a records file imported as tasks: its own keys are no document fields
    task["data"] = {"text": TEXT, "id": "r1", "attributions": [], "generator": {"attrib": "0.0"}, "outlet": "AP"}
    assert task_records(task, "each")[0]["meta"] == {"outlet": "AP"}


def test_a_data_meta_that_is_no_object_is_kept_not_dropped():
    """Label Studio's CSV import gives a `meta` column as a string: the records' meta was {} without a word."""
    task = export_task()
    task["data"] = {"text": TEXT, "meta": '{"desk": "econ", "page": 3}'}
    assert task_records(task, "each")[0]["meta"] == {"desk": "econ", "page": 3}
    # NaN, or a key twice: strings, as no output holds the one and readers differ on the other
    for value in ("front page", 3, ["a", "b"], "[1, 2]", '{"score": NaN}', '{"a": 1, "a": 2}'):
        task["data"] = {"text": TEXT, "meta": value, "url": "u"}
        assert task_records(task, "each")[0]["meta"] == {"meta": value, "url": "u"}
        assert task_records(task, "each", fields=False)[0]["meta"] == {"meta": value}
    task["data"] = {"text": TEXT, "meta": None}
    assert task_records(task, "each")[0]["meta"] == {}


@pytest.mark.parametrize("value, meta", [('{"desk": "econ"}', {"desk": "econ"}), ("front page", {"meta": "front page"}),
                                         (5, {"meta": 5})])
def test_a_csv_imported_meta_passes_the_validation_gate_in_every_command(tmp_path, value, meta):
    """The gate (the export schema) refused a `data.meta` that is no object with E150 V102 before the conversion above
    could read it: a project imported from CSV gave no records, no dataset, no agreement and no learning."""
    from pathlib import Path

    tasks = json.loads((Path(__file__).parent / "data" / "broken_exports" / "valid-accepted-prediction.json")
                       .read_text(encoding="utf-8"))
    tasks[0]["data"]["meta"] = value
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks), encoding="utf-8")
    ran = attrib("labelstudio", "records", export, "-o", tmp_path / "out.jsonl")
    assert ran.code == 0, ran.err
    (record,) = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {k: v for k, v in record["meta"].items() if k in ("desk", "meta")} == meta
    assert attrib("validate", export).code == 0
    assert attrib("export", export, "-f", "parquet", "-o", tmp_path / "out.parquet").code == 0


@pytest.mark.parametrize("line_end", ["\r\n", "\n"])
def test_a_region_drawn_across_lines_as_label_studio_writes_it_is_read_by_its_offsets(tmp_path, line_end):
    """Label Studio 1.23 writes a selection across lines with each line break as a backslash and an n, and once left
    its closing quotation mark out (a real server and browser, CRLF and LF): V203, an error, and the whole project gave
    no record. A quotation over paragraphs is one fragment by the guidelines. Offsets shifted by one stay an error."""
    text = f'"We will win," she said.{line_end}{line_end}"And the voters are with us," she added.'
    start, end = text.index('"We'), text.index("us,") + 4
    attribution = {"source": [fragment(text, text.index("she"), text.index("she") + 3)],
                   "cue": [fragment(text, text.index("said"), text.index("said") + 4)],
                   "content": [fragment(text, start, end)], "kind": "direct"}
    task = record_to_task({"id": "q", "text": text, "meta": {}, "attributions": [attribution]}, "v1")
    result = json.loads(json.dumps(task["predictions"][0]["result"]))
    regions = [r for r in result if r.get("value", {}).get("start") == start]
    written = text[start:end - 1].replace("\r", "\\n").replace("\n", "\\n")  # \r\n as two, the quote left out
    for region in regions:
        region["value"]["text"] = written
    annotation = {"id": 1, "completed_by": 1, "result": result, "was_cancelled": False,
                  "updated_at": "2025-01-01T10:00:00Z"}
    export = tmp_path / "export.json"
    export.write_text(json.dumps([{"id": 5, "data": task["data"], "annotations": [annotation]}]), encoding="utf-8")
    ran = attrib("labelstudio", "records", export, "-o", tmp_path / "out.jsonl")
    assert ran.code == 0, ran.err
    (record,) = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    content = record["attributions"][0]["content"]
    assert [(f["start"], f["end"], f["text"]) for f in content] == [(start, end, text[start:end])]
    assert "warning V204" in attrib("validate", export).out
    for region in regions:  # the offsets one character further: both ends differ from what was written
        region["value"].update(start=start + 1, end=end + 1)
    export.write_text(json.dumps([{"id": 5, "data": task["data"], "annotations": [annotation]}]), encoding="utf-8")
    ran = attrib("labelstudio", "records", export, "-o", tmp_path / "out.jsonl")
    assert ran.code == 1 and " V203 " in ran.err


def test_records_and_export_say_how_many_tasks_gave_no_record(tmp_path):
    """A skipped task, or one nobody annotated, gives no record: only validate said so (V601); records and export
    counted what they wrote."""
    task = export_task()
    unannotated = {**task, "id": 10, "annotations": [task["annotations"][2]]}  # a cancelled (skipped) one only
    export = tmp_path / "export.json"
    export.write_text(json.dumps([task, unannotated, {**unannotated, "id": 11}]), encoding="utf-8")
    ran = attrib("labelstudio", "records", export, "-o", tmp_path / "out.jsonl", "--choose", "latest")
    assert ran.code == 0 and ran.err == (f"attrib: note: 2 tasks of the 3 in {export} gave no record under --choose "
                                         "latest (first: task 10): no annotation, or cancelled (skipped) ones only\n"
                                         f"1 record written to {tmp_path / 'out.jsonl'}\n")
    ran = attrib("export", export, "-f", "jsonl", "-o", tmp_path / "out2.jsonl", "--choose", "ground_truth")
    assert ran.code == 0 and ran.err.startswith(f"attrib: note: 2 tasks of the 3 in {export} gave no record under "
                                                "--choose ground_truth (first: task 10): no annotation marked ground "
                                                "truth")


def test_task_records_each_annotation_with_provenance():
    first, second = task_records(export_task(), "each")
    assert first["id"] == "doc-1" and first["meta"] == {"source": "wire"} and first["text"] == TEXT
    assert first["provenance"] == {"task_id": 9, "annotation_id": 41, "prediction_id": 31, "annotator": "a@example.org",
                                   "lead_time": 12.5, "accepted_unchanged": True, "origin": "annotation"}
    assert without_ids(first["attributions"]) == [{k: v for k, v in a.items() if k != "confidence"} for a in CASES["shared source"]]
    assert second["provenance"]["accepted_unchanged"] is False and second["provenance"]["annotator"] == 2
    assert len(second["attributions"]) == 1


def test_a_kind_the_annotator_picks_on_the_content_is_the_attributions_kind():
    """The draft puts its kind on the CUE; an annotator who picks one on the quotation meant that one. It was thrown
    away (the anchor's kept), and the record said the draft was accepted unchanged."""
    task = export_task()
    result = json.loads(json.dumps(task["predictions"][0]["result"]))
    content = next(r for r in result if r["type"] == "labels" and r["value"]["labels"] == ["CONTENT"])
    result.append({"id": content["id"], "from_name": KIND_NAME, "to_name": TEXT_NAME, "type": "choices",
                   "value": {"start": content["value"]["start"], "end": content["value"]["end"], "choices": ["mixed"]}})
    task["annotations"] = [{**task["annotations"][0], "result": result}]
    (record,) = task_records(task, "each")
    kinds = {a["content"][0]["text"]: a["kind"] for a in record["attributions"]}
    assert kinds[content["value"]["text"]] == "mixed"
    assert record["provenance"]["accepted_unchanged"] is False


@pytest.mark.parametrize(("choose", "ids"), [("ground_truth", [42]), ("latest", [42]), ("prediction", [None])])
def test_task_records_choose(choose, ids):
    records = task_records(export_task(), choose)
    assert [r["provenance"]["annotation_id"] for r in records] == ids
    if choose == "prediction":
        assert records[0]["provenance"]["prediction_id"] == 31 and records[0]["provenance"]["origin"] == "prediction"
        assert without_ids(records[0]["attributions"]) == CASES["shared source"]


def test_task_records_refuses_id_only_predictions_and_unknown_choices():
    task = {**export_task(), "predictions": [31]}
    with pytest.raises(InputError, match="task 9: the export has prediction ids, not objects"):
        task_records(task, "prediction")
    assert task_records(task, "each")[0]["provenance"]["accepted_unchanged"] is None
    with pytest.raises(InputError, match="choose must be one of"):
        task_records(task, "best")


def test_label_config_names_and_escaped_guidelines():
    xml = label_config('Mark "who" *says* what & where')
    root = ET.fromstring(xml)
    labels = root.find("Labels")
    assert labels.get("name") == LABELS_NAME and labels.get("toName") == TEXT_NAME
    assert [x.get("value") for x in labels] == ["SOURCE", "CUE", "CONTENT", "REFERENT"]
    assert [x.get("value") for x in root.find("Relations")] == ["source", "cue", "content", "refers_to"]
    choices = {c.get("name"): [x.get("value") for x in c] for c in root.iter("Choices")}
    assert choices == {KIND_NAME: ["direct", "indirect", "mixed"], SOURCE_TYPE_NAME: ["named", "unnamed", "anonymous"]}
    assert root.find("Text[@name='text']").get("value") == "$text"
    assert root.find(".//Panel/HyperText").get("value") == "<p>Mark &quot;who&quot; <em>says</em> what &amp; where</p>\n"
    assert ET.fromstring(label_config("")).find(".//Panel") is None


# Property: any set of attributions over a text comes back from regions and relations unchanged.
SPANS = st.tuples(st.integers(0, len(TEXT) - 1), st.integers(1, 12)).map(
    lambda p: fragment(TEXT, p[0], min(len(TEXT), p[0] + p[1])))


def unique_spans(min_size: int, max_size: int):
    return st.lists(SPANS, min_size=min_size, max_size=max_size, unique_by=lambda f: (f["start"], f["end"])).map(
        lambda fs: sorted(fs, key=lambda f: (f["start"], f["end"])))


ATTRIBUTIONS = st.builds(
    attr,
    kind=st.sampled_from(["direct", "indirect", "mixed"]),
    source=unique_spans(0, 2), cue=unique_spans(0, 2), content=unique_spans(1, 3),
    entity=st.none() | SPANS, confidence=st.floats(0, 1),
).map(lambda a: {**a, "source_entity": a["source_entity"] if a["source"] else None})
ATTRIBUTIONS = st.tuples(ATTRIBUTIONS, st.sampled_from([None, "named", "unnamed", "anonymous"])).map(
    lambda pair: {**pair[0], "source_type": pair[1]} if pair[1] and pair[0]["source"] else pair[0])


@settings(max_examples=200, deadline=None)
@given(st.lists(ATTRIBUTIONS, max_size=4))
def test_any_attributions_roundtrip(attributions):
    assert without_ids(roundtrip(attributions)) == attributions


def test_tasks_command_writes_checked_tasks(tmp_path):
    record = normalize_record({"id": "d1", "text": TEXT, "attributions": CASES["shared source"],
                               "generator": {"attrib": "0.1.0", "model": "en_core_web_sm-3.8.0"}}, "x")
    (tmp_path / "in.jsonl").write_text(dumps_line(record), encoding="utf-8")
    code, _, err = astuple(attrib("labelstudio", "tasks", tmp_path / "in.jsonl", "-o", tmp_path / "t.json"))
    assert code == 0 and err == f"1 task written to {tmp_path / 't.json'}\n"
    tasks = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert tasks == [record_to_task(record, "attrib-0.1.0+en_core_web_sm-3.8.0")]

    record["attributions"][0]["kind"] = "rumour"
    (tmp_path / "bad.jsonl").write_text(dumps_line(record), encoding="utf-8")
    code, _, err = astuple(attrib("labelstudio", "tasks", tmp_path / "bad.jsonl", "-o", tmp_path / "bad.json"))
    assert code == 1 and err.startswith("attrib: E150 ") and not (tmp_path / "bad.json").exists()
    assert "bad.jsonl:1 $.attributions[0].kind: V103 " in err  # the record is refused where it is, before any task

    twice = tmp_path / "twice.jsonl"  # one id is one task: a second document under it would be pushed over the first
    twice.write_text(dumps_line({**record, "attributions": []}) * 2, encoding="utf-8")
    code, _, err = astuple(attrib("labelstudio", "tasks", twice, "-o", tmp_path / "twice.json"))
    assert (code, err) == (2, f"attrib: E100 {twice}:2: the id 'd1' again, first at {twice}:1 (ids must be unique)\n")
    code, _, err = astuple(attrib("labelstudio", "tasks", tmp_path / "in.jsonl", tmp_path / "in.jsonl", "-o", tmp_path / "t2.json"))
    assert (code, err) == (2, f"attrib: E100 {tmp_path / 'in.jsonl'}:1: the id 'd1' again, first at {tmp_path / 'in.jsonl'}:1 "
                              "(the file is given twice)\n")
    assert not (tmp_path / "twice.json").exists()


def test_a_text_holding_nul_is_said_when_its_tasks_are_written(tmp_path):
    """Label Studio 1.23 shows every highlight after a U+0000 one character off, with the right offsets stored:
    annotators would drag drafts that are right. The tasks are written as they are, and the command says so."""
    text = "Bad\0byte, she said."
    records = [{"id": f"d{i}", "text": t, "attributions": []} for i, t in enumerate([TEXT, text, text])]
    (tmp_path / "in.jsonl").write_text("".join(map(dumps_line, records)), encoding="utf-8")
    done = attrib("labelstudio", "tasks", tmp_path / "in.jsonl", "-o", tmp_path / "t.json")
    assert done.code == 0 and done.err.splitlines()[1] == (
        "attrib: 2 documents hold U+0000 (first: 'd1'): Label Studio shows every highlight after it one character "
        "off, though the offsets it stores are right; remove the character from the text to annotate it as shown")
    assert [t["data"][TEXT_NAME] for t in json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))] == \
        [TEXT, text, text]


def test_the_tasks_file_is_the_json_array_json_dump_writes(tmp_path):
    """Tasks are encoded one at a time, the file byte for byte what json.dump writes for the whole list."""
    records = [normalize_record({"id": f"d{i}", "text": TEXT, "attributions": CASES["shared source"]}, "x")
               for i in range(3)]
    for some in (records, []):
        assert write_tasks(some, tmp_path / "t.json", "v1") == len(some)
        expected = json.dumps([record_to_task(r, "v1") for r in some], ensure_ascii=False) + "\n"
        assert (tmp_path / "t.json").read_text(encoding="utf-8") == expected


def test_group_regions_gives_region_ids_anchor_first_and_referents():
    result = attributions_to_result(TEXT, CASES["pronoun source with its entity"])
    labels = {item["id"]: item["value"]["labels"][0] for item in result if item["type"] == "labels"}
    relations = [item for item in result if item["type"] == "relation"]
    groups, referent_of = group_regions(labels, relations)
    assert groups == [["a0-cue-0", "a0-content-0", "a0-source-0"], ["a1-cue-0", "a1-content-0", "a0-source-0"]]
    assert referent_of == {"a0-source-0": "a0-referent"}
    # a relation drawn backwards (from the content to its cue) and a cycle: still one group each, no region lost
    flipped = [{**rel, "direction": "left", "from_id": rel["to_id"], "to_id": rel["from_id"]} for rel in relations]
    assert group_regions(labels, flipped) == (groups, referent_of)
    cycle = [{"from_id": "a0-cue-0", "to_id": "a0-content-0"}, {"from_id": "a0-content-0", "to_id": "a0-cue-0"}]
    assert group_regions({"a0-cue-0": "CUE", "a0-content-0": "CONTENT"}, cycle) == ([["a0-cue-0", "a0-content-0"]], {})


@pytest.mark.parametrize("field, value", [("updated_at", 5), ("updated_at", ["x"]), ("created_at", True), ("id", "x")])
@pytest.mark.parametrize("choose", ["latest", "each_latest"])
def test_annotations_whose_order_cannot_be_told_are_reported_not_compared(tmp_path, field, value, choose):
    """An `updated_at` of 5 beside a date string (or an id "x" beside 12) ended `--choose latest` in a TypeError
    traceback: the latest was picked before the task was validated. Now the field is reported, E150 at its path."""
    from pathlib import Path

    tasks = json.loads((Path(__file__).parent / "data" / "broken_exports" / "valid-accepted-prediction.json")
                       .read_text(encoding="utf-8"))
    second = json.loads(json.dumps(tasks[0]["annotations"][0]))
    second.update({"id": 99, field: value})
    tasks[0]["annotations"].append(second)
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks), encoding="utf-8")
    ran = attrib("labelstudio", "records", export, "--choose", choose, "-o", tmp_path / "out.jsonl")
    assert ran.code == 1 and ran.err.count("\n") == 1, ran.err
    assert ran.err.startswith(f"attrib: E150 {export} $[0].annotations[1].{field} ")
    assert not (tmp_path / "out.jsonl").exists()


def test_of_two_copies_of_a_document_the_annotated_or_the_oldest_stays():
    """projects._duplicates, on plain task listings (no server): unannotated second copies go, annotated ones stay."""
    from attrib.labelstudio.projects import _duplicates

    def task(task_id: int, key: str, annotations: int = 0) -> dict:
        return {"id": task_id, "data": {"record_id": key}, "total_annotations": annotations}

    foreign = [{"id": 10 + n, "data": {"text": "imported by hand"}, "total_annotations": 0} for n in range(2)]
    kept, extra = _duplicates([task(7, "a"), task(3, "a"), task(5, "b"), task(9, "b", 1), task(4, "c", 1),
                               task(8, "c", 2), task(6, "d"), *foreign], lambda task_id: False)  # no server: no drafts
    assert {key: t["id"] for key, t in kept.items()} == {"a": 3, "b": 9, "c": 4, "d": 6}
    assert sorted(extra) == [5, 7]  # both annotated copies of "c" stay, and tasks without a record id


def test_one_server_is_one_lock_however_its_url_is_spelled():
    """`--studio DIR` (127.0.0.1) and `--url http://localhost:PORT` pushed at once into one title: two projects."""
    from attrib.labelstudio.projects import server_key

    spellings = ["http://127.0.0.1:8080", "http://localhost:8080/", "HTTP://LOCALHOST:8080", "http://user:x@localhost:8080"]
    assert len({server_key(url) for url in spellings}) == 1
    assert server_key("http://127.0.0.1:8080") != server_key("http://127.0.0.1:8081")
    assert server_key("https://127.0.0.1") == "https://127.0.0.1:443"
