"""Input documents for `attrib annotate`: .txt files, folders of them, JSON Lines, JSON arrays, Parquet, or stdin.

A local run and a cluster run (cluster/inputs.py) read each kind of file with the same functions here,
so a document has the same id and the same findings in both. A document that cannot be read is not
dropped silently: it goes to `on_error` (the CLI reports it with its name and skips it, or stops with
--strict), and reading goes on with the next one.
"""

from __future__ import annotations

import codecs
import itertools
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator

from .errors import InputError
from .jsonarray import iter_json_array
from .jsonio import (BOM, JSON_SUFFIXES, JSONL_SUFFIXES, PARQUET_SUFFIXES, STDIO, JsonLine, not_a_file, open_binary,
                     walk, wide, wide_error)
from .jsonsafe import json_type, max_depth, nests_deeper
from .lines import iter_lines, parquet_lines
from .records import RECORD_KEYS, id_text, merged_meta, name_text


ErrorHandler = Callable[[InputError], None]
URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")


@dataclass
class Document:
    id: str
    text: str
    meta: dict = field(default_factory=dict)


# The most documents (or 20,000-character chunks of a long one) in an nlp.pipe batch. In one process a batch also
# holds at most 20,000 characters (annotate.char_batches): tok2vec's memory follows the characters in a batch, and 32
# chunks of a long document took 2.1 GB. spaCy's --n-process workers count documents only: they take 4 at a time.
# Measured for each kind of text in the README (Speed and memory).
BATCH_SIZE = 32
PROCESS_BATCH_SIZE = 4
CHUNK = 1 << 20  # bytes of a text file or of stdin checked at a time


def plain_text(data: bytes | IO[bytes], where: str) -> str:
    """A text file's (or stdin's) document, from its bytes or read from a stream: decoded, and an InputError when it
    holds no text at all (an empty file, or `cat missing.txt | attrib annotate -`, whose cat error the pipe hides)."""
    text = decode(data, where)
    if not text.strip():
        raise InputError(f"{where}: {'empty' if not text else 'blank'}, no text to annotate")
    return text


def decode(data: bytes | IO[bytes], where: str) -> str:
    """UTF-8 text from bytes or a stream, without a byte order mark before it (an editor's mark, not a character of
    the article: it ended up inside the first source); binary data and invalid UTF-8 are InputErrors naming `where`.
    A stream is checked as it is read: `cat /dev/urandom | attrib annotate -` stops at its first bad byte, where it
    read until memory ran out."""
    chunks = iter([data]) if isinstance(data, (bytes, bytearray)) else iter(lambda: data.read(CHUNK), b"")
    decoder = codecs.getincrementaldecoder("utf-8")()
    parts, seen = [], 0  # seen: bytes read before the chunk at hand
    for chunk in itertools.chain(chunks, [b""]):  # the empty one last: a character cut off at the end is an error
        nul = chunk.find(b"\0")
        if nul >= 0:
            raise InputError(f"{where}: binary data (NUL byte at {seen + nul}), expected UTF-8 text")
        held = len(decoder.getstate()[0])  # the start of a character the last chunk ended inside
        try:
            parts.append(decoder.decode(chunk, final=not chunk))
        except UnicodeDecodeError as exc:
            raise InputError(f"{where}: not valid UTF-8 (byte {seen - held + exc.start})") from None
        seen += len(chunk)
    return "".join(parts).removeprefix("\ufeff")


def from_json(value: object, where: str) -> Document:
    """A JSONL line's object as a Document: "text" required, "id" optional, other keys kept as meta."""
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected a JSON object with \"text\", got {json_type(value)}")
    text = value.get("text")
    if not isinstance(text, str):
        task = " (a Label Studio task? give documents: {\"id\", \"text\"})" if isinstance(value.get("data"), dict) else ""
        raise InputError(f"{where}: no \"text\" string{task}")
    doc_id = value.get("id", where)
    if isinstance(doc_id, (dict, list, bool)) or doc_id is None:
        raise InputError(f"{where}: \"id\" must be a string or a number")
    if doc_id == "":  # its record would be refused by every later command (an id is never empty)
        raise InputError(f"{where}: \"id\" is empty: give the document an id, or leave \"id\" out for its place")
    # a record read again: its drafts, generator and provenance are the earlier run's, not the document's
    meta = merged_meta(value, RECORD_KEYS, where)
    if nests_deeper(meta, (limit := max_depth.get()) - 1):  # its record would be one too deep for every reader
        raise InputError(f"{where}: its fields nest {limit} levels deep, and one more under the record's \"meta\": "
                         "past the limit (`attrib --max-depth N` raises it)")
    return Document(id_text(doc_id), text, meta)


