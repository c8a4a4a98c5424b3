"""Time and peak memory of `attrib export` per format, on generated records.

    .venv/bin/python benchmarks/bench_export.py --records 100000 --workdir /tmp/attrib-bench

Generates N attrib records (invented news-like text, three attributions each: a direct quote, a
reported clause and a discontinuous quote), writes them as JSONL, then exports that file to every
format, each in a fresh process, and prints a Markdown table: wall time, records per second, peak
resident memory (ru_maxrss), its growth over the process after imports, and the output size.
"Read only" is the floor: reading the records as `attrib export` does (each against the record schema)
without writing anything.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

NAMES = ["Ana Silva", "Tom Okafor", "Mei Chen", "Lars Berg", "Rosa Díaz", "Omar Haddad", "Kirsten Holm", "Jae-won Park"]
ORGS = ["the transport ministry", "the city council", "a union spokesperson", "the central bank", "hospital officials"]
QUOTES = ["We will not back down", "The numbers speak for themselves", "Nobody saw this coming",
          "It is a good day for the region 🌍", "This plan is dead on arrival", "We need more time"]
CLAUSES = ["the budget would be balanced by spring", "fares were likely to rise next year",
           "the bridge had been closed for safety checks", "talks would resume after the holiday",
           "the café\u0301 owners had not been consulted", "turnout was higher than expected"]


def _fragment(text: str, start: int, sub: str) -> dict:
    return {"start": start, "end": start + len(sub), "text": sub}


def generate(n: int, seed: int = 7) -> Iterator[dict]:
    """N records, each about 500 characters with three attributions (one discontinuous)."""
    rng = random.Random(seed)
    for i in range(n):
        who, other, org = rng.choice(NAMES), rng.choice(NAMES), rng.choice(ORGS)
        quote, quote2, clause, clause2 = rng.choice(QUOTES), rng.choice(QUOTES), rng.choice(CLAUSES), rng.choice(CLAUSES)
        parts = [f"Report {i}: a busy week in the capital.\r\n", f"“{quote},” ", who, " ", "said", " on Monday. ",
                 org.capitalize(), " ", "announced", " that ", clause, ". Observers were divided. ",
                 f"“{quote2},” ", other, " ", "told", " reporters, ", f"“and {clause2}.”", "\r\nMore later."]
        starts, text = [], ""
        for part in parts:
            starts.append(len(text))
            text += part
        frag = lambda k: _fragment(text, starts[k], parts[k])  # noqa: E731
        attributions = [
            {"id": "a0", "kind": "direct", "confidence": 0.9, "source": [frag(2)], "cue": [frag(4)], "content": [frag(1)],
             "source_entity": None},
            {"id": "a1", "kind": "indirect", "confidence": 0.7, "source": [frag(6)], "cue": [frag(8)],
             "content": [frag(10)], "source_entity": None},
            {"id": "a2", "kind": "direct", "confidence": 0.8, "source": [frag(13)], "cue": [frag(15)],
             "content": [frag(12), frag(17)], "source_entity": None},
        ]
        yield {"id": f"bench-{i:06d}", "text": text, "meta": {"n": i}, "attributions": attributions}


def _child(fmt: str, source: Path, out: Path) -> None:
    """Run one export in this process and print its figures as JSON."""
    from attrib.formats import FORMATS, export, writer
    from attrib.formats.inputs import read_input

    if fmt in FORMATS:
        writer(fmt)  # import the format's module (spaCy, pyarrow) before the baseline
        if fmt in ("conll", "spacy"):
            from attrib.formats.tokens import pipeline
            pipeline()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if fmt == "read":
        count = sum(1 for _ in read_input(source))
    else:
        count = export(read_input(source), fmt, out)["documents"]  # as `attrib export` reads: each record checked
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"format": fmt, "records": count, "seconds": seconds, "baseline_kb": baseline, "peak_kb": peak}))


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/attrib-bench"))
    parser.add_argument("--formats", default="read,jsonl,brat,conll,spacy,parquet")
    parser.add_argument("--child", nargs=3, metavar=("FORMAT", "SOURCE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return

    from attrib.formats.jsonl import write_records

    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    source = args.workdir / "records.jsonl"
    write_records(generate(args.records), source)
    print(f"{args.records} records, {source.stat().st_size / 1e6:.0f} MB of JSONL\n")
    print("| format | seconds | records/s | peak RSS MB | growth MB | output MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for fmt in args.formats.split(","):
        out = args.workdir / f"out.{fmt}"
        run = subprocess.run([sys.executable, __file__, "--child", fmt, str(source), str(out)],
                             capture_output=True, text=True, check=True)
        r = json.loads(run.stdout.strip().splitlines()[-1])
        print(f"| {fmt} | {r['seconds']:.1f} | {r['records'] / r['seconds']:,.0f} | {r['peak_kb'] / 1024:.0f} | "
              f"{(r['peak_kb'] - r['baseline_kb']) / 1024:.0f} | {_size(out) / 1e6:.0f} |", flush=True)


if __name__ == "__main__":
    main()
