"""Files damaged as disks and copies damage them, for the readers' tests."""

from __future__ import annotations

from pathlib import Path


def damaged_parquet(path: Path) -> Path:
    """A Parquet file whose footer reads but whose second row group's pages do not (2,000 bytes zeroed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = "The mayor said the road was closed."
    table = pa.table({"id": [f"d{i}" for i in range(3000)], "text": [text] * 3000, "attributions": [[]] * 3000})
    pq.write_table(table, path, row_group_size=1000, use_dictionary=False, compression="snappy")
    data = bytearray(path.read_bytes())
    middle = len(data) * 2 // 3
    data[middle:middle + 2000] = bytes(2000)
    path.write_bytes(data)
    return path
