"""Inputs cut into partitions by bytes, read where they are: a local path or any fsspec URL.

A partition is what one task annotates and writes as one part: a byte range of a JSON Lines file (whole
lines: a line belongs to the partition its first byte falls in), a run of the .txt files of a folder, a
run of row groups of a Parquet file, or a whole JSON array (its elements can only be found by reading it
from the start: convert a large one to JSON Lines to spread it over the cluster). Planning only lists
files and sizes; workers read the bytes, twice: `scan` hashes them and counts their lines (so that each
partition knows the line it starts at and a document is named `file.jsonl:LINE` exactly as in a local
run), `documents` reads them to annotate.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

import fsspec

from ..documents import URL, Document, json_array_documents, jsonl_documents, parquet_documents, plain_text, text_files
from ..errors import InputError
from ..jsonio import JSON_SUFFIXES, JSONL_SUFFIXES, PARQUET_SUFFIXES, open_binary, parse_jsonl

ErrorHandler = Callable[[InputError], None]
_READ = 1 << 16
MIN_PARTITIONS, MIN_BYTES = 64, 16 << 10  # a small corpus still makes work for 64 workers, in partitions of 16 KiB+


@dataclass(frozen=True)
class Partition:
    """One partition of one input. `start`/`end` are bytes (JSONL) or row groups (Parquet)."""

    input: int  # the input's position on the command line
    name: str  # the input as the user named it: what ids, meta and messages show
    kind: str  # "jsonl", "txt", "parquet" or "json"
    index: int  # the partition's number within its input
    url: str = ""  # the file to open (JSONL, Parquet)
    start: int = 0
    end: int = 0
    files: tuple[tuple[str, str, str], ...] = ()  # txt: (url, path shown in meta and messages, document id)
    digits: int = 3  # of the input's position in the part's name: as many as the last input's needs

    @property
    def part(self) -> str:
        """The part's name: input position, the input's own name, partition number; sorts in input order."""
        stem = PurePosixPath(self.name.rstrip("/")).name.split(".")[0] or "input"
        return f"{self.input:0{self.digits}d}-{re.sub(r'[^A-Za-z0-9_-]', '_', stem)}-{self.index:05d}"


@dataclass(frozen=True)
class Scan:
    """What a first read of a partition found: the hash of its bytes and its lines (rows for Parquet)."""

    sha256: str
    lines: int
    bytes: int


def is_url(name: str) -> bool:
    return URL.match(name) is not None


def _shown(name: str) -> str:
    """An input's name as a local run shows it (`./a.jsonl` -> `a.jsonl`); URLs as given."""
    return name if is_url(name) else str(PurePosixPath(name))


def is_remote(fs) -> bool:
    return "file" not in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))


def filesystem(url: str):
    """fsspec's filesystem and path for `url`; InputError when its protocol is unknown or needs a package that is not
    installed (s3:// without s3fs), instead of fsspec's ImportError traceback."""
    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as exc:
        raise InputError(f"{url}: {exc} (install it beside attrib to read or write such URLs)") from None
    except ValueError as exc:
        raise InputError(f"{url}: {exc}") from None


def _open(url: str):
    fs, path = filesystem(url)
    return fs.open(path, "rb")


