"""The corpus of broken inputs (tests/data/broken_inputs, made by its make.py): every class of input that
crashed attrib, exhausted its memory, or passed and broke a later command. `validate` reports each where it
is; `labelstudio records` and `export` refuse it in one line that names the place (or, for what validate
only warns about, write); `annotate` reports and skips each line it cannot use and reads the rest.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from attrib.jsonsafe import MAX_DEPTH, max_depth
from attrib.validation import CODES, validate_path
from runs import attrib, attrib_process

CORPUS = Path(__file__).parent / "data" / "broken_inputs"
CASES = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
ANNOTATE = [c for c in CASES if "annotate" in c]


def one_line(err: str) -> bool:
    return err.startswith("attrib: E") and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_validate_reports_each_where_it_is(case):
    path = CORPUS / case["file"]
    expected = case["validate"]
    ran = attrib("validate", path)
    if "stderr" in expected:  # the file cannot be read at all
        assert ran.code == 2 and ran.out == "" and one_line(ran.err) and expected["stderr"] in ran.err, ran.err
        return
    found = sorted((f.code, f.path, f.line) for f in validate_path(path))
    assert found == sorted((f["code"], f["path"], f["line"]) for f in expected["findings"]), case["about"]
    assert ran.code == (1 if any(CODES[f["code"]][0] == "error" for f in expected["findings"]) else 0), ran.out


@pytest.mark.parametrize("command", ["labelstudio records", "export"])
@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_records_and_export_refuse_in_one_line_that_names_the_place(case, command, tmp_path):
    out = tmp_path / "out.jsonl"
    ran = attrib(*command.split(), CORPUS / case["file"], "-o", out, *(["-f", "jsonl"] if command == "export" else []))
    expected = case["commands"]
    if command == "labelstudio records" and case["file"].endswith(".jsonl"):  # it takes exports only, whatever is in
        expected = {"exit": 2, "stderr": [f"{case['file']}: holds records, not a Label Studio export"]}  # the file
    assert ran.code == expected["exit"], ran.err
    if expected["exit"]:
        assert one_line(ran.err) and all(part in ran.err for part in expected["stderr"]), ran.err
        assert not out.exists()
    else:
        assert out.exists() and ran.err.count("\n") == 1 and "written" in ran.err


@pytest.mark.parametrize("case", ANNOTATE, ids=[c["file"] for c in ANNOTATE])
def test_annotate_reports_each_line_it_cannot_use_and_reads_the_rest(case, tmp_path):
    out = tmp_path / "out.jsonl"
    ran = attrib("annotate", CORPUS / case["file"], "-o", out)
    expected = case["annotate"]
    assert ran.code == expected["exit"], ran.err
    skipped = [line for line in ran.err.splitlines() if line.startswith("attrib: skipped: E100 ")]
    assert len(skipped) == len([part for part in expected["skipped"] if ".jsonl:" in part]) or not expected["skipped"]
    assert all(part in ran.err for part in expected["skipped"]) and "Traceback" not in ran.err
    if expected["written"]:
        assert len(out.read_text(encoding="utf-8").splitlines()) == expected["written"]
    else:  # nothing could be read: E160, and no empty output
        assert not out.exists() and ran.err.splitlines()[-1].startswith("attrib: E160 ")


def test_annotate_reads_stdin_with_the_same_limits():
    lines = (CORPUS / "depth-line.jsonl").read_bytes()
    ran = attrib("annotate", "-", stdin=lines)
    assert ran.code == 0 and "attrib: skipped: E100 <stdin>:2: $: nests deeper than 256 levels" in ran.err
    assert [json.loads(line)["id"] for line in ran.out.splitlines()] == ["r1", "r3"]


def test_the_corpus_covers_every_class():
    classes = {c["file"].split("-")[0] for c in CASES}
    assert classes == {"depth", "number", "surrogate", "duplicate", "accepted", "location"}
    assert {"V001", "V002", "V003", "V004", "V005", "V006", "V007"} - {f["code"] for c in CASES
                                                             for f in c["validate"].get("findings", [])} == {"V001"}
    assert sorted(p.name for p in CORPUS.iterdir() if p.suffix != ".py") == sorted([*(c["file"] for c in CASES),
                                                                                    "expected.json"])


@pytest.mark.parametrize("raised", [("--max-depth", "400"), ("ATTRIB_MAX_DEPTH", "400")])
def test_the_nesting_limit_is_raised_by_an_option_or_the_environment(raised):
    line_300_deep = CORPUS / "depth-line.jsonl"
    default = attrib("validate", line_300_deep)
    assert default.code == 1 and "nests deeper than 256 levels" in default.out
    option, env = (raised, None) if raised[0].startswith("--") else ((), dict([raised]))
    ran = attrib(*option, "validate", line_300_deep, env=env)
    assert (ran.code, ran.out) == (0, "3 documents in 1 file: clean\n"), ran.out
    deeper = attrib(*option, "validate", CORPUS / "depth-array.json", env=env)  # 1,000 deep: still too deep
    assert deeper.code == 1 and "$[0]: nests deeper than 400 levels" in deeper.out


def test_a_limit_raised_past_what_python_parses_is_a_finding_not_a_recursion_error(tmp_path):
    lines = tmp_path / "deep.jsonl"
    lines.write_text('{"id": "a", "text": "x", "attributions": [], "meta": ' + "[" * 5000 + "]" * 5000 + "}\n"
                     '{"id": "b", "text": "y", "attributions": []}\n', encoding="utf-8")
    array = tmp_path / "deep.json"
    array.write_text("[" + "[" * 5000 + "]" * 5000 + "]", encoding="utf-8")
    for path, where in ((lines, "deep.jsonl:1 $"), (array, "deep.json $[0]")):
        ran = attrib("--max-depth", "100000", "validate", path)
        assert ran.code == 1 and f"{where}: nests deeper than Python's parser goes" in ran.out, ran.out
    annotated = attrib("--max-depth", "100000", "annotate", lines, "-o", tmp_path / "out.jsonl")
    assert annotated.code == 0 and "deep.jsonl:1: $: nests deeper than Python's parser goes" in annotated.err
    assert "Traceback" not in annotated.err and len((tmp_path / "out.jsonl").read_text().splitlines()) == 1


def test_a_raised_limit_ends_with_its_run():
    attrib("--max-depth", "400", "validate", CORPUS / "depth-line.jsonl")
    assert max_depth.get() == MAX_DEPTH  # the library calls of other tests keep the default


def test_file_names_that_are_not_utf8_make_ids_and_reports_not_tracebacks(tmp_path):
    """A byte of a file name that is not UTF-8 (Python keeps it as a lone surrogate, which no UTF-8 output takes): an
    id made of it ended annotate and brat's import in a traceback at the first record written, and a report naming
    the file ended validate --json, validate's findings and agreement --html the same way. Ids and paths in records
    now hold the byte as `\\xNN`; a report shows it escaped as Python does."""
    import os

    root = os.fsencode(tmp_path)
    texts, brat = tmp_path / "texts", tmp_path / "brat"
    texts.mkdir(), brat.mkdir()
    with open(os.path.join(root, b"texts", b"n\xff.txt"), "wb") as out:
        out.write("The minister said that taxes will rise.\n".encode())
    for suffix, body in ((b".txt", "The mayor said it rained.\n"), (b".ann", "T1\tCue 10 14\tsaid\n")):
        with open(os.path.join(root, b"brat", b"s\xff" + suffix), "wb") as out:
            out.write(body.encode())
    annotated = attrib("annotate", texts, "-o", tmp_path / "a.jsonl")
    assert annotated.code == 0, annotated.err
    (record,) = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert record["id"] == "n\\xff" and record["meta"]["path"].endswith("texts/n\\xff.txt")
    imported = attrib("import", "brat", brat, "-o", tmp_path / "b.jsonl")
    assert imported.code == 0, imported.err
    assert json.loads((tmp_path / "b.jsonl").read_text(encoding="utf-8"))["id"] == "s\\xff"

    bad_name = os.fsdecode(os.path.join(root, b"x\xff.jsonl"))
    Path(bad_name).write_text(json.dumps({"id": "a", "text": "x", "attributions": [{"content": []}]}) + "\n",
                              encoding="utf-8")
    report = tmp_path / "report.json"
    for command in (("validate", bad_name), ("validate", bad_name, "--json"),
                    ("validate", bad_name, "--json", "-o", report)):
        ran = attrib_process(*command)  # a real process: its own standard output, not a test's StringIO
        assert ran.code == 1 and "Traceback" not in ran.err, ran.err
        assert "x\\udcff.jsonl" in (ran.out if "-o" not in command else report.read_text(encoding="utf-8"))
    assert json.loads(report.read_text(encoding="utf-8"))["summary"]["files"] == [bad_name]  # the same name read back


def test_one_span_given_to_hundreds_of_attributions_is_refused_before_it_is_copied(tmp_path):
    """Each attribution carries its fragments' text: a gold pair, a Label Studio CONTENT region related to many
    cues, or a brat span in many events, given to hundreds of attributions, made records and outputs of gigabytes
    from a file of a megabyte (800 attributions of one 1 MB content: validate 835 MB, labelstudio tasks 3.2 GB). A
    document whose fragments hold over MAX_COVER times its text is refused as they are made; PolNeAR's most is 1.06,
    and a short text (COVER_FLOOR) may hold many nested attributions."""
    from attrib.records import COVER_FLOOR, MAX_COVER

    text = "said " * 40_000  # 200,000 characters
    content = [5, len(text) - 1]
    gold = tmp_path / "gold.jsonl"
    many = MAX_COVER + 1
    gold.write_text(json.dumps({"id": "d", "text": text, "attributions": [
        {"content": content, "source": None, "cue": [0, 4], "kind": "indirect",
         "parts": {"content": [content], "source": [], "cue": [[0, 4]]}}] * many}) + "\n", encoding="utf-8")
    said = (f"its fragments hold {many * (content[1] - content[0] + 4):,} characters in its first {many} attributions, "
            f"over the {MAX_COVER * 200_000:,} attrib takes for a text of 200,000 ({MAX_COVER} times it, "
            f"{MAX_COVER * COVER_FLOOR:,} at least; PolNeAR's most is 1.06 times)")
    ran = attrib("validate", gold)
    assert ran.code == 1 and f"{gold}:1 $: {said}" in ran.out, ran.out
    ran = attrib("labelstudio", "tasks", gold, "-o", tmp_path / "tasks.json")
    assert ran.code == 2 and ran.err.startswith(f"attrib: E100 {gold}:1: {said}")
    assert not (tmp_path / "tasks.json").exists()

    brat = tmp_path / "brat"
    brat.mkdir()
    (brat / "doc.txt").write_text(text, encoding="utf-8")
    events = "".join(f"E{i}\tAttribution:T2 Content:T1\n" for i in range(many))
    (brat / "doc.ann").write_text(f"T1\tContent 5 {len(text) - 1}\t{text[5:-1]}\nT2\tCue 0 4\tsaid\n{events}",
                                  encoding="utf-8")
    ran = attrib("import", "brat", brat, "-o", tmp_path / "b.jsonl")
    assert ran.code == 2 and ran.err.startswith(f"attrib: E100 {brat / 'doc.ann'}: its fragments hold "), ran.err

    def region(rid: str, start: int, end: int, label: str) -> dict:
        return {"id": rid, "from_name": "role", "to_name": "text", "type": "labels",
                "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]}}

    result = [region("content", 5, len(text) - 1, "CONTENT")]  # one content, related to many cues
    for i in range(many):
        result += [region(f"cue{i}", 5 * i, 5 * i + 4, "CUE"),
                   {"from_id": f"cue{i}", "to_id": "content", "type": "relation", "direction": "right",
                    "labels": ["content"]}]
    export = tmp_path / "export.json"
    annotation = {"id": 100, "completed_by": 1, "result": result, "was_cancelled": False}
    export.write_text(json.dumps([{"id": 7, "data": {"text": text, "record_id": "doc"}, "predictions": [],
                                   "annotations": [annotation]}]), encoding="utf-8")
    validated = attrib("validate", export)  # as the commands that read it: validate passed it with a warning
    assert validated.code == 1 and "error V508 " in validated.out, validated.out
    ran = attrib("labelstudio", "records", export, "-o", tmp_path / "r.jsonl")  # its check of each task says it first
    assert ran.code == 1 and one_line(ran.err) and "V508 its fragments hold " \
        in ran.err and not (tmp_path / "r.jsonl").exists(), ran.err

    nested = "“" * 600 + "x" + "”" * 600  # 1,201 characters: 600 nested attributions, 360,600 characters in all
    assert len(nested) * 600 / 2 < MAX_COVER * COVER_FLOOR
    fine = tmp_path / "nested.jsonl"
    fine.write_text(json.dumps({"id": "n", "text": nested, "attributions": [
        {"content": [i, len(nested) - i], "source": None, "cue": None, "kind": "direct",
         "parts": {"content": [[i, len(nested) - i]], "source": [], "cue": []}} for i in range(600)]}) + "\n",
        encoding="utf-8")
    assert attrib("export", fine, "-f", "jsonl", "-o", tmp_path / "n.jsonl").code == 0
