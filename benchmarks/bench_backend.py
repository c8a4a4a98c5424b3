"""Benchmark: `attrib backend` against the in-process annotator and `attrib annotate`.

Articles of exactly --words words (700 by default) are cut from the texts of CORPUS (attrib records, gold
JSONL or JSONL with a text field; whitespace kept; short documents are joined with the next). Three
measures, each against a real backend process (started here on a free loopback port):

1. latency: the median time of POST /predict with one article, seen by a client (HTTP included),
   against the median in-process annotation time of the same article (annotate_documents, one document
   a call, the same pipeline), over --latency articles after a warm-up, the two timed in turns article by
   article (the machine's load then weighs on both alike); the bar is in-process + 50 ms. The backend's
   own time (its Server-Timing header) splits the difference into drafting and HTTP;
2. retrieve: a local Label Studio (started here, data in a temporary folder) with the backend connected,
   --retrieve raw tasks imported, its data manager action "Retrieve predictions" on all of them, timed
   (Label Studio sends them in one /predict and stores the predictions), against `attrib annotate` of
   the same texts as a whole process (what a user runs; the mean of a run before and one after the
   retrieve), with the in-process annotation time beside it; the bar is 1.2x `attrib annotate`;
3. memory: the backend's resident memory (VmRSS) every 100 of --requests predict requests (one article
   each, cycling through the articles); flat means the last sample is within 5% of the one after the first
   100 requests.

    .venv/bin/python benchmarks/bench_backend.py ../shared/data/polnear-dev.gold.jsonl
    .venv/bin/python benchmarks/bench_backend.py ../shared/data/polnear-dev.gold.jsonl --requests 200 --retrieve 50
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from attrib.annotate import annotate_documents, load_pipeline
from attrib.backend import serve
from attrib.documents import Document
from attrib.labelstudio import server, studio
from attrib.labelstudio.mlbackend import connect_backend
from attrib.labelstudio.projects import push
from attrib.records import iter_records

ATTRIB = str(Path(sys.executable).parent / "attrib")
WORD = re.compile(r"\S+")


def articles(corpus: Path, words: int, limit: int) -> list[str]:
    """Texts of exactly `words` words cut from the corpus in order, whitespace as it is."""
    out, pending = [], ""
    for record in iter_records([corpus]):
        pending = f"{pending}\n\n{record['text']}" if pending else record["text"]
        while True:
            ends = [m.end() for m in WORD.finditer(pending)]
            if len(ends) < words:
                break
            out.append(pending[: ends[words - 1]])
            pending = pending[ends[words - 1]:].lstrip()
            if len(out) == limit:
                return out
    if not out:
        raise SystemExit(f"{corpus}: fewer than {words} words in all")
    return [out[i % len(out)] for i in range(limit)]  # a small corpus: its articles again


def in_process_seconds(texts: list[str]) -> list[float]:
    nlp = load_pipeline()
    seconds = []
    for i, text in enumerate(texts):
        t0 = time.perf_counter()
        list(annotate_documents(nlp, [Document(str(i), text)]))
        seconds.append(time.perf_counter() - t0)
    return seconds


def predict_seconds(http: httpx.Client, texts: list[str]) -> list[tuple[float, float]]:
    """(seconds seen by the client, seconds the backend spent drafting) per request of one text."""
    seconds = []
    for i, text in enumerate(texts):
        t0 = time.perf_counter()
        answer = http.post("/predict", json={"tasks": [{"id": i, "data": {"text": text}}]})
        seen = time.perf_counter() - t0
        answer.raise_for_status()
        seconds.append((seen, float(answer.headers["server-timing"].partition("dur=")[2]) / 1000))
    return seconds


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status)[1]) / 1024


def latency(http: httpx.Client, texts: list[str]) -> None:
    in_process_seconds(texts[:1]), predict_seconds(http, texts[:1])  # warm-up
    local, remote, drafting = [], [], []
    for text in texts:  # in turns
        local += in_process_seconds([text])
        (seen, own), = predict_seconds(http, [text])
        remote.append(seen)
        drafting.append(own)
    ms = lambda values: statistics.median(values) * 1000  # noqa: E731
    verdict = "met" if ms(remote) <= ms(local) + 50 else "NOT met"
    print(f"latency, {len(texts)} articles: /predict median {ms(remote):.1f} ms (the backend drafting {ms(drafting):.1f} ms) "
          f"vs in-process annotation {ms(local):.1f} ms: +{ms(remote) - ms(local):.1f} ms (bar: +50 ms, {verdict}); "
          f"median of the paired differences {ms([r - l for r, l in zip(remote, local)]):+.1f} ms")


def annotate_seconds(texts: list[str], work: Path) -> float:
    """`attrib annotate` of the texts as a whole process."""
    corpus = work / "texts.jsonl"
    corpus.write_text("".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts)), encoding="utf-8")
    t0 = time.perf_counter()
    subprocess.run([ATTRIB, "annotate", str(corpus), "-o", str(work / "out.jsonl")], check=True, capture_output=True)
    return time.perf_counter() - t0


def retrieve(url: str, texts: list[str], work: Path) -> None:
    annotate_before = annotate_seconds(texts, work)
    local, created, started = studio.up(work / "studio")
    try:
        client = local.client()
        project_id = push(client, [], "bench backend").project_id
        connect_backend(client, project_id, url)
        task_ids = client.import_tasks(project_id, [{"text": t} for t in texts])
        t0 = time.perf_counter()
        answer = client._http("POST", "api/dm/actions", "retrieving predictions", params={
            "id": "retrieve_tasks_predictions", "project": project_id}, json={"selectedItems": {"all": False, "included": task_ids}})
        retrieved = time.perf_counter() - t0
        drafted = sum(bool(t["predictions"]) for t in client.tasks(project_id, predictions=True))
    finally:
        studio.down(work / "studio")
    in_process = sum(in_process_seconds(texts))
    annotate = (annotate_before + annotate_seconds(texts, work)) / 2
    verdict = "met" if retrieved <= 1.2 * annotate else "NOT met"
    drafting = re.findall(rf"predict: {len(texts)} tasks drafted by \S+ in ([\d.]+) s", (work / "backend" / serve.LOG).read_text())
    print(f"retrieve, {len(texts)} tasks: {retrieved:.2f} s (the backend drafting {drafting[-1]} s of it; {answer['detail']}; "
          f"{drafted} tasks hold a prediction) vs "
          f"`attrib annotate` as a process {annotate:.2f} s = {retrieved / annotate:.2f}x (bar: 1.2x, {verdict}); "
          f"in-process annotation of the same texts {in_process:.2f} s = {retrieved / in_process:.2f}x")


def memory(http: httpx.Client, pid: int, texts: list[str], requests: int) -> None:
    samples = []
    for i in range(requests):
        http.post("/predict", json={"tasks": [{"id": i, "data": {"text": texts[i % len(texts)]}}]}).raise_for_status()
        if (i + 1) % 100 == 0:
            samples.append(rss_mib(pid))
    growth = samples[-1] / samples[0] - 1
    verdict = "flat" if abs(growth) <= 0.05 else "NOT flat"
    print(f"memory over {requests} predict requests: {samples[0]:.0f} MiB after 100, {samples[-1]:.0f} MiB at the end, "
          f"max {max(samples):.0f} MiB ({growth:+.1%}, {verdict}); every 100: {' '.join(f'{s:.0f}' for s in samples)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--words", type=int, default=700)
    parser.add_argument("--latency", type=int, default=50, help="articles timed for the latency")
    parser.add_argument("--retrieve", type=int, default=200, help="tasks of the retrieve (0: skip)")
    parser.add_argument("--requests", type=int, default=2000, help="predict requests of the memory check (0: skip)")
    args = parser.parse_args()
    texts = articles(args.corpus, args.words, max(args.latency, args.retrieve, 100))
    work = Path(tempfile.mkdtemp(prefix="bench-backend-"))
    port = server.free_port()
    url = f"http://127.0.0.1:{port}"
    process = serve.start(work / "backend", "rules", port)
    try:
        serve.wait_ready(url, process, work / "backend")
        with httpx.Client(base_url=url, timeout=300) as http:
            latency(http, texts[: args.latency])
            if args.retrieve:
                retrieve(url, texts[: args.retrieve], work)
            if args.requests:
                memory(http, process.pid, texts, args.requests)
    finally:
        server.stop(process.pid)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
