"""`attrib validate`: reports, --limit, --format json, -o, exit codes 0/1/2, the progress bar only on a terminal."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from runs import ATTRIB, attrib

CORPUS = Path(__file__).parent / "data" / "broken_exports"
CLEAN = CORPUS / "valid-accepted-prediction.json"
BROKEN = CORPUS / "o01-end-past-the-text.json"


def run(*args: str) -> tuple[int, str, str]:
    ran = attrib("validate", *args)
    return ran.code, ran.out, ran.err


def test_clean_file_exits_0():
    code, out, err = run(str(CLEAN))
    assert (code, err) == (0, "")
    assert out == "1 document in 1 file: clean\n"


def test_warnings_alone_exit_0():
    code, out, _ = run(str(CORPUS / "valid-collapsed-spaces.json"))
    assert code == 0
    assert "warning V204" in out and "0 errors, 1 warning" in out


def test_relations_drawn_from_the_source_say_where_to_draw_them(tmp_path):
    """An annotator drew the source's relations to the CUE and the CONTENT, not the CUE's: V503 said the CUE had no
    CONTENT, although a relation reached it, and not what to draw."""
    tasks = json.loads(CLEAN.read_text(encoding="utf-8"))
    for item in tasks[0]["annotations"][0]["result"]:
        if item.get("type") == "relation" and item["from_id"] == "a2-cue-0":
            to = {"a2-source-0": "a2-cue-0"}.get(item["to_id"], item["to_id"])  # the source's relation goes to the cue
            item["from_id"], item["to_id"] = "a2-source-0", to
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks), encoding="utf-8")
    code, out, _ = run(str(export))
    assert code == 1
    assert "CUE 'According to' is in an attribution without a CONTENT: draw a relation from it to its CONTENT" in out


def test_errors_exit_1_with_code_and_location():
    code, out, _ = run(str(BROKEN), str(CLEAN))
    assert code == 1
    assert "error V201 a span does not fit the text (1)" in out
    assert (f"{BROKEN} $[0].annotations[0].result[12].value.end (record news-001, task 7, annotation 12, "
            "region a2-content-0): span [101, 500)") in out
    assert out.endswith("2 documents in 2 files: 1 error, 0 warnings\n")


def _many_bad_ends(tmp_path: Path) -> Path:
    export = json.loads(CLEAN.read_text(encoding="utf-8"))
    for k in (3, 7, 12):
        export[0]["annotations"][0]["result"][k]["value"]["end"] = 900
    path = tmp_path / "three.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    return path


def test_limit_shows_the_first_of_each_code(tmp_path):
    code, out, _ = run(str(_many_bad_ends(tmp_path)), "--limit", "1")
    assert code == 1
    assert "error V201 a span does not fit the text (3)" in out
    assert out.count("span [") == 1
    assert "... and 2 more (--limit to see more)" in out


def test_json_format_lists_every_finding_with_its_place(tmp_path):
    code, out, _ = run(str(_many_bad_ends(tmp_path)), str(CLEAN), "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["summary"]["errors"] == 3 and report["summary"]["counts"] == {"V201": 3}
    assert report["summary"]["documents"] == 2
    assert [f["region_id"] for f in report["findings"]] == ["a0-content-0", "a1-content-0", "a2-content-0"]
    assert set(report["findings"][0]) == {"severity", "code", "message", "file", "task_id", "annotation_id",
                                          "region_id", "path", "line", "record_id"}


def test_output_file(tmp_path):
    target = tmp_path / "report.json"
    code, out, _ = run(str(BROKEN), "--format", "json", "-o", str(target))
    assert (code, out) == (1, "")
    assert json.loads(target.read_text(encoding="utf-8"))["summary"]["counts"] == {"V201": 1}


@pytest.mark.parametrize("content, reason", [(None, "no such file"), ("", "empty file"), ("hello", "not JSON"),
                                             ("[{\"id\": 1,", "not JSON"), ("{\"text\": \n", "not JSON")])
def test_unreadable_input_exits_2_with_one_line(tmp_path, content, reason):
    path = tmp_path / "input.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = run(str(CLEAN), str(path))
    assert code == 2 and out == ""
    assert err.startswith("attrib: E100 ") and reason in err and err.count("\n") == 1


def test_as_overrides_detection_but_not_the_shape_of_the_file(tmp_path):
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{"data": {"text": "x", "record_id": "r"}}]), encoding="utf-8")
    assert run(str(tasks))[0] == 0  # detected: a task to import
    code, out, _ = run(str(tasks), "--as", "export")
    assert code == 1 and "V101" in out  # an exported task has an id and annotations
    code, out, err = run(str(CLEAN), "--as", "records")
    assert code == 2 and out == "" and "records are JSON Lines" in err  # no command reads records from an array


def test_help_ends_with_an_example():
    import typer

    from attrib.cli import app

    command = typer.main.get_command(app).commands["validate"]
    assert command.help.rstrip().splitlines()[-1].startswith("Example: attrib validate ")


def _stderr_bytes(tty: bool) -> bytes:
    """What `attrib validate` writes to stderr, a pseudo-terminal or a pipe."""
    cmd = [ATTRIB, "validate", str(CLEAN)]
    if not tty:
        return subprocess.run(cmd, capture_output=True, check=True).stderr
    master, slave = os.openpty()
    try:
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=slave, check=True, env={**os.environ, "COLUMNS": "100"})
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(master)


def test_progress_bar_only_on_a_terminal():
    assert _stderr_bytes(tty=False) == b""
    assert b"valid-accepted-prediction.json" in _stderr_bytes(tty=True)


def test_annotations_in_tasks_to_import_are_checked_as_an_exports_are(tmp_path):
    """Label Studio imports the annotations a task carries, and checks none of their offsets: validate said "clean"
    of tasks whose annotation ran past the text (as an export the same span is V201)."""
    (task,) = json.loads(BROKEN.read_text(encoding="utf-8"))
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{key: task[key] for key in ("data", "annotations")}]), encoding="utf-8")
    code, out, _ = run(str(tasks), "--as", "tasks")
    assert code == 1 and "error V201 a span does not fit the text (1)" in out, out
    assert f"{tasks} $[0].annotations[0].result[12].value.end" in out


def test_json_is_said_as_eval_and_agreement_say_it():
    """`eval --json`, `agreement --json`, but `validate --format json` only: the one a user tried first failed."""
    assert run(str(BROKEN), "--json") == run(str(BROKEN), "--format", "json")
    for fmt in ("json", "text"):  # `--json --format text` printed JSON, exit 0
        code, out, err = run(str(BROKEN), "--json", "--format", fmt)
        assert code == 2 and out == "" and "give --json or --format, not both" in err
