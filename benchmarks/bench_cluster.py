"""`attrib annotate --cluster` against one local process and `--n-process`, memory per worker, and the cost model.

    python benchmarks/bench_cluster.py ../shared/data/polnear-train.gold.jsonl ../shared/data/polnear-dev.gold.jsonl [--rounds 3]

1. Throughput, as whole processes (what a user waits for, start-up included), on the articles of the first
   corpus: `attrib annotate` in one process, with `--n-process N`, and with `--cluster local:N` (N = --workers,
   default 2), and N plain processes at once on 1/N of the articles each (no coordination: what N processes of
   this machine can do at that moment); also the cluster run's own time from its manifest (without starting the cluster), and the CPU
   seconds of each run with all its processes (on a shared machine, the overhead that wall time cannot show).
   The merged parts are checked to be the one-process output, byte for byte. With --rounds R, R rounds, each in
   another order, and the medians of the in-round ratios: on a host shared with other machines the speed of a
   core drifts (one process's CPU seconds for the same work varied by 25% between runs), and only runs close
   in time compare.
2. Memory: for 1,000 and then 20,000 documents (the paragraphs of all corpora, cycled, the 1,000 longest first,
   so that the batch that sets a peak is in both runs), a fresh `local:N` cluster started here (as `--cluster
   local:N` starts it) runs `attrib annotate --cluster tcp://...`; the peak RSS of each worker's child (where the
   pipeline runs), its RSS at the end, and the peak of each worker process.
3. Cost model: words per second per core of the cluster run, and the time for a 10-million-article archive of
   six billion words on 64 such cores; from wall time (the run's own time over N cores) and from CPU time (what
   a core gives when it is not shared: the figure that holds on a busy machine).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_annotate import texts_of, words

from attrib.annotate import load_pipeline

ATTRIB = str(Path(sys.executable).parent / "attrib")
ARCHIVE_WORDS, ARCHIVE_CORES = 6e9, 64


def write_documents(path: Path, texts: list[str]) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        for number, text in enumerate(texts):
            out.write(json.dumps({"id": f"doc{number}", "text": text}, ensure_ascii=False) + "\n")
    return path


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def attrib(*args: object) -> tuple[float, float]:
    """Wall seconds for `attrib ARGS` as a whole process, and the CPU seconds of it and all its processes
    (workers included: they are its children, joined before it exits)."""
    cpu, start = children_cpu(), time.perf_counter()
    subprocess.run([ATTRIB, *map(str, args)], check=True, capture_output=True)
    return time.perf_counter() - start, children_cpu() - cpu


def split_processes(texts: list[str], n: int, scratch: Path) -> tuple[float, float]:
    """Wall and CPU seconds of N plain `attrib annotate` processes at once, each on every N-th text: what N
    processes of this machine can do at this moment with no coordination at all (on a shared machine, the
    reference that wall-time ratios against one process cannot give)."""
    paths = [write_documents(scratch / f"split-{k}.jsonl", texts[k::n]) for k in range(n)]
    cpu, start = children_cpu(), time.perf_counter()
    runs = [subprocess.Popen([ATTRIB, "annotate", path, "-o", path.with_suffix(".records.jsonl")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for path in paths]
    if any(run.wait() for run in runs):
        raise SystemExit("a split process failed")
    return time.perf_counter() - start, children_cpu() - cpu


def rss_mb(pid: int) -> tuple[float, float]:
    """(peak, current) resident memory of process `pid`, MB (its VmHWM and VmRSS)."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(status["VmHWM"].split()[0]) / 1024, int(status["VmRSS"].split()[0]) / 1024


def worker_memory(documents: Path, out: Path, workers: int) -> list[tuple[float, float, float, float]]:
    """(peak, current) RSS in MB of each worker of a fresh `local:N` cluster after it annotated `documents`,
    for its process and then for its child (where the pipeline runs; attrib.cluster.child)."""
    from attrib.cluster.child import child
    from attrib.cluster.connect import connect

    with connect(f"local:{workers}") as client:  # what --cluster local:N starts, kept here to ask its workers after
        attrib("annotate", documents, "-o", out, "--cluster", client.scheduler.address)  # workers: not its children
        pids = client.run(lambda: (os.getpid(), child().pid)).values()
        return sorted((*rss_mb(worker), *rss_mb(annotator)) for worker, annotator in pids)


