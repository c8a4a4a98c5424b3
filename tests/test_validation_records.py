"""check_records and check_tasks, and validate_path on JSON Lines; the seed and PolNeAR data as real inputs."""

from __future__ import annotations

import copy
import json
import re

import pytest

from attrib.lsjson.convert import record_to_task
from attrib.records import iter_records
from attrib.validation import check_records, check_tasks, detect, validate_path
from fragments import frag_of

# an emoji, CRLF and a decomposed accent before the spans: offsets are code points
TEXT = "Hier 🙂\r\nla ministre a déclaré : « Tout va bien. » Le cafe\u0301 ferme, selon Paul."


def frag(sub: str) -> dict:
    return frag_of(TEXT, sub)


def record(**changes) -> dict:
    base = {"id": "doc-1", "text": TEXT, "meta": {}, "attributions": [
        {"id": "a0", "kind": "direct", "source": [frag("la ministre")], "cue": [frag("a déclaré")],
         "content": [frag("« Tout va bien. »")], "source_entity": None},
        {"id": "a1", "kind": "indirect", "source": [frag("Paul")], "cue": [frag("selon")],
         "content": [frag("Le cafe\u0301 ferme")], "source_entity": None},
    ]}
    base.update(changes)
    return base


def codes(findings) -> list[tuple[str, str]]:
    return [(f.code, f.path) for f in findings]


def test_a_clean_record_with_emoji_crlf_and_combining_marks():
    assert list(check_records([record()])) == []


def test_fragment_problems_are_located():
    r = record()
    r["attributions"][0]["cue"][0]["end"] = 500
    r["attributions"][1]["content"][0]["end"] = r["attributions"][1]["content"][0]["start"]
    r["attributions"][1]["source"][0]["text"] = "Pierre"
    assert codes(check_records([r])) == [
        ("V201", "$[0].attributions[0].cue[0].end"),
        ("V203", "$[0].attributions[1].source[0].text"),
        ("V202", "$[0].attributions[1].content[0].start"),
    ]


def test_whitespace_differences_are_errors_in_records():
    r = record()
    r["attributions"][0]["content"][0]["text"] = "«  Tout va bien. »"
    assert codes(check_records([r])) == [("V203", "$[0].attributions[0].content[0].text")]


def test_attribution_level_problems():
    r = record()
    r["attributions"][1]["cue"] = []
    r["attributions"].append(copy.deepcopy(r["attributions"][0]))
    assert codes(check_records([r])) == [
        ("V501", "$[0].attributions[1].cue"),
        ("V703", "$[0].attributions[2].id"),
        ("V505", "$[0].attributions[2].cue[0]"),
        ("V505", "$[0].attributions[2].content[0]"),
    ]


def test_a_fragment_listed_twice_in_one_attribution_is_said_to_be():
    """It was "claimed by two attributions", as if another attribution had it too."""
    r = record()
    r["attributions"][0]["content"].append(dict(r["attributions"][0]["content"][0]))
    (found,) = check_records([r])
    assert (found.code, found.message.endswith(") is listed twice in this attribution")) == ("V505", True)
    r["attributions"].append({**copy.deepcopy(r["attributions"][0]), "id": "other"})  # lists it twice too
    said = [(f.path, f.message.split(") ")[-1]) for f in check_records([r]) if f.code == "V505"]
    assert said == [("$[0].attributions[0].content[1]", "is listed twice in this attribution"),
                    ("$[0].attributions[2].cue[0]", "is claimed by two attributions"),
                    ("$[0].attributions[2].content[0]", "is claimed by two attributions"),
                    ("$[0].attributions[2].content[1]", "is listed twice in this attribution")]


def test_overlapping_fragments_of_one_role_in_one_attribution_are_warned_of():
    """A content drawn as [Le café, …ferme) twice over, overlapping: validate said clean, and eval scored two spans
    where alpha saw one. Fragments that only touch, or of another role or attribution, are fine."""
    r = record()
    whole = r["attributions"][1]["content"][0]
    r["attributions"][1]["content"] = [{**whole, "end": whole["end"] - 2, "text": TEXT[whole["start"]:whole["end"] - 2]},
                                       {**whole, "start": whole["start"] + 3, "text": TEXT[whole["start"] + 3:whole["end"]]}]
    (found,) = check_records([r])
    assert (found.code, found.path, found.severity) == ("V507", "$[0].attributions[1].content[1]", "warning")
    assert found.message == (f"content fragments [{whole['start']}, {whole['end'] - 2}) and [{whole['start'] + 3}, "
                             f"{whole['end']}) of one attribution overlap: eval scores each on its own; make them one "
                             "fragment")
    r["attributions"][1]["content"][1] = {**whole, "start": whole["end"] - 2, "text": TEXT[whole["end"] - 2:whole["end"]]}
    assert list(check_records([r])) == []  # touching, not overlapping
    task = record_to_task(record(), "v1")
    result = task["predictions"][0]["result"]
    content = next(item for item in result if item.get("value", {}).get("labels") == ["CONTENT"]
                   and "ferme" in item["value"]["text"])
    start, end = content["value"]["start"], content["value"]["end"]
    twin = copy.deepcopy(content)
    twin["id"], twin["value"]["start"], twin["value"]["text"] = "twin", start + 3, TEXT[start + 3:end]
    content["value"]["end"], content["value"]["text"] = end - 2, TEXT[start:end - 2]
    result.append(twin)
    result += [{**copy.deepcopy(rel), "to_id": "twin"} for rel in result
               if rel.get("type") == "relation" and rel["to_id"] == content["id"]]
    assert [f.code for f in check_tasks([task])] == ["V507"]