def plan(inputs: list[str], most_bytes: int, on_error: ErrorHandler, on_missing: ErrorHandler | None = None
         ) -> list[Partition]:
    """The partitions of every input, in input order; an input that does not exist goes to `on_missing` (else
    `on_error`), one that cannot be read as what it is named (not Parquet, a folder of no .txt) to `on_error`.

    Partitions hold at most `most_bytes`, and fewer when the inputs are small, so that even a small corpus is
    cut into some MIN_PARTITIONS partitions (of at least MIN_BYTES): every worker of a cluster gets work. The
    size depends on the inputs alone, never on the cluster, so a re-run on another cluster resumes.
    """
    listed = [item for number, name in enumerate(inputs) if (item := _list(number, name, on_error, on_missing or on_error))]
    total = sum(size for *_, sizes in listed for size in sizes)
    size = min(most_bytes, max(MIN_BYTES, -(-total // MIN_PARTITIONS)))
    partitions: list[Partition] = []
    digits = max(3, len(str(len(inputs) - 1)))  # names sort in input order, past 1,000 inputs too (100-, 1000-, 101-)
    for number, shown, kind, url, units, sizes in listed:
        if kind == "jsonl":
            length = sizes[0]
            partitions.extend(Partition(number, shown, kind, k, url, s, min(s + size, length), digits=digits)
                              for k, s in enumerate(range(0, max(length, 1), size)))
        else:  # runs of files (txt) or row groups (parquet), never split, each run about `size`; a JSON array whole
            runs: list[list[int]] = [[]]
            held = 0
            for unit, unit_size in enumerate(sizes):
                if runs[-1] and held + unit_size > size:
                    runs.append([])
                    held = 0
                runs[-1].append(unit)
                held += unit_size
            for k, run in enumerate(runs):
                if kind == "txt":
                    partitions.append(Partition(number, shown, kind, k, files=tuple(units[i] for i in run), digits=digits))
                else:
                    partitions.append(Partition(number, shown, kind, k, url, run[0] if run else 0, run[-1] + 1 if run else 0,
                                                digits=digits))
    return partitions


def _list(number: int, name: str, on_error: ErrorHandler, on_missing: ErrorHandler) -> tuple | None:
    """(number, shown, kind, url, units, unit sizes) of one input: a JSONL file or a JSON array is one unit, a
    folder its .txt files (url, shown, id), a Parquet file its row groups; None (reported) when it does not exist."""
    shown = _shown(name)
    if name == "-":
        raise InputError("-: stdin cannot be read by a cluster: give files, folders or URLs")
    fs, path = filesystem(name)
    try:
        info = fs.info(path)
    except FileNotFoundError:
        on_missing(InputError(f"{shown}: no such file or folder"))
        return None
    except OSError as exc:
        on_error(InputError(f"{shown}: cannot read ({exc})"))
        return None
    url = fs.unstrip_protocol(path)
    suffix = PurePosixPath(path).suffix.lower()
    if info["type"] != "directory" and not is_url(name):  # a pipe or a device (read without end), or unreadable:
        try:  # skipped in one line as a local run skips it (it hung the scan, or stopped it in a traceback)
            open_binary(name).close()
        except InputError as exc:
            on_error(exc)
            return None
    if info["type"] == "directory":
        files, sizes = _folder(fs, path, shown, on_error)
        if not files:
            on_error(InputError(f"{shown}: folder holds no .txt files"))
            return None
        return number, shown, "txt", url, files, sizes
    if suffix in JSONL_SUFFIXES:
        return number, shown, "jsonl", url, [], [info["size"]]
    if suffix in PARQUET_SUFFIXES:
        try:
            return number, shown, "parquet", url, [], _row_group_sizes(url, shown)
        except InputError as exc:  # skipped, as a local run skips it (it stopped the whole run)
            on_error(exc)
            return None
    if suffix in JSON_SUFFIXES:
        return number, shown, "json", url, [], [info["size"]]
    return number, shown, "txt", url, [(url, shown, PurePosixPath(path).stem)], [info["size"]]


def _folder(fs, path: str, shown: str, on_error: ErrorHandler) -> tuple[list[tuple[str, str, str]], list[int]]:
    """The folder's .txt files (recursive, in the order of a local run) as (url, shown, id), and their sizes. On a
    local disk, the files a local run reads (documents.text_files: links to files, a folder that cannot be read
    reported)."""
    if not is_remote(fs):
        files = [(PurePosixPath(p.relative_to(path).as_posix()), p.stat().st_size)
                 for p in text_files(Path(path), lambda exc: on_error(InputError(  # named as the input is
                     exc.args[0].replace(path.rstrip("/"), str(PurePosixPath(shown)), 1))))]
    else:
        found = fs.find(path, detail=True)
        files = sorted(((PurePosixPath(p).relative_to(path.rstrip("/")), info["size"]) for p, info in found.items()
                        if p.lower().endswith(".txt") and info["type"] == "file"), key=lambda item: item[0].parts)
    units = []
    for relative, _ in files:
        url = fs.unstrip_protocol(f"{path.rstrip('/')}/{relative}")
        file_shown = f"{shown.rstrip('/')}/{relative}" if is_url(shown) else str(PurePosixPath(shown) / relative)
        units.append((url, file_shown, relative.with_suffix("").as_posix()))
    return units, [size for _, size in files]


def _row_group_sizes(url: str, shown: str) -> list[int]:
    """The uncompressed size of each row group of a Parquet file (a partition never splits one)."""
    import pyarrow.parquet as pq

    with _open(url) as handle:
        try:
            metadata = pq.ParquetFile(handle).metadata
        except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
            raise InputError(f"{shown}: not a Parquet file ({str(exc).splitlines()[0]})") from None
    return [metadata.row_group(group).total_byte_size for group in range(metadata.num_row_groups)]


def _line_start(handle, offset: int, size: int) -> int:
    """The first line start at or after `offset`: just after the first "\\n" from `offset - 1` on."""
    if offset <= 0 or offset >= size:
        return min(max(offset, 0), size)
    handle.seek(offset - 1)
    position = offset - 1
    while chunk := handle.read(_READ):
        newline = chunk.find(b"\n")
        if newline >= 0:
            return position + newline + 1
        position += len(chunk)
    return size


def jsonl_block(partition: Partition) -> bytes:
    """The bytes of the whole lines that start inside the partition's range."""
    with _open(partition.url) as handle:
        size = handle.seek(0, 2)
        begin = _line_start(handle, partition.start, size)
        stop = _line_start(handle, partition.end, size)
        handle.seek(begin)
        return handle.read(stop - begin)


def count_lines(data: bytes) -> int:
    """Lines as JSON Lines counts them ("\\n" ends a line), a last unterminated line included."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _row_group_bytes(handle, partition: Partition) -> Iterator[bytes]:
    """The stored bytes of the partition's column chunks, the data a Parquet partition hash covers."""
    import pyarrow.parquet as pq

    metadata = pq.ParquetFile(handle).metadata
    for group in range(partition.start, partition.end):
        row_group = metadata.row_group(group)
        for column in range(row_group.num_columns):
            chunk = row_group.column(column)
            start = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
            handle.seek(start)
            yield handle.read(chunk.total_compressed_size)


def scan(partition: Partition) -> Scan:
    """Hash the partition's bytes and count its lines (JSONL) or rows (Parquet); a JSON array is one partition,
    so its elements need no count."""
    digest, lines, size = hashlib.sha256(), 0, 0
    if partition.kind == "jsonl":
        data = jsonl_block(partition)
        digest.update(data)
        lines, size = count_lines(data), len(data)
    elif partition.kind == "parquet":
        import pyarrow.parquet as pq

        with _open(partition.url) as handle:
            for data in _row_group_bytes(handle, partition):
                digest.update(data)
                size += len(data)
            handle.seek(0)
            metadata = pq.ParquetFile(handle).metadata
            lines = sum(metadata.row_group(g).num_rows for g in range(partition.start, partition.end))
    elif partition.kind == "json":
        with _open(partition.url) as handle:
            while data := handle.read(_READ):
                digest.update(data)
                size += len(data)
    else:
        for url, shown, doc_id in partition.files:
            try:
                data = _read_file(url, shown)
            except InputError:
                data = b""  # reported when the documents are read
            digest.update(f"{doc_id}\0{len(data)}\0".encode() + data)
            size += len(data)
    return Scan(digest.hexdigest(), lines, size)


def _read_file(url: str, shown: str) -> bytes:
    try:
        with _open(url) as handle:
            return handle.read()
    except OSError as exc:
        raise InputError(f"{shown}: cannot read ({exc.strerror or exc})") from None


def documents(partition: Partition, first: int, on_error: ErrorHandler) -> Iterator[Document]:
    """The partition's documents, in order; `first` is the number of its first line (row), counted from 1."""
    if partition.kind == "jsonl":
        yield from _jsonl_documents(partition, first, on_error)
    elif partition.kind == "parquet":
        yield from _parquet_documents(partition, first, on_error)
    elif partition.kind == "json":
        with _open(partition.url) as handle:
            yield from json_array_documents(handle, partition.name, on_error)
    else:
        for url, shown, doc_id in partition.files:
            try:
                yield Document(doc_id, plain_text(_read_file(url, shown), shown), {"path": shown})
            except InputError as exc:
                on_error(exc)


def _jsonl_documents(partition: Partition, first: int, on_error: ErrorHandler) -> Iterator[Document]:
    """Read as a local run reads the file (documents.iter_documents): the same lines, limits and findings."""
    lines = parse_jsonl(io.BytesIO(jsonl_block(partition)), partition.name, first)
    yield from jsonl_documents(lines, on_error)


def _parquet_documents(partition: Partition, first: int, on_error: ErrorHandler) -> Iterator[Document]:
    """Read as a local run reads the file (documents.parquet_documents), the partition's row groups only."""
    with _open(partition.url) as handle:
        yield from parquet_documents(handle, partition.name, on_error, range(partition.start, partition.end), first)
