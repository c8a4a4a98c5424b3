"""`attrib agreement` on a Label Studio export of two annotators per task, and the share of Krippendorff's alpha in it.

    python benchmarks/bench_agreement.py ../shared/data/polnear-dev.gold.jsonl --copies 10

The export is made from RECORDS (attrib records or the gold format): each document a task whose
prediction is its attributions, annotated twice, once as is and once without every third attribution.
Timed in-process, around `agreement()` (reading the export included, command start not), best of
--rounds; then alpha alone (role masks and coincidences over the same tasks).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from attrib.agreement import agreement
from attrib.alpha import RoleAlpha, role_masks
from attrib.lsjson.convert import record_to_task
from attrib.records import iter_records, make_record


def export_of(records: list[dict], copies: int) -> list[dict]:
    tasks = []
    for n, (copy, record) in enumerate((c, r) for c in range(copies) for r in records):
        if copy:  # each copy a document of its own: an export holds a record id once (V701)
            record = {**record, "id": f"{record['id']}~{copy}"}
        made = record_to_task(record, "bench")
        prediction = {**made["predictions"][0], "id": n}
        fewer = record_to_task(make_record(record["id"], record["text"], record["attributions"][::3]), "bench")
        annotations = [{"id": 2 * n + k, "completed_by": {"id": k, "email": f"annotator{k}@example.org"},
                        "result": result, "was_cancelled": False, "ground_truth": False, "lead_time": 1.0,
                        "parent_prediction": n}
                       for k, result in enumerate((prediction["result"], fewer["predictions"][0]["result"]))]
        tasks.append({"id": n, "project": 1, "data": made["data"], "predictions": [prediction], "annotations": annotations})
    return tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records")
    parser.add_argument("--copies", type=int, default=1, help="Each document this many times (a larger export).")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    records = list(iter_records([args.records]))
    tasks = export_of(records, args.copies)
    characters = sum(len(t["data"]["text"]) for t in tasks)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.json"
        path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
        best = float("inf")
        for _ in range(args.rounds):
            started = time.perf_counter()
            report = agreement(path)
            best = min(best, time.perf_counter() - started)
    pairs = [(r, make_record(r["id"], r["text"], r["attributions"][::3])) for _ in range(args.copies) for r in records]
    alpha_best = float("inf")
    for _ in range(args.rounds):
        started = time.perf_counter()
        for whole, fewer in pairs:
            RoleAlpha().add(whole["text"], [role_masks(whole), role_masks(fewer)])
        alpha_best = min(alpha_best, time.perf_counter() - started)
    print(f"{len(tasks)} tasks, {characters:,} characters, 2 annotators each")
    print(f"agreement: {best:.2f} s ({len(tasks) / best:,.0f} tasks/s, {characters / best / 1e6:.2f} M characters/s)")
    print(f"of which alpha: {alpha_best:.2f} s ({100 * alpha_best / best:.0f}%); alpha overall "
          f"{report['overall']['alpha']['labels']:.3f}")


if __name__ == "__main__":
    main()