def test_schema_problems_name_the_record():
    r = record(extra_key=1)
    del r["attributions"][0]["kind"]
    found = list(check_records([r]))
    assert codes(found) == [("V105", "$[0]"), ("V101", "$[0].attributions[0]")]
    assert {f.record_id for f in found} == {"doc-1"}


def test_the_same_document_twice_unless_from_two_annotations():
    annotated = [record(provenance={"task_id": 3, "annotation_id": n, "origin": "annotation"}) for n in (1, 2)]
    assert list(check_records(annotated)) == []
    assert codes(check_records([record(), record()])) == [("V701", "$[1].id")]
    by_annotator = [record(provenance={"annotator": who}) for who in ("a", "b")]  # import brat, PolNeAR's layout
    assert list(check_records(by_annotator)) == []  # it was V701, an error
    assert codes(check_records(by_annotator + by_annotator[:1])) == [("V701", "$[2].id")]


def test_jsonl_files_report_lines(tmp_path):
    path = tmp_path / "records.jsonl"
    bad = record()
    bad["attributions"][0]["cue"][0]["end"] = 500
    path.write_text("\n".join([json.dumps(record()), "{not json", json.dumps(bad, ensure_ascii=False)]) + "\n",
                    encoding="utf-8")
    assert detect(path) == "records"
    found = list(validate_path(path))
    assert [(f.code, f.line, f.path) for f in found] == [
        ("V002", 2, "$"), ("V701", 3, "$.id"), ("V201", 3, "$.attributions[0].cue[0].end")]
    assert "line 1" in found[1].message


def test_tasks_made_by_the_converter_are_clean_and_detected(tmp_path):
    tasks = [record_to_task(record(), "v1"), record_to_task(record(id="doc-2"), "v1")]
    assert list(check_tasks(tasks)) == []
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
    assert detect(path) == "tasks"
    assert list(validate_path(path)) == []


def test_two_attributions_sharing_a_cue_with_kinds_of_their_own_are_not_mixed_kinds():
    """Each attribution's regions are its own (a0-cue-0, a1-cue-0 over one span): V311 read the kinds of every
    region over the span and warned of mixed kinds, twice, on the converter's own tasks."""
    text = "She said: \u201cWe won.\u201d and then: they lost."
    shared = {"source": [frag_of(text, "She")], "cue": [frag_of(text, "said:")], "source_entity": None}
    attributions = [{"id": "a0", "kind": "direct", **shared, "content": [frag_of(text, "\u201cWe won.\u201d")]},
                    {"id": "a1", "kind": "indirect", **shared, "content": [frag_of(text, "they lost.")]}]
    task = record_to_task({"id": "d", "text": text, "meta": {}, "attributions": attributions}, "v1")
    assert codes(check_tasks([task])) == [("V505", "$[0].predictions[0].result[0]")]  # the shared cue, warned of once
    mixed = copy.deepcopy(task)  # a0's CONTENT given a kind of its own, unlike its CUE's: mixed kinds
    result = mixed["predictions"][0]["result"]
    content = next(r for r in result if r["id"] == "a0-content-0")
    cue_kind = next(r for r in result if r["id"] == "a0-cue-0" and r["type"] == "choices")
    result.append({**copy.deepcopy(cue_kind), "id": "a0-content-0", "value": {**content["value"], "choices": ["mixed"]}})
    assert ("V311", "$[0].predictions[0].result[0]") in codes(check_tasks([mixed]))


