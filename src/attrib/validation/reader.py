"""Reading a file to validate: which kind it is, and its documents one at a time.

A JSON array (tasks, an export) is parsed element by element (jsonio.iter_json_array), JSON Lines (records)
line by line with jsonio, so a 1 GB export is checked in memory that does not grow with the file.
The kind comes from the first document: an exported task has `annotations` or an integer `id`,
a task to import has `data`, a record has `text`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from ..errors import BrokenJsonError, InputError
from ..jsonio import iter_json_array, iter_jsonl, open_binary
from .checks import DOCUMENT_KINDS, Checker
from .findings import Finding, Where

Progress = Callable[[int, float | None], None]  # (documents read, fraction of the file read, if known)

_BLANK = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"


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
    chunk = handle.read(65536).removeprefix(_BOM)
    while chunk:
        stripped = chunk.lstrip(_BLANK)
        if stripped:
            return stripped[:1]
        chunk = handle.read(65536)
    return b""


def _first_document(path: str | Path) -> tuple[bool, Any]:
    """(is it a JSON array, its first document); InputError when even that cannot be read."""
    with open_binary(path) as handle:
        first = _first_byte(handle)
        handle.seek(0)
        if first == b"[":
            try:
                return True, next(iter_json_array(handle, path), None)
            except BrokenJsonError as exc:
                raise InputError(f"{path}: not JSON ({exc.reason})") from None
    if first == b"{":
        for line in iter_jsonl(path):
            if line.error is not None:
                raise InputError(f"{line.error.args[0]}; expected a JSON array, or JSON Lines (one record a line)")
            return False, line.value
    if not first:
        raise InputError(f"{path}: empty file, expected a JSON array (tasks, an export) or JSON Lines (records)")
    raise InputError(f"{path}: not JSON (starts with {first.decode('latin-1')!r}), expected a JSON array or JSON Lines")


def detect(path: str | Path, hint: str = "") -> str:
    """The kind of the file at `path` ("tasks", "export" or "records"), read from its first document.

    Raises InputError when the file cannot be read at all (missing, empty, not JSON) or when its
    first document is none of the three; `hint` ends that message (how the caller can name the kind).
    """
    is_array, doc = _first_document(path)
    if is_array and doc is None:
        return "export"  # an empty array is a valid anything: no findings either way
    kind = kind_of(doc)
    if kind is None:
        raise InputError(f"{path}: the first document is neither a task nor a record "
                         f"(no data, text or annotations key){hint}")
    return kind


def _array(path: str | Path, progress: Progress | None) -> Iterator[tuple[Where, Any]]:
    """The elements of a JSON array, located `$[i]`; a parse error mid-file ends them with finding V001."""
    with open_binary(path) as handle:
        size = os.fstat(handle.fileno()).st_size or None
        count = 0
        try:
            for item in iter_json_array(handle, path):
                yield Where(str(path), f"$[{count}]"), item
                count += 1
                if progress is not None:
                    progress(count, handle.tell() / size if size else None)
        except BrokenJsonError as exc:
            where = Where(str(path), f"$[{exc.index}]")
            yield where, where.finding("V001", f"the JSON breaks off at element {exc.index} ({exc.reason}): "
                                               "the rest is not checked")


def _lines(path: str | Path, progress: Progress | None) -> Iterator[tuple[Where, Any]]:
    """The objects of a JSON Lines file, located by line; a line that is not JSON is finding V002."""
    count = 0
    for line in iter_jsonl(path):
        number = int(line.where.rsplit(":", 1)[1])
        where = Where(str(path), line=number)
        if line.error is not None:
            yield where, where.finding("V002", line.error.args[0].split(": ", 1)[-1])
            continue
        yield where, line.value
        count += 1
        if progress is not None:
            progress(count, None)


def validate_path(path: str | Path, as_: str | None = None, progress: Progress | None = None) -> Iterator[Finding]:
    """Every finding of the file at `path`, streamed; its kind detected unless `as_` names it.

    Raises InputError (exit 2) at once when the file cannot be read at all: missing, empty, not JSON.
    `progress(documents, fraction)` is called after each document (for a progress bar).
    """
    if as_ is not None and as_ not in DOCUMENT_KINDS:
        raise InputError(f"--as must be one of {', '.join(DOCUMENT_KINDS)}, not {as_!r}")
    if as_ is None:
        as_ = detect(path, hint=": say which with --as")
    else:
        _first_document(path)  # proves the file readable before anything is reported
    return _validate(path, as_, progress)


def _validate(path: str | Path, kind: str, progress: Progress | None) -> Iterator[Finding]:
    with open_binary(path) as handle:
        is_array = _first_byte(handle) == b"["
    checker = Checker(kind)
    for where, doc in _array(path, progress) if is_array else _lines(path, progress):
        if isinstance(doc, Finding):  # the part of the file that could not be parsed
            yield doc
        else:
            yield from checker.check(where, doc)
