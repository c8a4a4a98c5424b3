"""Reading JSON Lines with line numbers, and writing any output atomically.

Every output attrib writes goes through `atomic_write`: a temporary file beside the target,
renamed over it only when the whole output was written, so a failed run leaves no half file.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator

import ijson

from .errors import BrokenJsonError, InputError, OutputError

STDIO = "-"


@dataclass(frozen=True)
class JsonLine:
    """One line of a JSONL file: where it is, and its value or the error that stops reading it."""

    where: str  # "file.jsonl:12"
    value: Any = None
    error: InputError | None = None


def open_text(path: str | Path) -> IO[str]:
    """Open a UTF-8 text file (or stdin for "-"), raising InputError with the file name."""
    if str(path) == STDIO:
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline="")
    return _open(path, "r", encoding="utf-8", newline="")


def open_binary(path: str | Path) -> IO[bytes]:
    """Open a file for reading bytes, raising InputError with the file name."""
    return _open(path, "rb")


def _open(path: str | Path, mode: str, **kwargs: Any) -> IO:
    try:
        return open(path, mode, **kwargs)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, expected a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot open ({exc.strerror})") from None


def iter_jsonl(path: str | Path) -> Iterator[JsonLine]:
    """Yield each non-blank line of a JSONL file, parsed, with its location; never loads the file whole.

    A line that is not valid UTF-8 or not JSON is yielded with an `error` so that the caller can
    report it and go on (or stop, with --strict).
    """
    name = "<stdin>" if str(path) == STDIO else str(path)
    with open_text(path) as handle:
        line_no = 0
        while True:
            line_no += 1
            where = f"{name}:{line_no}"
            try:
                line = handle.readline()
            except UnicodeDecodeError as exc:
                yield JsonLine(where, error=InputError(f"{where}: not valid UTF-8 (byte {exc.start})"))
                return  # the decoder's position is lost: nothing after this can be located
            if not line:
                return
            if not line.strip():
                continue
            try:
                yield JsonLine(where, json.loads(line))
            except json.JSONDecodeError as exc:
                yield JsonLine(where, error=InputError(f"{where}: not JSON ({exc.msg}, column {exc.colno})"))


def read_json(path: str | Path) -> Any:
    """Parse a whole JSON file, raising InputError that names the file and the line."""
    with open_text(path) as handle:
        try:
            return json.load(handle)
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not valid UTF-8 (byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{exc.lineno}: not JSON ({exc.msg}, column {exc.colno})") from None


def iter_json_array(handle: IO[bytes], file: str | Path) -> Iterator[Any]:
    """The elements of the JSON array read from `handle`, parsed one at a time (ijson), never the file whole.

    Numbers with a fraction come back as float, not Decimal. Raises BrokenJsonError (an InputError)
    naming `file` and the index of the element that is not JSON or not UTF-8.
    """
    read = 0  # elements parsed so far: the index of the one that breaks off
    try:
        for item in ijson.items(handle, "item", use_float=True):
            yield item
            read += 1
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise BrokenJsonError(str(file), read, (str(exc).splitlines() or [type(exc).__name__])[0][:120]) from None


def dumps_line(value: Any) -> str:
    """One JSONL line: compact, non-ASCII kept as is (offsets count code points, not escapes)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w") -> Iterator[IO]:
    """Write to a temporary file beside `path` and rename it into place only on success.

    "-" writes to stdout. Text is written as UTF-8 with "\\n" line ends, untranslated.
    """
    if str(path) == STDIO:
        if "b" in mode:
            yield sys.stdout.buffer
        else:
            yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror})") from None
    kwargs = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the mode open() would
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
