"""Writes the corpus of broken inputs beside this script, and expected.json: for each file, what it shows and
what `attrib validate` finds (code, JSON path, line) and what `labelstudio records`, `export` and (for JSON
Lines) `annotate` answer: exit status and what the one line on stderr names. The expectations are written
here by hand, not computed. Run it again after changing a case:

    .venv/bin/python tests/data/broken_inputs/make.py
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

HERE = Path(__file__).parent
TASK = json.loads((HERE.parent / "broken_exports" / "valid-accepted-prediction.json").read_text(encoding="utf-8"))[0]
RESULT = "$[0].annotations[0].result"
LINE = '{"id": "r%d", "text": "The mayor said it rains.", "attributions": [{"id": "a0", "kind": "indirect", ' \
       '"confidence": 0.8, "source": [{"start": 0, "end": 9, "text": "The mayor"}], "cue": [{"start": 10, "end": 14, ' \
       '"text": "said"}], "content": [{"start": 15, "end": 24, "text": "it rains."}], "source_entity": null}]}'
CASES: list[dict] = []


def nest(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def task(**changes) -> dict:
    out = copy.deepcopy(TASK)
    out.update(changes)
    return out


def second_task() -> str:
    later = task(id=8)
    later["data"] = {**later["data"], "record_id": "news-002"}
    return json.dumps(later)


def case(file: str, about: str, body: str | bytes, validate: list | str, exit: int, refusal: list | None = None,
         annotate: dict | None = None) -> None:
    """One file; `validate` lists the findings (code, path, line), or is what the one line says when the
    file cannot be read at all (exit 2); `labelstudio records` and `export` answer `exit` (0: they write,
    1: the gate refuses, 2: the file cannot be read) with `refusal` in their one line of stderr."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    (HERE / file).write_bytes(data)
    unreadable = isinstance(validate, str)
    entry = {"file": file, "about": about,
             "validate": {"exit": 2, "stderr": validate} if unreadable else
             {"findings": [{"code": c, "path": p, "line": n} for c, p, n in validate]},
             "commands": {"exit": exit, "stderr": refusal or []}}
    if annotate is not None:
        entry["annotate"] = annotate
    CASES.append(entry)


def lines(*items: str) -> str:
    return "".join(item + "\n" for item in items)


# deep nesting: the limit is checked before any parser sees the document, in every reader
case("depth-array.json", "an export whose first element is 1,000 arrays deep, then a good task: the deep one is "
     "skipped by counting and reported, the next one read",
     f"[{nest(1000)}, {json.dumps(TASK)}]", [("V003", "$[0]", None)], 1, ["E150", "$[0]", "V003"])
case("depth-task-meta.json", "a task whose meta nests 300 objects deep",
     "[" + json.dumps(task(meta={})).replace('"meta": {}', '"meta": ' + '{"a": ' * 300 + "1" + "}" * 300) + ", "
     + second_task() + "]", [("V003", "$[0]", None)], 1, ["E150", "$[0]", "V003"])
case("depth-line.jsonl", "a record line whose meta nests 300 arrays deep, between two good lines",
     lines(LINE % 1, (LINE % 2).replace('"attributions"', f'"meta": {{"x": {nest(300)}}}, "attributions"'), LINE % 3),
     [("V003", "$", 2)], 2, ["E100", "depth-line.jsonl:2", "nests deeper than 256"],
     {"exit": 0, "skipped": ["depth-line.jsonl:2", "nests deeper than 256"], "written": 2})
case("depth-unclosed.json", "an export that is 5,000 open brackets and nothing else",
     "[" * 5000, "the file ends inside an element too deep to read", 2,
     ["E100", "depth-unclosed.json", "the file ends inside an element too deep to read"])

# numbers: each reported where it is, the rest of the file read
case("number-long-integer.jsonl", "a 5,000-digit integer in a record's meta (Python will not convert it)",
     lines(LINE % 1, (LINE % 2).replace('"attributions"', f'"meta": {{"n": {"9" * 5000}}}, "attributions"')),
     [("V004", "$.meta.n", 2)], 2, ["E100", "number-long-integer.jsonl:2", "$.meta.n", "5000 digits"],
     {"exit": 0, "skipped": ["number-long-integer.jsonl:2", "$.meta.n"], "written": 1})
case("number-nan-confidence.jsonl", "confidence NaN: Python's json reads it, no JSON output may hold it",
     lines((LINE % 1).replace('"confidence": 0.8', '"confidence": NaN')),
     [("V004", "$.attributions[0].confidence", 1)], 2,
     ["E100", "number-nan-confidence.jsonl:1", "$.attributions[0].confidence", "not a JSON number"],
     {"exit": 1, "skipped": ["number-nan-confidence.jsonl:1"], "written": 0})
case("number-offset-1e30.json", "a region's end of 10^30: an integer like any other, far past the text",
     "[" + json.dumps(TASK).replace('"start": 12, "end": 16', '"start": 12, "end": 1' + "0" * 30, 1) + "]",
     [("V201", f"{RESULT}[0].value.end", None)], 1, ["E150", f"{RESULT}[0].value.end", "V201"])
case("number-offset-1e400.json", "a region's end of 1e400: beyond the float range",
     "[" + json.dumps(TASK).replace('"start": 12, "end": 16', '"start": 12, "end": 1e400', 1) + "]",
     [("V004", f"{RESULT}[0].value.end", None)], 1, ["E150", f"{RESULT}[0].value.end", "V004"])
case("number-infinity-score.json", "a prediction's score of Infinity",
     "[" + json.dumps(TASK).replace('"score": 0.55, "id": 41', '"score": Infinity, "id": 41') + "]",
     [("V004", "$[0].predictions[0].score", None)], 1, ["E150", "$[0].predictions[0].score", "V004"])

