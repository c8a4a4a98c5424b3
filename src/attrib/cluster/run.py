"""`attrib annotate --cluster`: plan the partitions, scan them, annotate those not done yet, write the manifest.

Two passes over the inputs, both on the workers. The scan hashes each partition and counts its lines,
which gives every partition the number of its first line (so ids and messages are those of a local run)
and tells which parts a previous run already made from the same bytes. The annotate pass then runs only
the partitions left. A worker that dies takes its running partitions with it; the scheduler runs them
again elsewhere, and since a partition always becomes the same part by rename, each document ends up
exactly once. The manifest is written last and only when every partition has its part.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .. import __version__
from ..errors import ClusterError, InputError, OutputError
from ..jsonsafe import MAX_DEPTH, max_depth
from ..locks import one_at_a_time
from .inputs import ErrorHandler, Partition, plan
from .parts import MANIFEST, PART_FILE, RECEIPT_FILE, RECEIPTS, Folder, repeated_ids
from .plugin import PipelineLoader
from .worker import annotate_partition, scan_partition

Progress = Callable[[int, int], None]  # (partitions done, partitions in all)


@dataclass
class Planned:
    """A run checked before any cluster is asked for: its output folder, partitions (of at most `partition_bytes`)
    and pipeline."""

    folder: Folder
    partitions: list[Partition]
    partition_bytes: int
    model: str | None


def plan_run(inputs: list[str], out: str, on_error: ErrorHandler, partition_bytes: int = 1 << 20,
             model: str | None = None) -> Planned:
    """The partitions of `inputs` and the folder `out`, checked on this machine: an input that does not exist (or
    stdin) stops the run before the folder is touched (InputError), and so does a folder that holds an input or a file
    no run writes (OutputError), before a cluster starts; `on_error` hears about inputs that cannot be read."""
    folder = Folder(out)
    if model and Path(model).exists():
        model = str(Path(model).resolve())  # a pipeline folder: workers may run elsewhere (on a shared file system)
    missing: list[InputError] = []
    partitions = plan(inputs, partition_bytes, on_error, on_missing=missing.append)
    if missing:  # a re-run with a mistyped input deleted that input's finished parts (as another run's), exit 0
        more = f" (and {len(missing) - 1} more missing inputs)" if len(missing) > 1 else ""
        raise InputError(f"{missing[0].args[0]}{more}: nothing in {out} was changed (a cluster run keeps the parts of "
                         "its own inputs only, so a missing one would lose its finished parts)")
    inside = next((p.name for p in partitions for url in ([p.url] if p.url else [f[0] for f in p.files])
                   if url == folder.location or url.startswith(folder.location + "/")), None)
    if inside is not None:  # a part-like name among them would be deleted as another run's part
        raise OutputError(f"{out}: holds the input {inside}: write the parts into another folder")
    folder.check()
    return Planned(folder, partitions, partition_bytes, model)


def annotate_on_cluster(client, planned: Planned, *, fmt: str = "jsonl", batch_size: int | None = None,
                        force: bool = False, strict: bool = False,
                        progress: Progress | None = None) -> tuple[dict, list[str]]:
    """Annotate the `planned` run (plan_run) on the cluster of `client`; (the manifest, the skipped documents'
    messages in input order). The manifest is written only when the run annotated a document; with `strict`, the
    first document that cannot be read stops the run with its InputError."""
    started, clock = datetime.now(timezone.utc), time.perf_counter()
    progress = progress or (lambda done, total: None)
    folder = planned.folder
    with one_at_a_time("cluster", folder.location, wait=False) as alone:
        if not alone:  # each run's clean-up would delete the other's parts, and its manifest list parts since gone
            raise ClusterError(f"{folder.url}: another run on this machine is writing there: wait for it to end, or "
                               "write elsewhere")
        return _run(client, planned.partitions, folder, planned.model, fmt, planned.partition_bytes, batch_size, force,
                    strict, progress, started, clock)


def _run(client, partitions: list[Partition], folder: Folder, model: str | None, fmt: str, partition_bytes: int,
         batch_size: int | None, force: bool, strict: bool, progress: Progress, started: datetime, clock: float
         ) -> tuple[dict, list[str]]:
    from distributed import as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    folder.prepare()
    folder.remove(MANIFEST)  # the folder is about to change: no manifest may describe it until it is whole again
    client.register_plugin(PipelineLoader(model))
    settings = {"out_url": folder.location, "model": model, "fmt": fmt}
    scanning = client.map(scan_partition, partitions, force=force, pure=False, **settings)
    try:
        scans = client.gather(scanning)
    except BaseException:  # Ctrl-C: the scans still queued are not run
        client.cancel(scanning)
        raise
    firsts = _first_lines(partitions, [s["scan"].lines for s in scans])
    receipts = {i: s["receipt"] for i, s in enumerate(scans) if s["receipt"] and _same_run(s["receipt"], partitions[i],
                                                                                           firsts[i])}
    progress(len(receipts), len(partitions))
    futures = {client.submit(annotate_partition, partitions[i], firsts[i], scans[i]["scan"].sha256, folder.location,
                             model, fmt, batch_size, strict, max_depth.get(), pure=False): i
               for i in range(len(partitions)) if i not in receipts}
    written = len(futures)
    try:
        for future in as_completed(futures):
            receipts[futures[future]] = future.result()
            progress(len(receipts), len(partitions))
    except BaseException as exc:
        client.cancel(list(futures))
        if isinstance(exc, KilledWorker):
            raise ClusterError(f"a partition killed the workers that ran it, again and again (out of memory? try a "
                               f"smaller --partition-size): {exc}") from None
        if isinstance(exc, FutureCancelledError):
            raise ClusterError("the cluster cancelled the run (its scheduler stopped?)") from None
        raise
    ordered = [receipts[i] for i in range(len(partitions))]
    _remove_stale(folder, ordered)
    folder.remove_temporaries()
    workers = len(client.scheduler_info().get("workers", {}))
    manifest = _manifest(partitions, scans, ordered, fmt, partition_bytes, written, workers, started,
                         time.perf_counter() - clock)
    repeated = repeated_ids(ordered)  # a local run warns of them (p/x.txt and q/x.txt are both "x")
    if repeated:
        manifest["repeated_ids"] = {"documents": len(repeated), "first": repeated[0][2]}
    if manifest["counts"]["documents"]:  # a run of no document is no finished run: merge finds nothing to join
        folder.write_json(MANIFEST, manifest)
    return manifest, [message for receipt in ordered for message in receipt["skipped"]]


def _same_run(receipt: dict, partition: Partition, first: int) -> bool:
    """Whether a done part's records are what this run would write: its ids and messages name the input as given and
    count lines from the partition's first (a line split earlier in the file moves it with the same bytes here), and
    a document too deep then may not be now (--max-depth)."""
    return (receipt.get("input"), receipt.get("first_line"), receipt.get("max_depth", MAX_DEPTH)) == (
        partition.name, first, max_depth.get())


def _first_lines(partitions: list[Partition], lines: list[int]) -> list[int]:
    """The number of each partition's first line (row) within its input, counted from 1."""
    firsts, running, current = [], 1, None
    for partition, count in zip(partitions, lines):
        if partition.input != current:
            running, current = 1, partition.input
        firsts.append(running)
        running += count
    return firsts


