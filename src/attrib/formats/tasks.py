"""Label Studio tasks: records as the JSON array `attrib labelstudio tasks` writes, to import by hand.

Each task holds the record's text, id and meta in `data` and its attributions as one prediction
(lsjson.convert.record_to_task); every task is validated before anything is written.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..jsonio import atomic_write
from ..lsjson.convert import acyclic, model_version, record_to_task
from ..records import by_id
from ..validation import check_tasks
from ..validation.gate import gate


def write_tasks(records: list[dict], output: str | Path, version: str | None = None) -> int:
    """Records -> a JSON array of tasks (prediction `version`, default from the records), validated first.

    Each task is encoded by json.dumps (C) on its own: json.dump of the whole list encodes in Python,
    several times slower; the bytes are the same.
    """
    by_id(records, "the records")  # the id is what makes a push safe to re-run: one document, one task
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
