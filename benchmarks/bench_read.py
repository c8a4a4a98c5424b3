"""How fast `attrib annotate` reads its inputs, and in how much memory: the same generated documents as JSON
Lines, as a JSON array (.json) and as Parquet, each read in a fresh process by documents.iter_documents (what
annotate reads before spaCy sees anything).

Linux only (the peak is read from /proc). Each document is about 500 characters of words, quotation marks and an emoji. The same is measured on a tenth
of the documents: memory that does not grow with the file shows as two equal peaks.

    .venv/bin/python benchmarks/bench_read.py                  # 100,000 documents (~60 MB a file)
    .venv/bin/python benchmarks/bench_read.py --documents 10000
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

# the peak from VmHWM, which starts anew at exec (ru_maxrss keeps the forked parent's)
PEAK = "int(dict(l.split(':', 1) for l in open('/proc/self/status'))['VmHWM'].split()[0]) / 1024"
CHILD = f"""
import sys, time
from attrib.documents import iter_documents
started = time.perf_counter()
count = sum(1 for _ in iter_documents([sys.argv[1]], print))
print(count, time.perf_counter() - started, {PEAK})
"""
WORDS = ("the", "minister", "said", "“we will not wait,”", "officials", "told", "reporters", "on", "Monday", "🙂")


def write_inputs(folder: Path, documents: int) -> list[Path]:
    rng = random.Random(0)
    docs = [{"id": f"d{n}", "text": " ".join(rng.choice(WORDS) for _ in range(80))} for n in range(documents)]
    jsonl, array, parquet = folder / "docs.jsonl", folder / "docs.json", folder / "docs.parquet"
    jsonl.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    array.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    paths = [jsonl, array]
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        print("pyarrow is not installed: Parquet left out (pip install 'attrib[parquet]')")
    else:
        pq.write_table(pa.Table.from_pylist(docs), parquet, row_group_size=10_000)
        paths.append(parquet)
    return paths


def read_in_child(path: Path) -> tuple[int, float, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True)
    count, seconds, peak = done.stdout.split()
    return int(count), float(seconds), float(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    args = parser.parse_args()
    baseline = subprocess.run([sys.executable, "-c", f"import attrib.documents; print({PEAK})"],
                              capture_output=True, text=True, check=True)
    print(f"a process that imports attrib.documents alone: peak {float(baseline.stdout):.0f} MB")
    for documents in (args.documents // 10, args.documents):
        with tempfile.TemporaryDirectory() as tmp:
            for path in write_inputs(Path(tmp), documents):
                count, seconds, peak = read_in_child(path)
                assert count == documents, (path, count)
                print(f"{path.suffix:<9} {documents:>8,} documents ({path.stat().st_size / 2**20:6.1f} MB): "
                      f"{seconds:6.2f} s, {count / seconds:>9,.0f} documents/s, peak {peak:.0f} MB")


if __name__ == "__main__":
    main()