def archive(per_core: float) -> str:
    """The cost model at `per_core` words/s per core: the 10-million-article archive on ARCHIVE_CORES cores."""
    hours = ARCHIVE_WORDS / (per_core * ARCHIVE_CORES) / 3600
    return (f"{per_core:.0f} words/s per core; 10M articles ({ARCHIVE_WORDS:.0e} words) on {ARCHIVE_CORES} cores: "
            f"{hours:.1f} h ({ARCHIVE_WORDS / per_core / 86400:.1f} core-days)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", help="JSONL with texts; the first one's articles measure throughput")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--articles", type=int, help="use only the first N articles for throughput")
    parser.add_argument("--sizes", default="1000,20000", help="documents for the memory runs ('' for none)")
    parser.add_argument("--rounds", type=int, default=1, help="throughput rounds, each in another order (medians)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    articles = texts_of(args.corpora[0])[: args.articles]
    nlp = load_pipeline()
    n_words = words(nlp, articles)
    documents = write_documents(scratch / "articles.jsonl", articles)
    n = args.workers
    kinds = {"one process": ("annotate", documents, "-o", scratch / "one.jsonl"),
             f"--n-process {n}": ("annotate", documents, "-o", scratch / "several.jsonl", "--n-process", n),
             f"--cluster local:{n}": ("annotate", documents, "-o", scratch / "parts", "--cluster", f"local:{n}", "--force")}
    split_name = f"{n} processes, 1/{n} each"
    names = [*kinds, split_name]
    rounds: list[dict[str, tuple[float, float]]] = []
    in_run = []
    for number in range(args.rounds):  # each round in another order: a slow spell of a shared host hits all kinds
        order = names[number % len(names):] + names[: number % len(names)]
        runs = {name: split_processes(articles, n, scratch) if name == split_name else attrib(*kinds[name])
                for name in order}
        rounds.append(runs)
        in_run.append(json.loads((scratch / "parts" / "_SUCCESS.json").read_text(encoding="utf-8"))["duration_s"])
    attrib("merge", scratch / "parts", "-o", scratch / "merged.jsonl")
    same = (scratch / "merged.jsonl").read_bytes() == (scratch / "one.jsonl").read_bytes()
    print(f"corpus: {len(articles)} articles, {n_words} words; {n} workers; merged parts = one-process output: {same}")
    cluster_name, several_name = f"--cluster local:{n}", f"--n-process {n}"
    for number, runs in enumerate(rounds, 1):
        one = runs["one process"]
        print(f"round {number} of {args.rounds}, whole processes (start-up included):")
        for name, (seconds, cpu) in runs.items():
            print(f"  {name:22} {seconds:7.1f} s  {n_words / seconds:8.0f} words/s  {one[0] / seconds:5.2f}x one process"
                  f"   CPU {cpu:7.1f} s ({cpu / one[1]:.2f}x one process's)")
    ratio = lambda a, b: statistics.median(r[a][0] / r[b][0] for r in rounds)  # noqa: E731 - b's throughput / a's
    print(f"median over {args.rounds} rounds of the in-round ratios:")
    print(f"  --cluster local:{n}: {ratio('one process', cluster_name):.2f}x one process's throughput; "
          f"--n-process {n}: {ratio('one process', several_name):.2f}x; {split_name}: {ratio('one process', split_name):.2f}x")
    print(f"  --cluster local:{n} / --n-process {n}: {ratio(several_name, cluster_name):.2f} of its throughput")
    print(f"  --cluster local:{n} / {split_name}: {ratio(split_name, cluster_name):.2f} of their throughput")
    own, cpu = statistics.median(in_run), statistics.median(r[cluster_name][1] for r in rounds)
    print(f"cluster run's own time (manifest, cluster start excluded), median: {own:.1f} s, {n_words / own:.0f} words/s")
    print(f"cost model, wall time (the run's own time / {n} cores): {archive(n_words / own / n)}")
    print(f"cost model, CPU time (all the cluster run's processes, start-up included): {archive(n_words / cpu)}")
    if not args.sizes:
        return
    paragraphs = [p for corpus in args.corpora for t in texts_of(corpus) for p in t.split("\n\n") if p.strip()]
    sizes = [int(size) for size in args.sizes.split(",")]
    longest = set(sorted(range(len(paragraphs)), key=lambda i: -len(paragraphs[i]))[: sizes[0]])
    paragraphs = [paragraphs[i] for i in sorted(longest)] + [p for i, p in enumerate(paragraphs) if i not in longest]
    for size in sizes:  # the smallest run holds the longest paragraphs too: a peak set by one batch is in every run
        docs = write_documents(scratch / f"paragraphs-{size}.jsonl", [paragraphs[i % len(paragraphs)] for i in range(size)])
        memory = worker_memory(docs, scratch / f"parts-{size}", n)
        print(f"RSS per worker's child, {size:6d} documents: peak " + ", ".join(f"{m[2]:.0f}" for m in memory)
              + " MB; at the end " + ", ".join(f"{m[3]:.0f}" for m in memory) + " MB; the worker processes: peak "
              + ", ".join(f"{m[0]:.0f}" for m in memory) + " MB")


if __name__ == "__main__":
    main()
