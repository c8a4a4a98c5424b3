"""Throughput of `attrib validate` (or `labelstudio records`) on a generated Label Studio export: tasks per
second and peak memory.

Writes an export of N tasks (default 100,000) as `attrib labelstudio pull` gets it: each task a
~1,000-character text with three attributions (source, cue, content; one with a pronoun source
and its REFERENT), one annotation and the full prediction it started from. Then validates it in a
child process, structure plus meaning, exactly as `attrib validate` does (validate_path), and
reports the child's time and peak resident memory. The same is measured on a tenth of the tasks:
memory that does not grow with the file shows as two equal peaks.

With --records, the child runs what `attrib labelstudio records EXPORT -o OUT` runs instead (each task
validated, converted, each record checked and written to a file), streamed as validate is.

    .venv/bin/python benchmarks/bench_validate.py            # 100,000 tasks (~1 GB of JSON)
    .venv/bin/python benchmarks/bench_validate.py --tasks 5000
    .venv/bin/python benchmarks/bench_validate.py --records
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from attrib.lsjson.convert import record_to_task
from attrib.records import fragment

PARAGRAPH = (
    "The council met on Tuesday 🙂 to discuss the budget.\r\n"
    "“We cannot keep the libraries open on Sundays,” the mayor said after the vote, adding that the "
    "decision had not been easy. Residents had gathered outside the town hall since the early morning, "
    "holding signs and handing out leaflets about the cafe\u0301 that closed last spring. "
)
FILLER = ("Officials spent most of the afternoon going through the numbers line by line, and the "
          "session ran late into the evening before anyone left the room. ")
TEXT = PARAGRAPH + "She later told reporters that the cuts were temporary. " + FILLER * 4 + \
    "According to the treasurer, the deficit will shrink next year."


def _frag(sub: str) -> dict:
    start = TEXT.index(sub)
    return fragment(TEXT, start, start + len(sub))


RECORD = {"id": "bench", "text": TEXT, "meta": {"source": "benchmark"}, "attributions": [
    {"id": "a0", "kind": "direct", "confidence": 0.9, "source": [_frag("the mayor")], "cue": [_frag("said")],
     "content": [_frag("“We cannot keep the libraries open on Sundays,”")], "source_entity": None},
    {"id": "a1", "kind": "indirect", "confidence": 0.7, "source": [_frag("She")], "cue": [_frag("told")],
     "content": [_frag("that the cuts were temporary")], "source_entity": _frag("the mayor")},
    {"id": "a2", "kind": "indirect", "confidence": 0.6, "source": [_frag("the treasurer")],
     "cue": [_frag("According to")], "content": [_frag("the deficit will shrink next year")],
     "source_entity": None, "source_type": "named"},
]}


def _task_template() -> dict:
    task = record_to_task(RECORD, "attrib-bench")
    prediction = {**task["predictions"][0], "id": 0, "created_at": "2026-11-26T10:00:00Z", "task": 0, "project": 1}
    result = copy.deepcopy(prediction["result"])
    for item in result:
        if item["type"] != "relation":
            item["origin"] = "prediction"
    annotation = {"id": 0, "completed_by": 1, "result": result, "was_cancelled": False, "ground_truth": False,
                  "created_at": "2026-11-26T11:00:00Z", "updated_at": "2026-11-26T11:02:00Z", "lead_time": 42.0,
                  "prediction": {}, "result_count": 0, "task": 0, "project": 1, "parent_prediction": 0,
                  "parent_annotation": None, "last_action": None}
    return {"id": 0, "annotations": [annotation], "predictions": [prediction], "drafts": [], "data": task["data"],
            "meta": {}, "created_at": "2026-11-26T09:59:00Z", "updated_at": "2026-11-26T11:02:00Z", "inner_id": 0,
            "total_annotations": 1, "cancelled_annotations": 0, "total_predictions": 1, "project": 1}


def write_export(path: Path, tasks: int) -> None:
    """N distinct tasks (ids, record ids, text tail), streamed to `path` as one JSON array."""
    template = _task_template()
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        for i in range(tasks):
            task = copy.deepcopy(template)
            task["id"] = task["inner_id"] = i + 1
            task["data"]["record_id"] = f"bench-{i:06d}"
            task["data"]["text"] = TEXT + f" ({i})"
            task["annotations"][0].update(id=i + 1, task=i + 1, parent_prediction=i + 1)
            task["predictions"][0].update(id=i + 1, task=i + 1)
            out.write(("," if i else "") + "\n" + json.dumps(task, ensure_ascii=False, separators=(",", ":")))
        out.write("\n]\n")


def child(path: str, records: bool) -> None:
    """Validate `path` (or turn it into records) and print the figures as one JSON line (in its own process)."""
    from attrib.formats.inputs import read_input
    from attrib.formats.jsonl import write_records
    from attrib.validation import validate_path
    from attrib.validation.gate import gated

    start = time.perf_counter()
    if records:  # what `attrib labelstudio records` runs
        out = Path(path).with_suffix(".records.jsonl")
        figures = {"records": write_records(gated("records", read_input(path)), out)}
        out.unlink()
    else:
        figures = {"findings": sum(1 for _ in validate_path(path))}
    seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tasks = sum(1 for line in open(path, "rb") if line.startswith(b"{"))  # write_export: one task a line
    print(json.dumps({"tasks": tasks, **figures, "seconds": round(seconds, 2),
                      "tasks_per_second": round(tasks / seconds), "peak_rss_mib": round(peak_mib, 1)}))


def measure(path: Path, records: bool) -> dict:
    command = [sys.executable, __file__, "--child", str(path), *(["--records"] if records else [])]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--records", action="store_true", help="time `labelstudio records` instead of validate")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.records)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for n in (max(args.tasks // 10, 1), args.tasks):
            path = Path(tmp) / f"export-{n}.json"
            start = time.perf_counter()
            write_export(path, n)
            size_mb = path.stat().st_size / 1e6
            print(f"generated {n:,} tasks, {size_mb:,.0f} MB, in {time.perf_counter() - start:.0f} s", file=sys.stderr)
            figures = measure(path, args.records)
            figures["file_mb"] = round(size_mb)
            print(json.dumps(figures))
            path.unlink()


if __name__ == "__main__":
    main()
