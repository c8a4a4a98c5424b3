"""Input documents for `attrib annotate`: .txt files, folders of them, JSON Lines, JSON arrays, Parquet, or stdin.

A local run and a cluster run (cluster/inputs.py) read each kind of file with the same functions here,
so a document has the same id and the same findings in both. A document that cannot be read is not
dropped silently: it goes to `on_error` (the CLI reports it with its name and skips it, or stops with
--strict), and reading goes on with the next one.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator

from .errors import InputError
from .jsonarray import iter_json_array
from .jsonio import BOM, STDIO, JsonLine, iter_jsonl, open_binary
from .jsonsafe import Decoder, max_depth

JSONL_SUFFIXES = (".jsonl", ".ndjson")
JSON_SUFFIXES = (".json",)
PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_COLUMNS = ("meta", "generator", "provenance")  # JSON strings in attrib's own Parquet (formats.parquet)
PARQUET_BATCH = 1024  # rows turned into Python objects at once (pyarrow's default, 65,536, held ~250 MB more)

ErrorHandler = Callable[[InputError], None]


@dataclass
class Document:
    id: str
    text: str
    meta: dict = field(default_factory=dict)


def decode(data: bytes, where: str) -> str:
    """UTF-8 text from bytes; binary data and invalid UTF-8 are InputErrors naming `where`."""
    nul = data.find(b"\0")
    if nul >= 0:
        raise InputError(f"{where}: binary data (NUL byte at {nul}), expected UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not valid UTF-8 (byte {exc.start})") from None


def from_json(value: object, where: str) -> Document:
    """A JSONL line's object as a Document: "text" required, "id" optional, other keys kept as meta."""
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected a JSON object with \"text\", got {type(value).__name__}")
    text = value.get("text")
    if not isinstance(text, str):
        task = " (a Label Studio task? give documents: {\"id\", \"text\"})" if isinstance(value.get("data"), dict) else ""
        raise InputError(f"{where}: no \"text\" string{task}")
    doc_id = value.get("id", where)
    if isinstance(doc_id, (dict, list, bool)) or doc_id is None:
        raise InputError(f"{where}: \"id\" must be a string or a number")
    meta = value.get("meta") or {}
    if not isinstance(meta, dict):
        raise InputError(f"{where}: \"meta\" must be an object, got {type(meta).__name__}")
    meta = dict(meta)
    meta.update({k: v for k, v in value.items() if k not in ("id", "text", "meta", "attributions")})
    return Document(str(doc_id), text, meta)


def _jsonl(path: str | Path, on_error: ErrorHandler) -> Iterator[Document]:
    yield from jsonl_documents(iter_jsonl(path), on_error)


def jsonl_documents(lines: Iterator[JsonLine], on_error: ErrorHandler) -> Iterator[Document]:
    """The documents of parsed JSONL lines; a line that is not one is reported to `on_error` and skipped."""
    while True:
        try:
            line = next(lines)  # a file that cannot be opened raises here, once
            document = from_json(line.checked(), line.where)
        except StopIteration:
            return
        except InputError as exc:
            on_error(exc)
            continue
        yield document


def json_array_documents(handle: IO[bytes], name: str, on_error: ErrorHandler) -> Iterator[Document]:
    """The documents of a JSON array of objects like JSONL lines, read element by element (jsonarray: memory
    for one document); one without an id is named `file.json:$[i]`. Where the text stops being JSON the
    file ends, reported with the element it breaks off in."""
    elements = iter_json_array(handle, name)
    while True:
        try:
            element = next(elements)
        except StopIteration:
            return
        except InputError as exc:  # not an array, or the JSON breaks off: nothing after it can be read
            on_error(exc)
            return
        where = f"{name}:$[{element.index}]"
        try:
            document = from_json(JsonLine(where, element.value, problems=element.problems).checked(), where)
        except InputError as exc:
            on_error(exc)
            continue
        yield document


