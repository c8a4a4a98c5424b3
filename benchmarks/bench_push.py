"""Benchmark: push N pre-annotated documents to a local Label Studio, then push them again.

Starts its own server (a temporary data dir from the migrated template) unless --url is given
(token from LABEL_STUDIO_API_KEY). The documents are the bundled example record, repeated under new
ids: ~3,200 characters and 11 attributions (40-odd regions and relations) each. Reports tasks per
second and where the time goes: waiting for the server vs. attrib's own (conversion, validation).
With --gate, no server: the documents are converted as a push converts them and only the
validation gate (check_tasks) is timed, best of three.

    .venv/bin/python benchmarks/bench_push.py --n 10000
    .venv/bin/python benchmarks/bench_push.py --n 10000 --gate
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

from attrib.labelstudio import server
from attrib.labelstudio.client import Client
from attrib.lsjson.convert import record_to_task
from attrib.labelstudio.projects import push
from attrib.lsjson.convert import acyclic
from attrib.records import iter_records
from attrib.validation import check_tasks

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT.parent / "shared" / "examples" / "seed.gold.jsonl"


def documents(n: int) -> list[dict]:
    (seed,) = iter_records([EXAMPLE])
    return [{**seed, "id": f"bench-{i:06d}", "meta": {"n": i}} for i in range(n)]


def run(client: Client, n: int, batch: int) -> None:
    records = documents(n)
    title = f"bench {n} {time.strftime('%H%M%S')}"
    for label in ("push", "re-push"):
        t0 = time.perf_counter()
        report = push(client, records, title, "attrib-bench", batch=batch)
        total = time.perf_counter() - t0
        own = total - report.server_seconds
        print(f"{label}: {n} documents, batch {batch}: {report.imported} imported, {report.skipped} skipped in "
              f"{total:.1f} s = {n / total:,.0f} documents/s; waiting for the server {report.server_seconds:.1f} s, "
              f"attrib's own {own:.1f} s (validating {report.check_seconds:.1f} s, the rest converting)")


def gate(n: int) -> None:
    """Time the validation gate alone on the tasks a push of `n` documents sends."""
    with acyclic():
        tasks = [record_to_task(record, "attrib-bench") for record in documents(n)]
    first, *again = (_seconds(lambda: list(check_tasks(tasks, "tasks"))) for _ in range(3))
    best = min(again)
    print(f"gate: {n} tasks checked in {best:.2f} s = {n / best:,.0f} tasks/s ({best / n * 1000:.3f} ms a task); "
          f"the first time {first:.2f} s, as in a push (the cycle collector goes through the new tasks then)")


def _seconds(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--url", help="an existing server (token from LABEL_STUDIO_API_KEY); default: start one")
    parser.add_argument("--gate", action="store_true", help="time only the validation gate (no server)")
    args = parser.parse_args()
    if args.gate:
        gate(args.n)
        return
    if args.url:
        run(Client(args.url, os.environ.get("LABEL_STUDIO_API_KEY", ""), timeout=600), args.n, args.batch)
        return
    with local_server() as (url, token):
        run(Client(url, token, timeout=600), args.n, args.batch)


@contextlib.contextmanager
def local_server() -> Iterator[tuple[str, str]]:
    """A throw-away Label Studio (a temporary data dir from the migrated template): its URL and token."""
    with tempfile.TemporaryDirectory(prefix="attrib-bench-") as tmp:
        data_dir = Path(tmp)
        server.prepare(data_dir)
        login = server.Login("bench@localhost", "bench-password", "bench-token-0123456789")
        port = server.free_port()
        process = server.start(data_dir, port, login, data_dir / "label-studio.log")
        try:
            url = f"http://127.0.0.1:{port}"
            server.wait_ready(url, login.token, process.pid, data_dir / "label-studio.log")
            yield url, login.token
        finally:
            server.stop(process.pid)


if __name__ == "__main__":
    sys.exit(main())
