"""Annotation speed and memory: attrib against a bare nlp.pipe of the same pipeline, in one run.

    python benchmarks/bench_annotate.py ../shared/data/polnear-dev.gold.jsonl [--rounds 3]

1. Throughput: the same texts through (a) the bare pipeline, `nlp.pipe` with the attribution component
   disabled, and (b) attrib's `annotate_documents` (component + record building). Rounds alternate
   a and b; the best round of each counts. Words are spaCy tokens that are not whitespace.
2. Memory: peak RSS of a fresh process annotating 1,000 and then 10,000 documents (the corpus's
   paragraphs, cycled), writing records to /dev/null: flat if streaming holds; and of a fresh process
   annotating one document of --long-chars characters on one line (the corpus's texts joined and repeated):
   a long document is cut into 20,000-character chunks, and a batch holds at most 20,000 characters.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from attrib.annotate import annotate_documents, load_pipeline
from attrib.documents import BATCH_SIZE, Document
from attrib.records import iter_records


def texts_of(path: str) -> list[str]:
    return [r["text"] for r in iter_records([path])]


def words(nlp, texts: list[str]) -> int:
    return sum(1 for doc in nlp.tokenizer.pipe(texts) for t in doc if not t.is_space)


def bare(nlp, texts: list[str]) -> float:
    start = time.perf_counter()
    with nlp.select_pipes(disable=["attribution"]):
        for _ in nlp.pipe(texts, batch_size=BATCH_SIZE):
            pass
    return time.perf_counter() - start


def attrib(nlp, texts: list[str]) -> float:
    start = time.perf_counter()
    for _ in annotate_documents(nlp, (Document(str(i), t) for i, t in enumerate(texts))):
        pass
    return time.perf_counter() - start


def memory_child(path: str, count: int, long_chars: int, batch_size: int) -> None:
    """Annotate `count` paragraph documents (or, with `long_chars`, one document that long), print peak RSS in MB."""
    if long_chars:
        text = " ".join(t.replace("\n", " ") for t in texts_of(path))
        docs = iter([Document("long", (text * (long_chars // len(text) + 1))[:long_chars])])
    else:
        paragraphs = [p for t in texts_of(path) for p in t.split("\n\n") if p.strip()]
        docs = (Document(str(i), paragraphs[i % len(paragraphs)]) for i in range(count))
    nlp = load_pipeline()
    with open("/dev/null", "w") as sink:
        for record in annotate_documents(nlp, docs, batch_size=batch_size):
            sink.write(json.dumps(record))
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def peak(path: str, count: int = 0, long_chars: int = 0, batch_size: int = BATCH_SIZE) -> float:
    command = [sys.executable, __file__, path, "--memory-child", str(count), "--long-chars", str(long_chars),
               "--batch-size", str(batch_size)]
    return float(subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="JSONL with texts (records or gold), e.g. ../shared/data/polnear-dev.gold.jsonl")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--long-chars", type=int, default=1_170_000, help="characters of the one long document")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child is not None:
        memory_child(args.corpus, args.memory_child, args.long_chars, args.batch_size)
        return
    texts = texts_of(args.corpus)
    nlp = load_pipeline()
    n_words = words(nlp, texts)
    bare(nlp, texts[:5]), attrib(nlp, texts[:5])  # warm up
    bare_times, attrib_times = [], []
    for _ in range(args.rounds):
        bare_times.append(bare(nlp, texts))
        attrib_times.append(attrib(nlp, texts))
    b, a = n_words / min(bare_times), n_words / min(attrib_times)
    print(f"corpus: {len(texts)} documents, {n_words} words, pipeline {nlp.meta['name']}-{nlp.meta['version']}")
    print(f"bare nlp.pipe : {b:9.0f} words/s  (best of {args.rounds}: {min(bare_times):.2f} s)")
    print(f"attrib        : {a:9.0f} words/s  (best of {args.rounds}: {min(attrib_times):.2f} s)")
    print(f"attrib keeps {100 * a / b:.1f}% of the bare parse's throughput")
    for count in (1000, 10000):
        print(f"peak RSS annotating {count:6d} documents: {peak(args.corpus, count):.0f} MB")
    print(f"peak RSS annotating one document of {args.long_chars:,} characters:"
          f" {peak(args.corpus, long_chars=args.long_chars):.0f} MB")


if __name__ == "__main__":
    main()