def parquet_documents(handle: IO[bytes], name: str, on_error: ErrorHandler, row_groups: range | None = None,
                      first: int = 1) -> Iterator[Document]:
    """The rows of a Parquet file (of `row_groups`, all by default) as JSONL objects: `id`, `text`, other
    columns kept in meta; a row without an id is named `file.parquet:ROW`, `first` the number of the first."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        on_error(InputError(f"{name}: reading Parquet needs pyarrow: pip install 'attrib[parquet]'"))
        return
    try:
        parquet = pq.ParquetFile(handle)
    except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
        on_error(InputError(f"{name}: not a Parquet file ({str(exc).splitlines()[0]})"))
        return
    groups = range(parquet.num_row_groups) if row_groups is None else row_groups
    number = first
    for batch in parquet.iter_batches(batch_size=PARQUET_BATCH, row_groups=groups):
        for row in batch.to_pylist():
            where = f"{name}:{number}"
            number += 1
            try:
                yield from_json(_row_as_object(row, where), where)
            except InputError as exc:
                on_error(exc)


def _row_as_object(row: dict, where: str) -> dict:
    """A Parquet row as the JSON object a JSONL line would hold: null columns absent, and the columns attrib
    writes as JSON strings (meta, generator, provenance) parsed."""
    row = {key: value for key, value in row.items() if value is not None}
    for key in JSON_COLUMNS:
        if isinstance(row.get(key), str):
            try:
                value, problems = Decoder().decode(row[key], max_depth.get())  # the limits a JSONL line has
            except json.JSONDecodeError:
                raise InputError(f"{where}: column {key!r} holds a string that is not JSON") from None
            row[key] = JsonLine(f"{where}: column {key!r}", value, problems=problems).checked()
    return row


def _binary_file(path: Path, read: Callable[[IO[bytes]], Iterator[Document]], on_error: ErrorHandler) -> Iterator[Document]:
    try:
        with open_binary(path) as handle:
            yield from read(handle)
    except OSError as exc:
        on_error(InputError(f"{path}: cannot read ({exc.strerror})"))


def _text_file(path: Path, doc_id: str, on_error: ErrorHandler) -> Iterator[Document]:
    try:
        with open_binary(path) as handle:
            text = decode(handle.read(), str(path))
    except OSError as exc:
        on_error(InputError(f"{path}: cannot read ({exc.strerror})"))
    except InputError as exc:
        on_error(exc)
    else:
        yield Document(doc_id, text, {"path": str(path)})


def _stdin(on_error: ErrorHandler) -> Iterator[Document]:
    """stdin holds JSONL when it starts with "{", else one plain-text document with id "stdin"."""
    if sys.stdin.buffer.peek(64).removeprefix(BOM).lstrip()[:1] == b"{":
        yield from _jsonl(STDIO, on_error)
        return
    try:
        yield Document("stdin", decode(sys.stdin.buffer.read(), "<stdin>"))
    except InputError as exc:
        on_error(exc)


def iter_documents(inputs: Iterable[str], on_error: ErrorHandler) -> Iterator[Document]:
    """Every document of every input, in order; folders are read recursively, *.txt in sorted order."""
    for name in inputs:
        if name == STDIO:
            yield from _stdin(on_error)
            continue
        path = Path(name)
        try:
            is_dir, exists = path.is_dir(), path.exists()
        except OSError as exc:  # a folder on the way that cannot be entered
            on_error(InputError(f"{path}: cannot open ({exc.strerror})"))
            continue
        if is_dir:
            files = sorted(p for p in path.rglob("*.txt") if p.is_file())
            if not files:
                on_error(InputError(f"{path}: folder holds no .txt files"))
            for file in files:
                yield from _text_file(file, file.relative_to(path).with_suffix("").as_posix(), on_error)
        elif not exists:
            on_error(InputError(f"{path}: no such file or folder"))
        elif path.suffix.lower() in JSONL_SUFFIXES:
            yield from _jsonl(path, on_error)
        elif path.suffix.lower() in JSON_SUFFIXES:
            yield from _binary_file(path, lambda handle: json_array_documents(handle, str(path), on_error), on_error)
        elif path.suffix.lower() in PARQUET_SUFFIXES:
            yield from _binary_file(path, lambda handle: parquet_documents(handle, str(path), on_error), on_error)
        else:
            yield from _text_file(path, path.stem, on_error)


def count_documents(inputs: Iterable[str]) -> int | None:
    """How many documents `inputs` hold, for a progress bar: .txt files are counted, JSONL lines that are
    not blank are counted in one pass over the bytes; None when stdin (it cannot be read twice) or a JSON
    array (counting its elements means parsing them) or a Parquet file that pyarrow cannot read is among
    them; a Parquet file's rows are counted from its metadata."""
    total = 0
    for name in inputs:
        if name == STDIO:
            return None
        path = Path(name)
        if path.is_dir():
            total += sum(1 for p in path.rglob("*.txt") if p.is_file())
        elif path.suffix.lower() in JSON_SUFFIXES:
            return None
        elif path.suffix.lower() in PARQUET_SUFFIXES and path.is_file():
            try:
                import pyarrow.parquet as pq

                total += pq.ParquetFile(path).metadata.num_rows
            except Exception:  # no pyarrow, or not Parquet: reading it says so
                return None
        elif path.suffix.lower() in JSONL_SUFFIXES and path.is_file():
            with open(path, "rb") as handle:
                total += sum(1 for line in handle if line.strip())
        elif path.exists():
            total += 1
    return total