def _jsonl(path: str | Path, on_error: ErrorHandler) -> Iterator[Document]:
    yield from jsonl_documents(iter_lines(path), on_error)


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
    """The rows of a Parquet file (of `row_groups`, all by default) as JSONL lines (lines.parquet_lines): `id`,
    `text`, other columns kept in meta; a row without an id is named `file.parquet:ROW`, `first` the first's number."""
    yield from jsonl_documents(parquet_lines(handle, name, row_groups, first), on_error)


def _json_array_file(path: Path, on_error: ErrorHandler) -> Iterator[Document]:
    try:
        with open_binary(path) as handle:
            yield from json_array_documents(handle, str(path), on_error)
    except OSError as exc:
        on_error(InputError(f"{path}: cannot read ({exc.strerror})"))


def _text_file(path: Path, doc_id: str, on_error: ErrorHandler) -> Iterator[Document]:
    try:
        with open_binary(path) as handle:
            text = plain_text(handle, str(path))
    except OSError as exc:
        on_error(InputError(f"{path}: cannot read ({exc.strerror})"))
    except InputError as exc:
        on_error(exc)
    else:
        yield Document(name_text(doc_id), text, {"path": name_text(str(path))})


def _stdin(on_error: ErrorHandler) -> Iterator[Document]:
    """stdin holds JSONL when it starts with "{", else one plain-text document with id "stdin"."""
    if wide(sys.stdin.buffer):  # it read as "binary data"
        on_error(wide_error("<stdin>"))
        return
    if sys.stdin.buffer.peek(64).removeprefix(BOM).lstrip()[:1] == b"{":
        yield from _jsonl(STDIO, on_error)
        return
    try:
        yield Document("stdin", plain_text(sys.stdin.buffer, "<stdin>"))
    except InputError as exc:
        on_error(exc)


def missing(names: Iterable[str]) -> str | None:
    """The first input named that does not exist (a mistyped name), if any: a run reporting it as one more skipped
    document would succeed without it."""
    for name in names:
        if name == "-" or "://" in name:  # a URL is for a cluster run, which the reader says
            continue
        try:
            os.stat(name)
        except (FileNotFoundError, NotADirectoryError):
            return name
        except OSError:  # cannot be looked at (a folder on the way without access): the reader reports it
            continue
    return None


def iter_documents(inputs: Iterable[str], on_error: ErrorHandler) -> Iterator[Document]:
    """Every document of every input, in order; folders are read recursively, *.txt in sorted order."""
    for name in inputs:
        if name == STDIO:
            yield from _stdin(on_error)
            continue
        if URL.match(name):  # Path would read "s3://b/x" as the local "s3:/b/x"
            on_error(InputError(f"{name}: a URL: `attrib annotate --cluster` reads URLs (fsspec), a local run files"))
            continue
        path = Path(name)
        try:
            is_dir, exists = path.is_dir(), path.exists()
        except OSError as exc:  # a folder on the way that cannot be entered
            on_error(InputError(f"{path}: cannot open ({exc.strerror})"))
            continue
        if is_dir:
            files = text_files(path, on_error)
            if not files:
                on_error(InputError(f"{path}: folder holds no .txt files"))
            for file in files:
                yield from _text_file(file, file.relative_to(path).with_suffix("").as_posix(), on_error)
        elif not exists:  # or a link that cannot be followed (a loop): Path.exists() says False to both
            on_error(InputError(f"{path}: {_not_there(path)}"))
        elif path.suffix.lower() in JSONL_SUFFIXES + PARQUET_SUFFIXES:
            yield from _jsonl(path, on_error)
        elif path.suffix.lower() in JSON_SUFFIXES:
            yield from _json_array_file(path, on_error)
        else:
            yield from _text_file(path, path.stem, on_error)


def _not_there(path: Path) -> str:
    """Why a path Path.exists() denies cannot be read: it does not exist, or what stat says (a loop of links)."""
    try:
        os.stat(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        return f"cannot open ({exc.strerror})"
    return "no such file or folder"


def text_files(folder: Path, on_error: ErrorHandler | None = None) -> list[Path]:
    """The .txt files under `folder` (.TXT too; links to files too; linked folders are not entered), sorted. A folder
    inside it that cannot be read goes to `on_error`: its files were left out without a word. So does a .txt name
    that is no file (a named pipe, a broken link), which is left out: a local run said nothing of it, and a cluster
    run stopped in a traceback at a broken link."""
    found = []

    def unreadable(exc: OSError) -> None:
        if on_error is not None:
            on_error(InputError(f"{exc.filename}: cannot read the folder ({exc.strerror}): its .txt files are not read"))

    for here, _, names in walk(folder, onerror=unreadable):
        for path in (Path(here) / name for name in names if name.lower().endswith(".txt")):
            if path.is_file():
                found.append(path)
            elif on_error is not None:
                on_error(InputError(f"{path}: {not_a_file(path)}, not a file: its text is not read"))
    return sorted(found)


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
            total += len(text_files(path))
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