def test_tasks_imported_twice_and_bad_predictions():
    task = record_to_task(record(), "v1")
    task["predictions"][0]["result"][0]["value"]["labels"] = ["QUOTE"]
    found = list(check_tasks([task, record_to_task(record(), "v1")], "tasks.json"))
    assert codes(found) == [("V301", "$[0].predictions[0].result[0].value.labels[0]"),
                            ("V701", "$[1].data.record_id")]
    assert found[1].record_id == "doc-1" and found[1].file == "tasks.json"


def test_seed_gold_is_clean_as_records_and_as_tasks(seed_gold):
    records = list(iter_records([seed_gold]))
    assert list(check_records(records)) == []
    assert list(check_tasks(record_to_task(r, "gold") for r in records)) == []


@pytest.mark.polnear
def test_polnear_dev_is_clean_as_records_and_as_tasks(polnear_dev):
    records = list(iter_records([polnear_dev]))
    assert list(check_records(records)) == []
    assert list(check_tasks(record_to_task(r, "gold") for r in records)) == []


def test_float_offsets_are_reported_though_json_schema_calls_them_integers():
    r = record()
    r["attributions"][0]["cue"][0]["start"] = float(r["attributions"][0]["cue"][0]["start"])
    task = record_to_task(record(), "v1")
    task["predictions"][0]["result"][0]["value"]["end"] = float(task["predictions"][0]["result"][0]["value"]["end"])
    assert codes(check_records([r])) == [("V102", "$[0].attributions[0].cue[0].start")]
    assert codes(check_tasks([task])) == [("V102", "$[0].predictions[0].result[0].value.end")]


def test_a_span_of_whitespace_only_is_an_error_in_records_and_in_exports():
    """A line break selected alone passed validate; brat export then had nothing to write of it, and the import of
    what it wrote lacked the cue (V501)."""
    text = 'He said\r\n"ok"\n'
    frag = {"start": 7, "end": 9, "text": "\r\n"}
    record = {"id": "lb", "text": text, "attributions": [{"kind": "direct", "source": [], "cue": [frag],
                                                          "content": [{"start": 9, "end": 13, "text": '"ok"'}]}]}
    found = [(f.code, f.path) for f in check_records([record], "r.jsonl")]
    assert found == [("V205", "$[0].attributions[0].cue[0].start")]
    task = record_to_task({**record, "attributions": [{**record["attributions"][0], "cue": [{"start": 9, "end": 13,
                                                                                           "text": '"ok"'}]}]}, "v1")
    region = next(r for r in task["predictions"][0]["result"] if r["type"] == "labels" and r["value"]["labels"] == ["CONTENT"])
    region["value"].update(start=7, end=9, text="\r\n")
    assert "V205" in [f.code for f in check_tasks([task], "t.json")]


def test_a_source_referring_to_two_referents_is_warned_of():
    """The converter keeps the first; the second was dropped without a word."""
    text = "Le maire et Paul: il a dit que tout irait bien."
    record = {"id": "r", "text": text, "attributions": [{
        "kind": "indirect", "source": [frag_of(text, "il")], "cue": [frag_of(text, "a dit")],
        "content": [frag_of(text, "que tout irait bien")], "source_entity": frag_of(text, "Le maire")}]}
    task = record_to_task(record, "v1")
    result = task["predictions"][0]["result"]
    source = next(r for r in result if r["type"] == "labels" and r["value"]["labels"] == ["SOURCE"])
    paul = frag_of(text, "Paul")
    result.append({"id": "ref2", "from_name": "role", "to_name": "text", "type": "labels",
                   "value": {**paul, "labels": ["REFERENT"]}})
    result.append({"from_id": source["id"], "to_id": "ref2", "type": "relation", "direction": "right",
                   "labels": ["refers_to"]})
    found = [(f.code, f.severity) for f in check_tasks([task], "t.json")]
    assert found == [("V506", "warning")]


@pytest.mark.parametrize("text, said, hint", [
    ("Cafe\u0301 owners said so.", "Caf\u00e9", "(the same letters in another Unicode normalization: offsets count "
     "code points, so the fragment's text must be normalized as the document's: 'Caf\\xe9' vs 'Cafe\\u0301')"),
    ("Ca\u200bfe owners said so.", "Caf\u200be", "(they differ in characters that do not print: 'Caf\\u200be' vs "
     "'Ca\\u200bfe')"),
])
def test_a_fragment_text_that_prints_like_the_documents_says_what_differs(tmp_path, text, said, hint):
    """'Café' differs from 'Café' at [0, 5): the message showed two strings that look the same."""
    bad = {"id": "n", "text": text, "attributions": [
        {"kind": "indirect", "source": [{"start": 0, "end": 5, "text": said}], "cue": [frag_of(text, "said")],
         "content": [frag_of(text, "so")]}]}
    path = tmp_path / "n.jsonl"
    path.write_text(json.dumps(bad) + "\n", encoding="utf-8")
    (finding,) = [f for f in validate_path(path) if f.code == "V203"]
    assert finding.message.endswith(hint)
    with pytest.raises(Exception, match=re.escape(hint) + "$"):
        list(iter_records([path]))


