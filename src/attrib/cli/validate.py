"""`attrib validate`: argument parsing, the progress bar and the choice of report; the checks are the library's."""

from __future__ import annotations

from pathlib import Path

from enum import Enum

import typer
from rich.progress import BarColumn, TaskProgressColumn, TextColumn, TimeRemainingColumn

from ..jsonio import atomic_write
from ..validation import DOCUMENT_KINDS, validate_path
from ..validation.report import JsonReport, Summary, format_text
from .app import app, progress_bar

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
    files: list[Path] = typer.Argument(..., help="Files to check: tasks (JSON array), a Label Studio JSON export, "
                                                 "or attrib records (JSONL)."),
    as_: Kind = typer.Option(None, "--as", help="What the files are (default: told by each file's first document)."),
    fmt: Format = typer.Option(Format.text, "--format",
                               help="text: grouped and counted, for people; json: every finding, for machines."),
    limit: int = typer.Option(None, "--limit", min=0,
                              help="Findings shown per code (default: 10 in text, all in JSON)."),
    output: Path = typer.Option(None, "--output", "-o", help="Write the report here (default: standard output)."),
) -> int:
    """Check tasks, Label Studio exports or attrib records against attrib's JSON Schemas and their text.

    Reports every schema error and every problem of meaning (offsets, labels, relations, attributions,
    annotations, duplicate documents) with its code, file, task, annotation, region and JSON path.
    Exit status: 0 clean (warnings allowed), 1 errors found, 2 a file cannot be read at all.

    Example: attrib validate out/seed.export.json --limit 3
    """
    with progress_bar(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn()) as bar:
        counter = _Counter(bar)
        kind = None if as_ is None else as_.value
        streams = [validate_path(path, kind, counter.for_file(path.name)) for path in files]  # unreadable: stop now
        with atomic_write(output or "-") as out:
            if fmt is Format.json:
                report = JsonReport(out, limit)
                for stream in streams:
                    for finding in stream:
                        report.add(finding)
                report.close(counter.documents, map(str, files))
                summary = report.summary
            else:
                summary = Summary(10 if limit is None else limit)
                for stream in streams:
                    for finding in stream:
                        summary.add(finding)
                if bar is not None:
                    bar.stop()
                out.write(format_text(summary, counter.documents, len(files)))
    return 1 if summary.errors else 0
