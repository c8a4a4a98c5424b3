"""Files of JSON objects, one a line: JSON Lines, and Parquet files read as the JSON Lines they stand for.

attrib writes records as JSONL, or as Parquet (`attrib export -f parquet`, `annotate --cluster --format
parquet`): one row a record, `meta`, `generator` and `provenance` as JSON strings, every attribution with
every key (None where a record has none). Read back, a row is the object its JSONL line holds, named
`file.parquet:ROW` (rows counted from 1, as lines are), its JSON strings parsed under the limits a JSONL
line has; so every command that reads records, and annotate, reads both. Rows are turned into Python
objects PARQUET_BATCH at a time, fewer where rows are wide (batch_rows); pyarrow is imported only for a Parquet file
(the `parquet` extra).
"""

from __future__ import annotations

import datetime
import decimal
import json
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import IO, Any, Iterator

from .counts import amount
from .errors import InputError, shorten
from .jsonio import PARQUET_SUFFIXES, JsonLine, iter_jsonl, open_binary
from .jsonsafe import Decoder, Problem, json_path, max_depth, problems_in

JSON_COLUMNS = ("meta", "generator", "provenance")  # JSON strings in attrib's own Parquet (formats.parquet writes them)
PARQUET_BATCH = 1024  # the most rows turned into Python objects at once (pyarrow's default, 65,536, held ~250 MB more)
PARQUET_BATCH_BYTES = 16 * 1024 * 1024  # and about the most bytes, by the row groups' sizes unpacked


def is_parquet(path: str | Path) -> bool:
    return PurePosixPath(str(path)).suffix.lower() in PARQUET_SUFFIXES


def iter_lines(path: str | Path) -> Iterator[JsonLine]:
    """The objects of a JSON Lines file (jsonio.iter_jsonl), or the rows of a Parquet file as such objects."""
    if not is_parquet(path):
        yield from iter_jsonl(path)
        return
    with open_binary(path) as handle:
        yield from parquet_lines(handle, str(path))


def parquet_lines(handle: IO[bytes], name: str, row_groups: range | None = None, first: int = 1) -> Iterator[JsonLine]:
    """The rows of the Parquet file read from `handle` (of `row_groups`, all by default) as JsonLines, the
    first numbered `first`. InputError when pyarrow is missing or the bytes are not Parquet."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(f"{name}: reading Parquet needs pyarrow: pip install 'attrib[parquet]'") from None
    try:
        parquet = pq.ParquetFile(handle)
        groups = range(parquet.num_row_groups) if row_groups is None else row_groups
        if stored := _dictionary_columns(parquet.metadata, parquet.schema_arrow, groups):  # read as they are stored: a
            # value repeated down the rows, once (the footer already read is handed on, not read again)
            handle.seek(0)
            parquet = pq.ParquetFile(handle, metadata=parquet.metadata, read_dictionary=stored)
    except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
        raise InputError(f"{name}: not a Parquet file ({str(exc).splitlines()[0]})") from None
    if twice := sorted(column for column, n in Counter(parquet.schema_arrow.names).items() if n > 1):  # a row's object
        # would keep the last
        raise InputError(f"{name}: {amount(len(twice), 'column')} named twice ({', '.join(map(repr, twice))}): a row "
                         "would keep one of each, as a JSON object with a key given twice (V007): name them apart")
    number = first
    for whole in _batches(parquet, groups, lambda: f"{name}:{number}"):
        for batch in _by_size(whole):
            try:
                rows: list = batch.to_pylist()
            except Exception:  # bytes not UTF-8, a date past 9999, an unknown time zone: find the rows, say which
                rows = [_row_or_error(batch, i) for i in range(batch.num_rows)]
            for row in rows:
                where = f"{name}:{number}"
                yield (JsonLine(where, error=InputError(f"{where}: {row}")) if isinstance(row, str)
                       else _row_line(row, where))
                number += 1


def _dictionary_columns(metadata, schema, groups: range) -> list[str]:
    """The top-level text columns stored dictionary-encoded in one of `groups` (those read: a cluster's partition reads
    a few of a file's): read as pyarrow dictionaries, a value repeated down the rows is held once, where read as plain
    strings it was unpacked in every row (1,024 rows of one 1 MB text, a file of 3 kB, took 1.1 GB)."""
    import pyarrow as pa

    encoded = {metadata.row_group(g).column(c).path_in_schema for g in groups
               for c in range(metadata.num_columns) if metadata.row_group(g).column(c).has_dictionary_page}
    return [field.name for field in schema if field.name in encoded
            and (pa.types.is_string(field.type) or pa.types.is_large_string(field.type))]


def _by_size(batch) -> Iterator:
    """`batch` in slices of about PARQUET_BATCH_BYTES of values once unpacked, counting a dictionary column's value in
    every row that has it: the row groups' sizes (batch_rows) count it once."""
    import numpy
    import pyarrow as pa
    import pyarrow.compute as pc

    sizes = numpy.zeros(batch.num_rows)
    for column in batch.columns:
        if pa.types.is_dictionary(column.type) and pa.types.is_string(column.type.value_type):
            lengths = pc.binary_length(column.dictionary).fill_null(0).to_numpy(zero_copy_only=False)
            sizes += lengths[column.indices.fill_null(0).to_numpy(zero_copy_only=False)] if len(lengths) else 0
        else:
            sizes += column.nbytes / max(batch.num_rows, 1)
    if sizes.sum() <= PARQUET_BATCH_BYTES:
        yield batch
        return
    start, used = 0, 0.0
    for i, size in enumerate(sizes.tolist()):
        if used and used + size > PARQUET_BATCH_BYTES:
            yield batch.slice(start, i - start)
            start, used = i, 0.0
        used += size
    yield batch.slice(start)


def _batches(parquet, groups: range, where) -> Iterator:
    """The file's record batches; InputError at `where()` (the row reached) where its pages cannot be decoded (a damaged
    file whose footer reads: pyarrow raises OSError, or ArrowInvalid, in the middle of the rows)."""
    import pyarrow

    batches = parquet.iter_batches(batch_size=batch_rows(parquet.metadata, groups), row_groups=groups)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (OSError, pyarrow.ArrowException) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"{where()}: this row and those after it cannot be read: the file is damaged "
                             f"({shorten(reason, 160)})") from None
        yield batch