def test_a_long_fragment_text_says_where_it_parts_from_the_documents(tmp_path):
    """Both texts are shown cut at 60 characters: two that part after that showed alike (a real export's V203)."""
    text = "A" * 70 + "b owners said so."
    bad = {"id": "n", "text": text, "attributions": [
        {"kind": "indirect", "source": [{"start": 0, "end": 71, "text": "A" * 70 + "c"}],
         "cue": [frag_of(text, "said")], "content": [frag_of(text, "so")]}]}
    path = tmp_path / "n.jsonl"
    path.write_text(json.dumps(bad) + "\n", encoding="utf-8")
    (finding,) = [f for f in validate_path(path) if f.code == "V203"]
    assert finding.message.endswith("(they part at character 70: 'AAAAAAAAAAc' vs 'AAAAAAAAAAb')")


def _gold(text: str, **roles) -> dict:
    """A record in the gold format of ../shared/data: each role a [start, end] pair spanning its `parts`."""
    pairs = {role: [[text.index(part), text.index(part) + len(part)] for part in roles.get(role, [])]
             for role in ("content", "source", "cue")}
    attribution = {role: [p[0][0], p[-1][1]] if p else None for role, p in pairs.items()}
    return {"id": "g", "text": text, "attributions": [{**attribution, "kind": "indirect", "parts": pairs}]}


def test_the_gold_format_every_command_reads_is_validated_as_the_record_it_reads_as():
    """`eval`, `train` and `export` read gold files; `validate` called each pair a V102 (an int where a fragment object
    goes), so a gold file could not be checked at all."""
    text = "Officials said the plan failed. Nobody  agreed."
    clean = _gold(text, content=["the plan failed"], source=["Officials"], cue=["said"])
    assert codes(check_records([clean])) == []
    spaced = copy.deepcopy(clean)
    spaced["attributions"][0]["cue"] = spaced["attributions"][0]["parts"]["cue"][0] = [39, 40]  # "  " -> " "
    assert codes(check_records([spaced])) == [("V205", "$[0].attributions[0].parts.cue[0]")]
    apart = copy.deepcopy(clean)
    apart["attributions"][0]["parts"]["source"] = [[0, 4]]  # the pair says [0, 9]
    floats = copy.deepcopy(clean)
    floats["attributions"][0].pop("parts")
    floats["attributions"][0]["content"] = [15.0, 30.0]  # a pandas round trip
    found = [(f.code, f.path, f.message) for f in check_records([apart, floats])]
    assert found == [("V206", "$[0].attributions[0].source", "[0, 9] is not the span of its parts ([0, 4]): one of "
                                                             "the two is wrong"),
                     ("V206", "$[1].attributions[0].content", "start and end must be integers")]


def test_gold_documents_are_checked_as_read_whatever_their_id_and_with_no_attributions():
    """A gold file's document without attributions carries its other keys as gold documents do (PolNeAR's
    `source_dataset`: a V105 each); an id of 17.0 or 17 is the id "17" every command reads, once (V701 twice)."""
    text = "Officials said the plan failed."
    gold = {**_gold(text, content=["the plan failed"], source=["Officials"], cue=["said"]), "source_dataset": "x"}
    bare = {"id": "h", "text": text, "attributions": [], "source_dataset": "x"}
    assert codes(check_records([gold, bare])) == []
    assert codes(check_records([{**gold, "id": 17.0}, {**gold, "id": 17}])) == [("V701", "$[1].id")]
    assert [(f.code, f.message) for f in check_records([{**gold, "id": True}])] == [("V104", 'no "id" (a string or number)')]


def test_a_gold_records_findings_name_its_own_places():
    """The findings of the record a gold record reads as named that record's places: a whitespace-only part was
    `content[1].start`, where the file's `content` is a pair and the part `parts.content[0]`."""
    text = "He said it  happened. Then she said that it rained."
    gold = _gold(text, content=["it  happened"], source=["He"], cue=["said"])
    gold["attributions"][0]["parts"]["content"] = [[text.index("rained"), len(text) - 1], [10, 12]]  # not in order
    gold["attributions"][0]["content"] = [10, len(text) - 1]
    gold["attributions"][0]["parts"]["source"] = None  # the pair alone says where the source is
    found = [(f.code, f.path) for f in check_records([gold, {"id": "e", "text": "x", "attributions": []}])]
    assert found == [("V205", "$[0].attributions[0].parts.content[1]")]
