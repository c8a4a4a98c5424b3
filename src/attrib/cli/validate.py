"""`attrib validate`: argument parsing, the progress bar and the choice of report; the checks are the library's."""

from __future__ import annotations

import contextlib
from enum import Enum
from pathlib import Path

import typer
from rich.progress import BarColumn, TaskProgressColumn, TextColumn, TimeRemainingColumn

from ..documents import URL
from ..jsonio import atomic_write, refuse_overwriting
from ..validation import DOCUMENT_KINDS, validate_path
from ..validation.report import JsonReport, Summary, format_text
from .app import app, progress_bar, typed

Kind = Enum("Kind", {kind: kind for kind in DOCUMENT_KINDS}, type=str)
Format = Enum("Format", {"text": "text", "json": "json"}, type=str)


class _Counter:
    """Documents read per file, shown on a rich progress bar when stderr is a terminal."""

    def __init__(self, bar) -> None:
        self.bar = bar
        self.documents = 0

    def for_file(self, name: str):
        task = self.bar.add_task(name, total=1.0) if self.bar else None

        def progress(count: int, fraction: float | None) -> None:
            self.documents += 1
            if task is not None and count % 64 == 1:
                if fraction is None:  # JSON Lines: the documents are counted, the size is not followed
                    self.bar.update(task, total=None, description=f"{name} ({count})")
                else:
                    self.bar.update(task, completed=fraction, description=f"{name} ({count})")

        return progress


@app.command("validate")
def validate_command(
    ctx: typer.Context,
    files: list[str] = typer.Argument(..., help="Files to check: tasks (JSON array), a Label Studio JSON export, "
                                                "attrib records (JSONL or Parquet), or folders of parts "
                                                "(attrib annotate --cluster; a path or an fsspec URL)."),
    as_: Kind = typer.Option(None, "--as", help="What the files are (default: told by each file's first document)."),
    fmt: Format = typer.Option(Format.text, "--format",
                               help="text: grouped and counted, for people; json: every finding, for machines."),
    as_json: bool = typer.Option(False, "--json", help="--format json, as `eval` and `agreement` say it."),
    limit: int = typer.Option(None, "--limit", min=0,
                              help="Findings shown per code (default: 10 in text, all in JSON)."),
    output: Path = typer.Option(None, "--output", "-o", help="Write the report here (default: standard output)."),
    cluster: str = typer.Option(None, "--cluster", help="Validate folders of parts on Dask: local:N, a scheduler address "
                                                       "(tcp://host:8786) or a scheduler file (*.json)."),
) -> int:
    """Check tasks, Label Studio exports or attrib records against attrib's JSON Schemas and their text.

    Reports every schema error and every problem of meaning (offsets, labels, relations, attributions,
    annotations, duplicate documents) with its code, file, task, annotation, region and JSON path.
    A folder is the output of `attrib annotate --cluster`: its parts are checked against its manifest and
    validated (on the cluster with --cluster), in the same report.
    Exit status: 0 clean (warnings allowed), 1 errors found, 2 a file cannot be read at all.

    Example: attrib validate out/seed.export.json --limit 3
    """
    if as_json and typed(ctx, "fmt"):  # `--json --format text` printed JSON
        raise typer.BadParameter("give --json or --format, not both", param_hint="--json")
    if as_json:
        fmt = Format.json
    if output is not None:
        refuse_overwriting(output, [name for name in files if not URL.match(name)])
    kind = None if as_ is None else as_.value
    shown = 10 if limit is None and fmt is Format.text else limit
    with contextlib.ExitStack() as stack:
        checks = _folder_checks(files, kind, shown)
        client = _client(stack, cluster, bool(checks))
        bar = stack.enter_context(progress_bar(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                                               TimeRemainingColumn()))
        counter = _Counter(bar)
        streams = [checks[name].findings(client) if name in checks  # unreadable: stop now
                   else validate_path(name, kind, counter.for_file(Path(name).name)) for name in files]
        with atomic_write(output or "-") as out:
            report = JsonReport(out, limit) if fmt is Format.json else None
            summary = report.summary if report else Summary(shown)
            for stream in streams:
                for finding in stream:
                    (report or summary).add(finding)
            for check in checks.values():
                summary.counts.update(check.more)  # findings past the limit, counted on the workers
            documents = counter.documents + sum(check.documents for check in checks.values())
            if report is not None:
                report.close(documents, [str(p) for p in files])
            else:
                if bar is not None:
                    bar.stop()
                parts = sum(len(check.parts) for check in checks.values())
                out.write(format_text(summary, documents, len(files) - len(checks) + parts))
    return 1 if summary.errors else 0


def _folder_checks(files: list[str], kind: str | None, limit: int | None) -> dict:
    """A FolderCheck for each folder among `files` (the parts of a cluster run, a URL too: `s3://…` was read as the
    local path `s3:/…`); this reads their manifests."""
    folders = [name for name in files if URL.match(name) or _is_dir(Path(name))]
    if not folders:
        return {}
    from ..cluster import require

    require()
    from ..cluster.check import FolderCheck

    return {name: FolderCheck(name, kind, limit) for name in folders}


def _is_dir(path: Path) -> bool:
    """A folder we can look into; what cannot even be looked at is left to the file reader, which says why."""
    try:
        return path.is_dir()
    except OSError:
        return False


def _client(stack: contextlib.ExitStack, cluster: str | None, has_folders: bool):
    """The Dask client for --cluster (closed with `stack`), None without it."""
    if cluster is None:
        return None
    if not has_folders:
        raise typer.BadParameter("--cluster validates folders of parts (the output of annotate --cluster)",
                                 param_hint="--cluster")
    from ..cluster.connect import connect

    client = stack.enter_context(connect(cluster))
    typer.echo(f"attrib: cluster {cluster}: dashboard {client.dashboard_link}", err=True)
    return client
