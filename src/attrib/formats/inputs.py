"""What `attrib export` reads: attrib records (JSONL, gold format too) or a Label Studio JSON export.

Both are streamed. Each exported task is validated (validation.Checker, as `attrib validate` does)
and goes through the Label Studio gate before it is converted, so a broken export stops with the
first error and its location instead of becoming a broken dataset.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..errors import InputError
from ..jsonio import iter_json_array, open_binary
from ..labelstudio.convert import task_records
from ..labelstudio.gate import gate
from ..records import iter_records
from ..validation import detect
from ..validation.checks import Checker
from ..validation.findings import Where


def _tasks(path: Path) -> Iterator[tuple[Where, dict]]:
    with open_binary(path) as handle:
        for index, task in enumerate(iter_json_array(handle, path)):
            yield Where(str(path), f"$[{index}]"), task


def checked_tasks(path: str | Path) -> Iterator[dict]:
    """The tasks of a Label Studio JSON export, each validated before it is handed on."""
    checker = Checker("export")
    for where, task in _tasks(Path(path)):
        gate(checker.check(where, task))
        yield task


def export_records(path: Path, choose: str = "each") -> Iterator[dict]:
    """Records from a Label Studio JSON export, each task checked first; `choose` as in task_records."""
    for task in checked_tasks(path):
        yield from task_records(task, choose)


def read_input(path: str | Path, choose: str = "each") -> Iterator[dict]:
    """attrib records from `path`: a records JSONL file as is, a Label Studio export converted."""
    path = Path(path)
    kind = detect(path)
    if kind == "records":
        return iter_records([path])
    if kind == "export":
        return export_records(path, choose)
    raise InputError(f"{path}: holds tasks to import, not an export: export the project from Label Studio "
                     "(`attrib labelstudio pull`) and export that")
