"""`attrib eval` as a whole process, on a corpus and on one document of many equal attributions.

    python benchmarks/bench_eval.py ../shared/data/polnear-dev.gold.jsonl --equal 500,1000,2000

Each figure is the median wall time of --rounds runs of `attrib eval GOLD GOLD` in a fresh process (command start
included), with the run's peak resident memory (the child's ru_maxrss). The equal case is the worst one for pairing:
every gold attribution overlaps every predicted one (a faulty system that drafts one attribution many times).
"""

from __future__ import annotations

import argparse
import json
import resource
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


def timed(path: Path, rounds: int) -> tuple[float, float]:
    """Median seconds and the largest peak RSS (MB) of `attrib eval path path`."""
    attrib = shutil.which("attrib") or str(Path(sys.executable).with_name("attrib"))
    seconds, peak = [], 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run([attrib, "eval", str(path), str(path)], check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)  # the largest child so far
    return statistics.median(seconds), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", help="Gold JSONL to score against itself (e.g. PolNeAR dev).")
    parser.add_argument("--equal", default="500,1000,2000", help="Sizes of the one-document case.")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.corpus:
            results["corpus"] = dict(zip(("seconds", "peak_mb"), timed(Path(args.corpus), args.rounds)))
        for n in map(int, args.equal.split(",")):
            path = Path(tmp) / f"equal{n}.jsonl"
            path.write_text(json.dumps(equal_attributions(n)) + "\n", encoding="utf-8")
            results[f"equal_{n}"] = dict(zip(("seconds", "peak_mb"), timed(path, args.rounds)))
    print(json.dumps({k: {m: round(v, 2) for m, v in r.items()} for k, r in results.items()}, indent=1))


if __name__ == "__main__":
    main()
