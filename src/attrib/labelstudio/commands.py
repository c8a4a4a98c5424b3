"""What the `attrib labelstudio` commands do, as library calls: the CLI only parses arguments.

Reading and writing files (atomically), connecting with the URL and token the user gave, and the
validation gate (gate.py) before anything is written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO

from ..errors import LabelStudioError
from ..jsonio import atomic_write, dumps_line, iter_json_array, open_binary
from ..validation import check_records, check_tasks, validate_path
from .client import Client
from .convert import export_records, record_to_task
from .gate import gate
from .push import PushReport, acyclic, model_version
from .studio import connect as studio_connect

__all__ = ["connect", "pull", "summary", "write_records", "write_tasks"]


def connect(url: str | None, studio_dir: Path | None) -> Client:
    """A client for `--studio DIR` (URL and token from there) or `--url` with LABEL_STUDIO_API_KEY."""
    if studio_dir is not None and url is None:
        return studio_connect(studio_dir).client()
    if url is None:
        raise LabelStudioError("no Label Studio URL: pass --url or set LABEL_STUDIO_URL "
                               "(or --studio DIR for a server `attrib studio` started)")
    return Client(url, os.environ.get("LABEL_STUDIO_API_KEY", ""))


def write_tasks(records: list[dict], output: str | Path, version: str | None) -> int:
    """Records -> a JSON array of tasks to import, validated before it is written.

    The cycle collector stays paused through the check too (acyclic): collecting the heap of new
    tasks added a second to 10,000 of them. Each task is encoded by json.dumps (C) on its own; json.dump
    encodes in Python, 5 s of 8 for 10,000 documents. The bytes are json.dump's.
    """
    version = version or model_version(records)
    with acyclic():
        tasks = [record_to_task(record, version) for record in records]
        gate(check_tasks(tasks, str(output)))
    with atomic_write(output) as out:
        out.write("[")
        for i, task in enumerate(tasks):
            out.write((", " if i else "") + json.dumps(task, ensure_ascii=False))
        out.write("]\n")
    return len(tasks)


def summary(report: PushReport, title: str) -> str:
    made = "created" if report.created else "found"
    own = report.total_seconds - report.server_seconds
    return (f"project {title!r} (id {report.project_id}) {made}: {report.imported} imported, {report.updated} updated, "
            f"{report.skipped} already there ({report.total_seconds:.1f} s, {own:.1f} s of it attrib's own)")


def pull(client: Client, title: str, out: IO[bytes]) -> int:
    project = client.project(title)
    client.export(project["id"], out)
    return project["id"]


def write_records(export: str | Path, output: str | Path, choose: str) -> int:
    """Export -> records JSONL; both the export and the records must pass validation.

    The records are made and checked with the cycle collector paused (acyclic), as tasks are.
    """
    gate(validate_path(export, "export"))
    with open_binary(export) as handle, acyclic():
        records = list(export_records(iter_json_array(handle, export), choose))
        gate(check_records(records, str(output)))
    with atomic_write(output) as out:
        for record in records:
            out.write(dumps_line(record))
    return len(records)