def batch_rows(metadata, groups: range) -> int:
    """Rows per batch: PARQUET_BATCH, fewer where the widest of `groups` holds more than PARQUET_BATCH_BYTES in as
    many rows (100 rows of 3 MB texts, 43 kB packed, took 1.1 GB in batches of 1,024; 300 ran out of memory). A wide
    value repeated in a row group is counted once (dictionary encoding): _by_size cuts such batches."""
    widest = max((metadata.row_group(g).total_byte_size / max(metadata.row_group(g).num_rows, 1) for g in groups),
                 default=0)
    return max(1, min(PARQUET_BATCH, int(PARQUET_BATCH_BYTES // max(widest, 1))))


def _row_or_error(batch, i: int) -> dict | str:
    """Row `i` of `batch`, or what is wrong with it: the first column whose string is not UTF-8, or whose date or
    time lies outside Python's (years 1 to 9999: a "never" of 9999-12-31 plus a day, or of year 10000)."""
    row = batch.slice(i, 1)
    try:
        return row.to_pylist()[0]
    except Exception as exc:
        for column in row.schema.names:
            kind = row.schema.field(column).type
            try:
                row.column(column).to_pylist()
            except UnicodeDecodeError as bad:
                return f"column {column!r} is not valid UTF-8 ({bad.reason} at byte {bad.start})"
            except OverflowError:
                if str(kind).startswith(("date", "timestamp", "time")):
                    return (f"column {column!r}: a {kind} outside the years 1 to 9999, which Python's dates cannot "
                            "hold: give it as text")
                return f"column {column!r}: a {kind} too large for Python's own type: give it as text"
            except Exception as bad:  # a struct with two fields of one name, a time zone nobody knows
                return f"column {column!r}: a {kind} Python cannot read ({shorten(str(bad).splitlines()[0], 120)})"
        return f"not readable ({exc})"


def _plain(item: Any, keys: tuple = ()) -> Any:
    """A Parquet value as JSON holds it: dates and times as ISO 8601 strings, decimals and durations as strings
    (pyarrow gives Python objects that no JSON output takes: a `published` timestamp column stopped annotate)."""
    if isinstance(item, dict):
        return {k: _plain(v, (*keys, k)) for k, v in item.items()}
    if isinstance(item, list):
        if item and all(isinstance(v, tuple) and len(v) == 2 for v in item):  # a map column: (key, value) pairs
            return _map(item, keys)
        return [_plain(v, (*keys, i)) for i, v in enumerate(item)]
    if isinstance(item, (datetime.date, datetime.time)):  # datetime.datetime is a date
        return item.isoformat()
    if isinstance(item, (decimal.Decimal, datetime.timedelta)):
        return str(item)
    if isinstance(item, (bytes, bytearray)):
        raise _Binary(keys)
    return item


def _map(pairs: list[tuple], keys: tuple) -> dict | list:
    """A Parquet map as JSON holds it: an object where its keys are distinct strings, else a list of [key, value]
    pairs; its keys and values made plain as any value (pyarrow gives a map as a list of tuples, which no check saw)."""
    plain = [(_plain(k, (*keys, i, 0)), _plain(v, (*keys, i, 1))) for i, (k, v) in enumerate(pairs)]
    if all(isinstance(k, str) for k, _ in plain) and len({k for k, _ in plain}) == len(plain):
        return dict(plain)
    return [[k, v] for k, v in plain]


class _Binary(Exception):
    def __init__(self, keys: tuple) -> None:
        self.keys = keys


def _row_line(row: dict, where: str) -> JsonLine:
    """A row as the JSONL line it stands for: null columns and null attribution keys absent (but an
    attribution's `source_entity`, which records hold as null), the JSON columns parsed, the values JSON lacks
    as strings (_plain), and NaN and infinities reported as a JSONL line's are."""
    try:
        value = {key: _plain(item, (key,)) for key, item in row.items() if item is not None}
    except _Binary as exc:
        return JsonLine(where, error=InputError(f"{where}: ${json_path(exc.keys)}: binary data (a Parquet binary "
                                                "column): JSON has no bytes; give the column as text, or leave it out"))
    if isinstance(value.get("attributions"), list):
        value["attributions"] = [{k: v for k, v in a.items() if v is not None or k == "source_entity"}
                                 if isinstance(a, dict) else a for a in value["attributions"]]
    problems: list[Problem] = []
    for key in JSON_COLUMNS:
        if isinstance(value.get(key), str):
            try:
                value[key], found = Decoder().decode(value[key], max_depth.get())
            except json.JSONDecodeError:
                return JsonLine(where, error=InputError(f"{where}: column {key!r} holds a string that is not JSON"))
            problems.extend(Problem(p.kind, p.message, (key, *p.keys)) for p in found)
    problems.extend(problems_in({k: v for k, v in value.items() if k not in JSON_COLUMNS}))
    return JsonLine(where, value, problems=tuple(problems))
