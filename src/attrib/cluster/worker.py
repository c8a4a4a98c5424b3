"""What runs on the workers: the three tasks (scan, annotate, validate a part).

Tasks are plain functions of plain values (a Partition, the output folder's URL), so Dask can run a
task again on another worker when one dies: annotating a partition twice writes the same part twice,
by rename, never a second copy of its documents. Whatever needs the spaCy pipeline runs in the worker's
single-threaded child (attrib.cluster.child), one partition at a time.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from ..annotate import annotate_documents, generator_of as pipeline_generator, load_pipeline
from ..errors import InputError
from ..jsonsafe import max_depth
from ..validation import Finding, validate_path
from ..validation.findings import Where
from ..validation.report import Summary
from . import inputs
from .child import child
from .inputs import Partition, is_remote
from .parts import FORMATS, Folder, done_receipt, receipt_name, sha256_file, write_records


def generator_of(model: str | None) -> dict:
    """In the child: the attrib version and the pipeline's name, as records name them (loads the pipeline)."""
    return pipeline_generator(load_pipeline(model))


def scan_partition(partition: Partition, out_url: str, model: str | None, fmt: str, force: bool) -> dict:
    """The partition's hash and lines, and the receipt of its part when that part is already done."""
    scan = inputs.scan(partition)
    receipt = None if force else done_receipt(Folder(out_url), partition.part, scan.sha256,
                                              child().call(generator_of, model), fmt)
    return {"scan": scan, "receipt": receipt}


def annotate_partition(partition: Partition, first: int, input_sha256: str, out_url: str, model: str | None,
                       fmt: str, batch_size: int | None, strict: bool, depth: int) -> dict:
    """Annotate one partition into its part, in this worker's child; the part's receipt."""
    return child().call(write_part, partition, first, input_sha256, out_url, model, fmt, batch_size, strict, depth)


def write_part(partition: Partition, first: int, input_sha256: str, out_url: str, model: str | None,
               fmt: str, batch_size: int | None, strict: bool, depth: int) -> dict:
    """In the child: annotate one partition into its part (temporary name, then rename), then write its receipt;
    documents nested deeper than `depth` (the client's --max-depth) are refused as a local run refuses them."""
    max_depth.set(depth)
    skipped: list[str] = []

    def on_error(exc: InputError) -> None:
        if strict:
            raise exc
        skipped.append(str(exc))

    nlp = load_pipeline(model)
    folder = Folder(out_url)
    file = partition.part + FORMATS[fmt]
    local = folder.staging(file)
    try:
        with nlp.memory_zone():  # strings and lexemes the partition adds to the vocab are freed after it
            records = annotate_documents(nlp, inputs.documents(partition, first, on_error), batch_size)
            ids, attributions = write_records(records, local, fmt)
        receipt = {"part": partition.part, "file": file, "format": fmt, "input": partition.name,
                   "partition": partition.index, "input_sha256": input_sha256, "first_line": first,
                   "sha256": sha256_file(local), "bytes": local.stat().st_size, "documents": len(ids), "ids": ids,
                   "attributions": attributions, "skipped": skipped, "generator": generator_of(model),
                   "max_depth": depth}
    except BaseException:
        local.unlink(missing_ok=True)
        raise
    folder.publish(local, file)
    folder.write_json(receipt_name(partition.part), receipt)
    return receipt


def validate_part(out_url: str, file: str, shown: str, kind: str | None, limit: int | None, depth: int) -> dict:
    """Validate one part: the documents read, the findings to show (at most `limit` a code) and how many
    more of each code there were. Findings name the part as `shown`; `depth` is the client's --max-depth."""
    max_depth.set(depth)
    folder = Folder(out_url)
    count = [0]

    def progress(documents: int, fraction: float | None) -> None:
        count[0] = documents

    summary = Summary(limit)
    with tempfile.TemporaryDirectory() as scratch:
        local = Path(scratch) / f"part{Path(file).suffix}"  # JSONL or Parquet: the reader goes by the suffix
        if is_remote(folder.fs):
            folder.fs.get_file(folder.at(file), str(local))
        else:
            local = Path(folder.at(file))
        findings = _readable(local, kind, progress, shown) if local.stat().st_size else ()  # a part may hold none
        shown_findings = [replace(f, file=shown) for f in findings if summary.add(f)]
    more = summary.counts - Counter(f.code for f in shown_findings)
    return {"documents": count[0], "findings": shown_findings, "more": dict(more), "sha256": folder.sha256(file)}


def _readable(local: Path, kind: str | None, progress, shown: str) -> Iterator[Finding]:
    """The findings of a part; one that cannot be read from its first line is a finding too (V002), not the end of
    the folder's report: the manifest's check says V801 beside it."""
    try:
        yield from validate_path(local, kind, progress)
    except InputError as exc:
        yield Where(file=shown).finding("V002", f"cannot be read: {exc.args[0]}")
