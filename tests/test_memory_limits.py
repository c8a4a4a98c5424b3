"""Reading holds one document (a JSON Lines line, an element of an array) and one 64 KiB read, whatever the
file holds: `validate`, `labelstudio records`, `export` and annotate's reader go through files built to
exhaust memory, in a process whose address space is limited to MEMORY (the README states the figure); and
`labelstudio records` turns an export larger than what that limit leaves once Python and attrib are loaded
into records (holding them all, as it once did, ends in MemoryError).

ijson's C parser, read before, grew with the square of the depth: 100,000 nested arrays in 200 KB took
22 GB, and a JSON Lines line of that depth raised RecursionError. The process itself is the point here
(its limit), so the commands run in one child process, each as `attrib` is run in-process by tests.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

MEMORY = 128 * 2**20  # bytes of address space for the whole process: Python, attrib's imports and the reading
DEPTH = 100_000
LONG = (80, 2**20)  # tasks, characters of text each: an 80 MB export
TASK = json.loads((Path(__file__).parent / "data" / "broken_exports" / "valid-accepted-prediction.json")
                  .read_text(encoding="utf-8"))[0]

CHILD = """
import json, sys
from runs import attrib
from attrib.documents import iter_documents
results = {}
for name in sys.argv[1:]:
    runs = [attrib("validate", name), attrib("labelstudio", "records", name, "-o", name + ".out"),
            attrib("export", name, "-f", "jsonl", "-o", name + ".out")]
    skipped = []
    list(iter_documents([name], skipped.append))  # annotate's reader: a .json file is a JSON array of documents
    results[name] = [[run.code, run.out + run.err] for run in runs] + [[len(skipped), " ".join(map(str, skipped))]]
print(json.dumps({"results": results, "peak": peak()}))
"""
PEAK = """
def peak():
    return dict(line.split(":", 1) for line in open("/proc/self/status"))["VmPeak"].strip()
"""
RECORDS = """
import json, sys
from runs import attrib
ran = attrib("labelstudio", "records", sys.argv[1], "-o", sys.argv[1] + ".out")
print(json.dumps({"code": ran.code, "err": ran.err, "peak": peak()}))
"""


def _adversarial(folder: Path) -> dict[str, str | None]:
    """File name -> what the commands must say about it (None: nothing, they read it)."""
    meta = '{"a":' * DEPTH + "1" + "}" * DEPTH
    files = {
        "arrays.json": ("[" * DEPTH + "]" * DEPTH, "nests deeper than 256"),  # 200 KB
        "task-meta.json": ("[" + json.dumps(TASK).replace('"meta": {}', f'"meta": {meta}', 1) + "]",
                           "nests deeper than 256"),  # 600 KB, one task
        "open.json": ("[" * 2_000_000, "the file ends inside an element too deep to read"),  # 2 MB, never closed
        "line.jsonl": ('{"id": "a", "text": "x", "attributions": [], "meta": ' + "[" * DEPTH + "]" * DEPTH + "}\n"
                       '{"id": "b", "text": "y", "attributions": []}\n', "nests deeper than 256"),
        "string.jsonl": ('{"id": "a", "text": "' + "[" * DEPTH + '", "attributions": []}\n', None),  # text: fine
        # 20 MB of "[" on one line: counting its depth once took a list of one string per bracket (~11x the line)
        "brackets.jsonl": ('{"id": "a", "text": "x", "meta": ' + "[" * 20_000_000 + "\n", "nests deeper than 256"),
    }
    for name, (body, _) in files.items():
        (folder / name).write_text(body, encoding="utf-8")
    return {str(folder / name): said for name, (_, said) in files.items()}


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _limited(code: str, *args: str) -> dict:
    """What `code` prints (one JSON object), run in a child process limited to MEMORY."""
    tests = Path(__file__).parent
    done = subprocess.run([sys.executable, "-c", PEAK + code, *args], capture_output=True, text=True, timeout=300,
                          preexec_fn=_limit, cwd=tests, env={"PYTHONPATH": str(tests), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]  # a MemoryError would end the child with a traceback
    return json.loads(done.stdout)


needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to read the peak")


@needs_proc
def test_every_reader_takes_any_nesting_in_bounded_memory(tmp_path):
    expected = _adversarial(tmp_path)
    report = _limited(CHILD, *expected)
    for name, said in expected.items():
        validate, records, export, annotate = report["results"][name]
        readers = [records, export]
        if name.endswith(".jsonl"):  # records: `labelstudio records` takes exports only, and says so in one line
            assert records[0] == 2 and "holds records, not a Label Studio export" in records[1], (name, records)
            readers = [export]
        if said is None:  # brackets inside a string are text
            assert [validate[0], export[0], annotate[0]] == [0, 0, 0], (name, report["results"][name])
            continue
        assert validate[0] in (1, 2) and said in validate[1], (name, validate)
        for code, err in readers:
            assert code in (1, 2) and err.startswith("attrib: E") and err.count("\n") == 1 and said in err, (name, err)
        assert annotate[0] == 1 and said in annotate[1], (name, annotate)  # the line or element; JSONL reads on


@needs_proc
def test_labelstudio_records_streams_an_export_larger_than_the_limit_leaves(tmp_path):
    export = tmp_path / "long.json"
    with open(export, "w", encoding="utf-8") as out:  # offsets stay right: the text grows at its end
        out.write("[" + ",".join(json.dumps({**TASK, "id": n, "data": {
            **TASK["data"], "record_id": f"long-{n}", "text": TASK["data"]["text"] + " " * LONG[1]}})
            for n in range(LONG[0])) + "]")
    assert export.stat().st_size > MEMORY / 2  # more than Python and attrib's imports leave of MEMORY
    report = _limited(RECORDS, str(export))
    assert (report["code"], report["err"]) == (0, f"{LONG[0]} records written to {export}.out\n"), report
    assert sum(1 for _ in open(f"{export}.out", encoding="utf-8")) == LONG[0]


def test_running_out_of_memory_is_one_line_and_nothing_written(tmp_path):
    """A 40 MB JSON Lines line under a 128 MiB limit ended `show` in a MemoryError traceback. (A folder 1,000 deep
    ended annotate in a RecursionError one, then in E170: folders are now walked in a loop, and such a tree is read,
    test_cli_edges.py.)"""
    from runs import ATTRIB

    line = tmp_path / "long.jsonl"
    line.write_text("a" * 40_000_000 + "\n", encoding="utf-8")

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    done = subprocess.run([ATTRIB, "show", line], capture_output=True, preexec_fn=limited, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.decode() == ("attrib: E170 out of memory: a JSON line, a JSON document or a text file is read "
                                    "whole; split it, or give the process more memory (--verbose shows where)\n")


def test_recursion_past_pythons_limit_is_one_line_and_nothing_written(tmp_path, monkeypatch):
    """What still recurses past Python's limit (no input known to attrib does: folders are walked in a loop, JSON is
    counted before it is parsed) is one line, E170, with no output left. The reader is faked to recurse: the point
    is the command's answer."""
    from attrib.formats import brat
    from runs import attrib

    def recurse(folder):
        raise RecursionError("maximum recursion depth exceeded")
        yield  # a generator, as brat.read is

    monkeypatch.setattr(brat, "read", recurse)
    (tmp_path / "in").mkdir()
    ran = attrib("import", "brat", tmp_path / "in", "-o", tmp_path / "out.jsonl")
    assert ran.code == 2 and ran.err == ("attrib: E170 nested past Python's recursion limit (a folder tree or a document "
                                         "this deep): not read (--verbose shows where)\n")
    assert not (tmp_path / "out.jsonl").exists()
