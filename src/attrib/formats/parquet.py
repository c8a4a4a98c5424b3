"""`parquet`: one row per record, attributions as nested columns; pandas, pyarrow, DuckDB and
Hugging Face `datasets` (`load_dataset("parquet", data_files=...)`) read it as is.

    import pyarrow.parquet as pq
    rows = pq.read_table("dataset.parquet").to_pylist()   # or pandas.read_parquet

Columns: `id`, `text`, `attributions` (list of structs with `id`, `kind`, `confidence`, `source`, `cue`,
`content` (lists of {start, end, text}), `source_entity`, `source_type`), and `meta`, `generator`,
`provenance` as JSON strings (free-form objects have no fixed columns). Keeps everything the record
schema defines; attribution keys outside it are dropped. Streamed: rows go out in row groups of 1,000.
Needs pyarrow (`pip install 'attrib[parquet]'`; Label Studio installs it too).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from ..errors import OutputError
from ..jsonio import atomic_write
from ..lines import JSON_COLUMNS  # what the reader parses back, so the two never drift apart

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError:
    raise OutputError("the parquet format needs pyarrow: pip install 'attrib[parquet]'") from None

ROWS_PER_GROUP = 1000

FRAGMENT = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("text", pa.string())])
ATTRIBUTION = pa.struct([
    ("id", pa.string()),
    ("kind", pa.string()),
    ("confidence", pa.float64()),
    ("source", pa.list_(FRAGMENT)),
    ("cue", pa.list_(FRAGMENT)),
    ("content", pa.list_(FRAGMENT)),
    ("source_entity", FRAGMENT),
    ("source_type", pa.string()),
])
SCHEMA = pa.schema([
    ("id", pa.string()),
    ("text", pa.string()),
    ("attributions", pa.list_(ATTRIBUTION)),
    ("meta", pa.string()),
    ("generator", pa.string()),
    ("provenance", pa.string()),
])


def _row(record: dict) -> dict:
    row = {"id": record["id"], "text": record["text"], "attributions": record.get("attributions") or []}
    for key in JSON_COLUMNS:
        value = record.get(key)
        row[key] = None if value is None else json.dumps(value, ensure_ascii=False)
    return row


def write(records: Iterable[dict], out: Path) -> list[Path]:
    """Stream `records` to one Parquet file, a row group per 1,000 records."""
    with atomic_write(out, "wb", parquet=True) as handle, pq.ParquetWriter(handle, SCHEMA) as parquet:
        batch: list[dict] = []
        for record in records:
            batch.append(_row(record))
            if len(batch) == ROWS_PER_GROUP:
                parquet.write_table(pa.Table.from_pylist(batch, schema=SCHEMA))
                batch = []
        if batch:
            parquet.write_table(pa.Table.from_pylist(batch, schema=SCHEMA))
    return [out]
