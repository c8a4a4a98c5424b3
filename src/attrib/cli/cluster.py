"""`attrib annotate --cluster` (called by the annotate command) and `attrib merge`: Dask, only when asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..counts import amount
from ..errors import InputError, NothingToDoError, OutputError, message_line, shorten
from ..jsonio import JSONL_SUFFIXES, PARQUET_SUFFIXES, atomic_write
from .annotate import skip_or_stop, warn_repeated_ids
from .app import app, count_columns, progress_bar


MIN_PARTITION_BYTES = 1000  # 1kB


def annotate_on_cluster(address: str, inputs: list[str], output: str, *, model: Optional[str], fmt: str,
                        partition_size: str, batch_size: int | None, n_process: int, force: bool, strict: bool) -> None:
    """The cluster branch of `attrib annotate`: connect, print the dashboard, run with a bar over partitions."""
    from ..cluster import require

    if output == "-":
        raise typer.BadParameter("--cluster writes a folder of parts: name it with -o OUT_DIR", param_hint="--output")
    if n_process > 1:
        raise typer.BadParameter("a cluster runs one process per worker: use more workers", param_hint="--n-process")

    require()
    from dask.utils import parse_bytes

    from ..cluster.connect import connect
    from ..cluster.run import annotate_on_cluster as run, plan_run

    try:  # parse_bytes reads "" and "kB" as 1 and 1000 bytes: a size has digits
        partition_bytes = parse_bytes(partition_size) if any(c.isdigit() for c in partition_size) else None
    except (ValueError, TypeError):
        partition_bytes = None
    if partition_bytes is None:
        raise typer.BadParameter(f"{partition_size!r} is not a size (e.g. 1MiB, 500kB)", param_hint="--partition-size")
    if partition_bytes < MIN_PARTITION_BYTES:  # smaller than a document: most parts would be empty files
        raise typer.BadParameter(f"must be at least 1kB ({partition_bytes} bytes is less than most documents: most parts "
                                 "would be empty)", param_hint="--partition-size")
    missing: list[InputError] = []  # inputs that do not exist; unreadable documents come back from the workers
    on_error = skip_or_stop(strict, missing)
    planned = plan_run(inputs, output, on_error, partition_bytes, model)  # before a cluster is asked for
    with connect(address) as client:
        workers = len(client.scheduler_info().get("workers", {}))
        typer.echo(f"attrib: cluster {address}: {amount(workers, 'worker')}, dashboard {client.dashboard_link}", err=True)
        with progress_bar(*count_columns("parts")) as bar:
            task = bar.add_task("annotating", total=None) if bar else None
            progress = (lambda done, total: bar.update(task, completed=done, total=total)) if bar else None
            manifest, skipped = run(client, planned, fmt=fmt, batch_size=batch_size, force=force, strict=strict,
                                    progress=progress)
    for message in skipped:
        typer.echo(f"attrib: skipped: {message_line(message)}", err=True)
    counts = manifest["counts"]
    typer.echo(f"annotated {amount(counts['documents'], 'document')}, {amount(counts['attributions'], 'attribution')}, "
               f"{counts['skipped'] + len(missing)} skipped -> {output} ({amount(counts['parts'], 'part')}: "
               f"{counts['parts_written']} written, {counts['parts_resumed']} resumed; {manifest['duration_s']:.1f} s)",
               err=True)
    if "repeated_ids" in manifest:  # as a local run warns of them
        warn_repeated_ids(manifest["repeated_ids"]["documents"], manifest["repeated_ids"]["first"])
    if not counts["documents"]:  # as a local run: nothing to work on is said, and no manifest says the run finished
        named = shorten(", ".join(inputs), 200)
        skipped_all = counts["skipped"] + len(missing)
        why = f"no document could be read ({skipped_all} skipped)" if skipped_all else "no document in it"
        raise NothingToDoError(f"{named}: {why}: no manifest written")


@app.command()
def merge(
    folder: str = typer.Argument(..., help="The output folder of `attrib annotate --cluster` (a path or an fsspec URL)."),
    output: str = typer.Option("-", "--output", "-o", help="The one file to write (atomically); - for stdout."),
) -> None:
    """Merge the parts of a finished cluster run into one file, in input order, each part checked against the manifest.

    JSONL parts give the records of a local run, byte for byte; Parquet parts give one Parquet file.
    A part whose bytes differ from the manifest stops the merge (nothing is written, to a file or to stdout).

    Example: attrib merge out/archive.parts -o out/archive.records.jsonl
    """
    from ..cluster import require

    require()
    from ..cluster.inputs import is_url
    from ..cluster.parts import FORMATS, Folder, manifest_of, merge_parts, merges_into_itself

    if output != "-" and not is_url(folder) and merges_into_itself(folder, output):
        raise OutputError(f"{output}: is inside {folder}, the folder being merged, or a file one of its parts links "
                          "to (a part written over is a part lost); write the merged file elsewhere")
    fmt = manifest_of(Folder(folder)).get("format", "jsonl")
    suffix = Path(output).suffix.lower()
    named = "parquet" if suffix in PARQUET_SUFFIXES else "jsonl" if suffix in JSONL_SUFFIXES else fmt
    if output != "-" and named != fmt:  # Parquet bytes in a .jsonl file: every reader then says "not UTF-8"
        raise OutputError(f"{output}: the parts are {fmt}, and so is the merged file: name it {FORMATS[fmt]}")

    with atomic_write(output, "wb", parquet=fmt == "parquet") as handle:
        manifest = merge_parts(folder, handle)
    counts = manifest["counts"]
    where = "" if output == "-" else f" -> {output}"
    typer.echo(f"merged {amount(counts['parts'], 'part')}, {amount(counts['documents'], 'document')}{where}", err=True)