def _remove_stale(folder: Folder, receipts: list[dict]) -> None:
    """Parts and receipts of an earlier run that this run did not make (other inputs, partition size or format)."""
    keep = {r["file"] for r in receipts}
    for path in folder.fs.ls(folder.path, detail=False):
        name = path.rstrip("/").rsplit("/", 1)[-1]
        if PART_FILE.fullmatch(name) and name not in keep:
            folder.fs.rm(path)
    parts = {r["part"] for r in receipts}
    for path in folder.fs.glob(folder.at(f"{RECEIPTS}/*.json")):
        name = path.rsplit("/", 1)[-1]
        if RECEIPT_FILE.fullmatch(name) and name.removesuffix(".json") not in parts:
            folder.fs.rm(path)


def _manifest(partitions: list[Partition], scans: list[dict], receipts: list[dict], fmt: str, partition_bytes: int,
              written: int, workers: int, started: datetime, seconds: float) -> dict:
    inputs: dict[int, dict] = {}
    for partition, scan in zip(partitions, scans):
        entry = inputs.setdefault(partition.input, {"name": partition.name, "kind": partition.kind, "bytes": 0,
                                                    "partitions": 0, "sha256": hashlib.sha256()})
        entry["bytes"] += scan["scan"].bytes
        entry["partitions"] += 1
        entry["sha256"].update(scan["scan"].sha256.encode())
    for entry in inputs.values():
        entry["sha256"] = entry["sha256"].hexdigest()
    keys = ("part", "file", "input", "partition", "input_sha256", "first_line", "sha256", "bytes", "documents",
            "attributions")
    parts = [{**{key: r[key] for key in keys}, "skipped": len(r["skipped"])} for r in receipts]
    generator = receipts[0]["generator"] if receipts else {"attrib": __version__, "model": None}
    return {
        "attrib": generator["attrib"], "model": generator["model"], "format": fmt,
        "started": started.isoformat(timespec="seconds"), "duration_s": round(seconds, 3), "workers": workers,
        "partition_bytes": partition_bytes,
        "inputs": list(inputs.values()),  # sha256: of the input's partition hashes, in order
        "counts": {"documents": sum(p["documents"] for p in parts), "attributions": sum(p["attributions"] for p in parts),
                   "skipped": sum(p["skipped"] for p in parts), "parts": len(parts), "parts_written": written,
                   "parts_resumed": len(parts) - written},
        "parts": parts,
    }
