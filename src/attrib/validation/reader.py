"""Reading a file to validate: which kind it is, and its documents one at a time.

A JSON array (tasks, an export) is parsed element by element (jsonarray), JSON Lines (records) line by
line (jsonio), so a 1 GB export is checked in memory that holds one document, whatever the file holds.
A document that cannot be used as it is (nested too deep, a number or a string no output can hold:
jsonsafe) gives its findings (V003, V004, V005) and is not checked further. The kind comes from the first
usable document: an exported task has `annotations` or an integer `id`, a task to import has `data`, a
record has `text`. Tasks and exports are JSON arrays, records JSON Lines (or Parquet, read row by row as
the lines it stands for: lines.py): a file that mixes them up is refused, as every later command would refuse it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from ..errors import BrokenJsonError, InputError
from ..jsonarray import iter_json_array
from ..jsonio import open_binary
from ..lines import is_parquet, iter_lines
from ..jsonsafe import BOM
from .checks import DOCUMENT_KINDS, Checker
from .findings import Finding, Where
from .structure import problem_findings

Progress = Callable[[int, float | None], None]  # (documents read, fraction of the file read, if known)
Document = tuple[Where, Any, list[Finding]]  # where, the document, and the findings that keep it from being checked

_BLANK = b" \t\r\n"
ARRAY_KINDS = ("tasks", "export")


def kind_of(doc: Any) -> str | None:
    """"export", "tasks" or "records" for a first document, None when it looks like none of them."""
    if not isinstance(doc, dict):
        return None
    if "annotations" in doc or (isinstance(doc.get("id"), int) and "data" in doc):
        return "export"
    if "data" in doc:
        return "tasks"
    if "text" in doc or "attributions" in doc:
        return "records"
    return None


def _first_byte(handle: IO[bytes]) -> bytes:
    """The first byte that is not blank (nor a UTF-8 byte order mark); b"" for an empty file."""
    chunk = handle.read(65536).removeprefix(BOM)
    while chunk:
        stripped = chunk.lstrip(_BLANK)
        if stripped:
            return stripped[:1]
        chunk = handle.read(65536)
    return b""


def starts_an_array(path: str | Path) -> bool:
    """Whether the file at `path` (not stdin, not Parquet) begins a JSON array: tasks or an export, never records."""
    return first_byte(path) == b"["


def first_byte(path: str | Path) -> bytes:
    """The first byte of the file at `path` that is not blank: b"[" for tasks and exports, b"{" for records; b""
    for stdin and Parquet (not looked at) and for an empty file."""
    if str(path) == "-" or is_parquet(path):
        return b""
    with open_binary(path) as handle:
        return _first_byte(handle)


def _is_array(path: str | Path) -> bool:
    """True for a JSON array, False for JSON Lines (or Parquet: rows as lines); InputError for a file that is neither."""
    if is_parquet(path):
        return False
    with open_binary(path) as handle:
        first = _first_byte(handle)
    if first in (b"[", b"{"):
        return first == b"["
    if not first:
        raise InputError(f"{path}: empty file, expected a JSON array (tasks, an export) or JSON Lines (records)")
    raise InputError(f"{path}: not JSON (starts with {first.decode('latin-1')!r}), expected a JSON array or JSON Lines")


def _first_document(path: str | Path, is_array: bool) -> Any:
    """The first document that could be parsed (its kind is in its keys, whatever problems it has); None
    when there is none. InputError when the file is not JSON: not even its first document can be parsed."""
    if is_array:
        try:
            return next((doc for _, doc, _ in array_documents(path) if doc is not None), None)
        except BrokenJsonError as exc:
            if exc.index == 0:
                raise InputError(f"{path}: not JSON ({exc.reason})") from None
            return None
    first_error = None
    for line in iter_lines(path):
        if line.value is not None:
            return line.value
        first_error = first_error or line.error
    if first_error is not None:
        shape = "" if is_parquet(path) else "; expected a JSON array, or JSON Lines (one record a line)"
        raise InputError(f"{first_error.args[0]}{shape}")
    return None


def _container_fits(path: str | Path, kind: str, is_array: bool) -> None:
    """InputError when `kind` is not what a file of this shape holds (no later command would read it)."""
    if is_array and kind not in ARRAY_KINDS:
        raise InputError(f"{path}: is a JSON array, but records are JSON Lines (one record a line); tasks and exports "
                         "are the JSON arrays")
    if not is_array and kind in ARRAY_KINDS:
        raise InputError(f"{path}: is JSON Lines (or one JSON object), but Label Studio {'tasks' if kind == 'tasks' else 'exports'} are one "
                         "JSON array ([...]); records are the JSON Lines")


def detect(path: str | Path, hint: str = "") -> str:
    """The kind of the file at `path` ("tasks", "export" or "records"), read from its first usable document.

    Raises InputError when the file cannot be read at all (missing, empty, not JSON), when its first
    document is none of the three (`hint` ends that message: how the caller can name the kind), and when
    the kind does not fit the file's shape (tasks as JSON Lines, records in an array).
    """
    is_array = _is_array(path)
    doc = _first_document(path, is_array)
    if doc is None:  # an empty array or file, or documents too deep to read: checked as what the shape holds
        return "export" if is_array else "records"
    kind = kind_of(doc)
    if kind is None:
        raise InputError(f"{path}: the first document is neither a task nor a record "
                         f"(no data, text or annotations key){hint}")
    _container_fits(path, kind, is_array)
    return kind


def array_documents(path: str | Path, progress: Progress | None = None) -> Iterator[Document]:
    """The elements of a JSON array, located `$[i]`; BrokenJsonError where the JSON breaks off."""
    with open_binary(path) as handle:
        size = os.fstat(handle.fileno()).st_size or None
        for element in iter_json_array(handle, path):
            where = Where(str(path), f"$[{element.index}]")
            yield where, element.value, problem_findings(element.value, where, element.problems)
            if progress is not None:
                progress(element.index + 1, handle.tell() / size if size else None)


def _lines(path: str | Path, progress: Progress | None) -> Iterator[Document]:
    """The objects of a JSON Lines file (or the rows of a Parquet file), located by line (row); a line that is
    not JSON or UTF-8 is finding V002."""
    count = 0
    for line in iter_lines(path):
        where = Where(str(path), line=line.number)
        if line.error is not None:
            yield where, None, [where.finding("V002", line.error.args[0].split(": ", 1)[-1])]
            continue
        yield where, line.value, problem_findings(line.value, where, line.problems)
        count += 1
        if progress is not None:
            progress(count, None)


def validate_path(path: str | Path, as_: str | None = None, progress: Progress | None = None) -> Iterator[Finding]:
    """Every finding of the file at `path`, streamed; its kind detected unless `as_` names it.

    Raises InputError (exit 2) at once when the file cannot be read at all: missing, empty, not JSON,
    or holding what no command reads from a file of its shape.
    `progress(documents, fraction)` is called after each document (for a progress bar).
    """
    if as_ is not None and as_ not in DOCUMENT_KINDS:
        raise InputError(f"--as must be one of {', '.join(DOCUMENT_KINDS)}, not {as_!r}")
    if as_ is None:
        as_ = detect(path, hint=": say which with --as")
    else:
        is_array = _is_array(path)
        _first_document(path, is_array)  # proves the file readable before anything is reported
        _container_fits(path, as_, is_array)
    return _validate(path, as_, progress)


def _validate(path: str | Path, kind: str, progress: Progress | None) -> Iterator[Finding]:
    with open_binary(path) as handle:
        if handle.read(len(BOM)) == BOM:
            yield Where(str(path)).finding("V006", "the file starts with a UTF-8 byte order mark: it is skipped")
    checker = Checker(kind)
    documents = _lines(path, progress) if kind == "records" else array_documents(path, progress)
    try:
        for where, doc, unusable in documents:
            if unusable:
                yield from unusable
            else:
                yield from checker.check(where, doc)
    except BrokenJsonError as exc:
        where = Where(str(path), f"$[{exc.index}]")
        yield where.finding("V001", f"the JSON breaks off at element {exc.index} ({exc.reason}): the rest is not checked")
