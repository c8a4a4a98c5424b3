"""What `attrib export` reads: attrib records (JSONL, gold format too) or a Label Studio JSON export.

Both are streamed. Each exported task is validated (as `attrib validate` does) and goes through the
gate before it is converted, so a broken export stops with the first error and its location instead
of becoming a broken dataset; each record is checked against the record schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..errors import InputError
from ..lsjson.convert import export_records
from ..validation import detect
from ..validation.gate import checked_export, checked_records


def read_input(path: str | Path, choose: str = "each") -> Iterator[dict]:
    """attrib records from `path`: a records JSONL file as is, a Label Studio export converted
    (`choose` as in lsjson.convert.task_records)."""
    path = Path(path)
    kind = detect(path)
    if kind == "records":
        return checked_records([path])
    if kind == "export":
        return export_records(checked_export(str(path)), choose)
    raise InputError(f"{path}: holds tasks to import, not an export: export the project from Label Studio "
                     "(`attrib labelstudio pull`) and export that")