# lone surrogates: valid JSON, not Unicode; one policy wherever they are
for where, old, new, path in (("text", '"text": "The mayor said it rains."', '"text": "The mayor said it rains.\\udc00"',
                               "$.text"),
                              ("id", '"id": "r2"', '"id": "r\\ud800"', "$.id"),
                              ("meta", '"attributions"', '"meta": {"note\\udc00": 1}, "attributions"', "$.meta")):
    case(f"surrogate-{where}.jsonl", f"a lone surrogate in a record's {where}",
         lines(LINE % 1, (LINE % 2).replace(old, new, 1)), [("V005", path, 2)], 2,
         ["E100", f"surrogate-{where}.jsonl:2", path, "lone surrogate"],
         {"exit": 0, "skipped": [f"surrogate-{where}.jsonl:2", "lone surrogate"], "written": 1})
case("surrogate-record-id.json", "a lone surrogate in an export's data.record_id (it became '?' before)",
     "[" + json.dumps(TASK).replace('"record_id": "news-001"', '"record_id": "news-\\udc00"') + "]",
     [("V005", "$[0].data.record_id", None)], 1, ["E150", "$[0].data.record_id", "V005"])
case("surrogate-label.json", "a lone surrogate in a region's label, a string the schema checks",
     "[" + json.dumps(TASK).replace('"labels": ["CUE"]', '"labels": ["CUE\\ud800"]', 1) + "]",
     [("V005", f"{RESULT}[0].value.labels[0]", None)], 1, ["E150", f"{RESULT}[0].value.labels[0]", "V005"])

# a key twice in one object: readers differ in which value they keep
case("duplicate-record-text.jsonl", "a record line with \"text\" twice (Python keeps the last, other readers the "
     "first)", lines(LINE % 1, (LINE % 2).replace('"attributions"', '"text": "Another text.", "attributions"')),
     [("V007", "$.text", 2)], 2, ["E100", "duplicate-record-text.jsonl:2", "$.text", "2 times"],
     {"exit": 0, "skipped": ["duplicate-record-text.jsonl:2", "$.text"], "written": 1})
case("duplicate-region-end.json", "a region's value with \"end\" twice",
     "[" + json.dumps(TASK).replace('"start": 12, "end": 16', '"start": 12, "end": 16, "end": 14', 1) + "]",
     [("V007", f"{RESULT}[0].value.end", None)], 1, ["E150", f"{RESULT}[0].value.end", "V007"])

# accepted, then broken later: now refused where validate refuses them
case("accepted-single-task.json", "one task object, not an array: no command reads an export from it",
     json.dumps(TASK) + "\n", "one JSON array", 2, ["E100", "accepted-single-task.json", "one JSON array"])
two_labels = task()
two_labels["annotations"][0]["result"][15]["labels"] = ["cue", "content"]
case("accepted-relation-two-labels.json", "a relation with two labels",
     json.dumps([two_labels]), [("V402", f"{RESULT}[15].labels", None)], 1, ["E150", f"{RESULT}[15].labels", "V402"])
numbered = task()
numbered["annotations"].append({**copy.deepcopy(numbered["annotations"][0]), "id": 13, "completed_by": 2,
                                "updated_at": 1764000000})
case("accepted-updated-at-number.json", "an annotation's updated_at given as a number (--choose latest compared "
     "it with a string)", json.dumps([numbered]), [("V102", "$[0].annotations[1].updated_at", None)], 1,
     ["E150", "$[0].annotations[1].updated_at", "V102"])
float_annotator = task()
float_annotator["annotations"][0]["completed_by"] = {"id": 1.5, "email": None}
case("accepted-annotator-id-float.json", "an annotator id of 1.5 (the records it gave were refused by records)",
     json.dumps([float_annotator]), [("V102", "$[0].annotations[0].completed_by.id", None)], 1,
     ["E150", "$[0].annotations[0].completed_by.id", "V102"])

# locations: the line that is wrong, and the lines after it read
bad_lines = [b'{"id": "r%d", "text": "x", "attributions": []}' % n for n in range(1, 601)]
bad_lines[1] = b'{"id": "r2", "text": "caf\xe9"}'  # latin-1, line 2
bad_lines[499] = b'{"id": "r500", "text": "na\xefve"}'  # line 500
bad_lines[549] = (LINE % 550).replace('"end": 24', '"end": 99').encode()  # line 550: read, and wrong
case("location-invalid-utf8.jsonl", "invalid UTF-8 on lines 2 and 500, a span past the text on line 550",
     b"\n".join(bad_lines) + b"\n",
     [("V002", "$", 2), ("V002", "$", 500), ("V201", "$.attributions[0].content[0].end", 550)], 2,
     ["E100", "location-invalid-utf8.jsonl:2", "not valid UTF-8"],
     {"exit": 0, "skipped": ["location-invalid-utf8.jsonl:2: not valid UTF-8", "location-invalid-utf8.jsonl:500: "
                             "not valid UTF-8"], "written": 598})
case("location-bom-export.json", "an export that starts with a byte order mark: named, skipped",
     b"\xef\xbb\xbf" + json.dumps([TASK]).encode(), [("V006", "$", None)], 0)
case("location-bom-records.jsonl", "records that start with a byte order mark: named, skipped",
     b"\xef\xbb\xbf" + lines(LINE % 1).encode(), [("V006", "$", None)], 0,
     annotate={"exit": 0, "skipped": [], "written": 1})

(HERE / "expected.json").write_text(json.dumps(CASES, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
