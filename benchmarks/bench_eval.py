"""`attrib eval` as a whole process, on a corpus and on one document of many equal attributions.

    python benchmarks/bench_eval.py ../shared/data/polnear-dev.gold.jsonl --equal 500,1000 --disjoint 20000 \
        --nested 1000

Each figure is the median wall time of --rounds runs of `attrib eval GOLD GOLD` in a fresh process (command start
included), with the run's peak resident memory (the child's ru_maxrss, which starts from this small process's size
at the fork). The equal case is the worst one for pairing: every gold attribution overlaps every predicted one (a
faulty system that drafts one attribution many times). In the nested case each content holds the next (every pair
overlaps, no two alike); in the disjoint one none overlaps. Past a million overlapping pairs in one document (1,001
equal or nested attributions) eval refuses the document (evaluate.MAX_PAIRS).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from attrib.records import fragment


def equal_attributions(n: int) -> dict:
    text = "The minister said that taxes will fall. " * 3
    one = {"kind": "indirect", "source": [fragment(text, 0, 12)], "cue": [fragment(text, 13, 17)],
           "content": [fragment(text, 18, 38)], "source_entity": None}
    return {"id": "equal", "text": text, "attributions": [{"id": f"a{i}", **one} for i in range(n)]}


def disjoint_attributions(n: int) -> dict:
    sentence = "He said it rains. "
    text = sentence * n
    at = lambda s, e: [fragment(text, s, e)]  # noqa: E731
    return {"id": "disjoint", "text": text, "attributions": [
        {"id": f"a{i}", "kind": "indirect", "source": at(b, b + 2), "cue": at(b + 3, b + 7), "content": at(b + 8, b + 16),
         "source_entity": None} for i, b in ((i, i * len(sentence)) for i in range(n))]}


def nested_attributions(n: int) -> dict:
    text = "x " * n + "He said it rains." + " y" * n
    middle = 2 * n
    return {"id": "nested", "text": text, "attributions": [
        {"id": f"a{i}", "kind": "indirect", "source": [fragment(text, middle, middle + 2)],
         "cue": [fragment(text, middle + 3, middle + 7)], "content": [fragment(text, 2 * i, len(text) - 2 * i)],
         "source_entity": None} for i in range(n)]}


def timed(path: Path, rounds: int) -> tuple[float, float]:
    """Median seconds and the largest peak RSS (MB) of `attrib eval path path`, each run's own (os.wait4)."""
    attrib = shutil.which("attrib") or str(Path(sys.executable).with_name("attrib"))
    seconds, peak = [], 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        child = subprocess.Popen([attrib, "eval", str(path), str(path)], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        seconds.append(time.perf_counter() - started)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"attrib eval {path} {path} failed")
        peak = max(peak, usage.ru_maxrss / 1024)
    return statistics.median(seconds), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", help="Gold JSONL to score against itself (e.g. PolNeAR dev).")
    parser.add_argument("--equal", default="500,1000", help="Sizes of the one-document case.")
    parser.add_argument("--disjoint", default="", help="Sizes of the disjoint case.")
    parser.add_argument("--nested", default="", help="Sizes of the nested case.")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.corpus:
            results["corpus"] = dict(zip(("seconds", "peak_mb"), timed(Path(args.corpus), args.rounds)))
        shapes = (("equal", equal_attributions), ("disjoint", disjoint_attributions), ("nested", nested_attributions))
        for name, make in shapes:
            for n in (int(size) for size in getattr(args, name).split(",") if size):
                path = Path(tmp) / f"{name}{n}.jsonl"
                path.write_text(json.dumps(make(n)) + "\n", encoding="utf-8")
                results[f"{name}_{n}"] = dict(zip(("seconds", "peak_mb"), timed(path, args.rounds)))
    print(json.dumps({k: {m: round(v, 2) for m, v in r.items()} for k, r in results.items()}, indent=1))


if __name__ == "__main__":
    main()
