"""Opening input files, reading JSON Lines with line numbers (safely: jsonsafe), and writing any
output atomically.

Every output attrib writes goes through `atomic_write`: a temporary file beside the target,
renamed over it only when the whole output was written, so a failed run leaves no half file.
Inputs are regular files or stdin: a named pipe or a device would block or never end.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import json
import os
import re
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

from .errors import InputError, OutputError
from .jsonsafe import BOM, Decoder, Problem, json_path, max_depth

STDIO = "-"
UNWRITABLE = "backslashreplace"  # text outputs: what UTF-8 cannot hold (a lone surrogate, as Python keeps a file name's
# byte that is not UTF-8) is written as its escape (\udcff: in JSON, the same string read back), not a traceback
SPOOL = 16 * 1024 * 1024  # bytes of an output to stdout held in memory before it spills to a temporary file
CHUNK = 1024 * 1024
SPOOL_FULL = ("standard output: cannot hold the output in {target} until it is complete ({reason}): set TMPDIR to a "
              "roomier folder, or write to a file with -o")  # a full disk under the spool, named as such
_NOT_REGULAR = {stat.S_IFIFO: "a named pipe", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
                stat.S_IFSOCK: "a socket"}


@dataclass(frozen=True)
class JsonLine:
    """One line of a JSONL file: where it is, and its value or what keeps it from being used: the error
    that stops reading it (not UTF-8, not JSON), or its problems (jsonsafe: too deep, a number or a
    string no output can hold)."""

    where: str  # "file.jsonl:12"
    value: Any = None
    error: InputError | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def number(self) -> int:
        """The line number."""
        return int(self.where.rsplit(":", 1)[1])

    def checked(self) -> Any:
        """The value, or InputError naming the line (and the JSON path of a problem)."""
        if self.error is not None:
            raise self.error
        if self.problems:
            first, more = self.problems[0], len(self.problems) - 1
            raise InputError(f"{self.where}: ${json_path(first.keys)}: {first.message}"
                             + (f" (and {more} more: `attrib validate` lists them)" if more else ""))
        return self.value


def open_text(path: str | Path) -> IO[str]:
    """Open a UTF-8 text file (or stdin for "-"), raising InputError with the file name."""
    if str(path) == STDIO:
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline="")
    return _open(path, "r", encoding="utf-8", newline="")


def open_binary(path: str | Path) -> IO[bytes]:
    """Open a file for reading bytes, raising InputError with the file name; a file in UTF-16 or UTF-32 (a byte order
    mark FF FE or FE FF: Windows' "Unicode") is named so, where it was a byte that is not UTF-8 or not JSON."""
    handle = _open(path, "rb")
    if wide(handle):
        handle.close()
        raise wide_error(path)
    return handle


def wide(handle: IO[bytes]) -> bool:
    """Whether a stream starts with a UTF-16 or UTF-32 byte order mark (FF FE or FE FF), unread."""
    return handle.peek(2)[:2] in (b"\xff\xfe", b"\xfe\xff")


def wide_error(where: str | Path) -> InputError:
    return InputError(f"{where}: is UTF-16 (or UTF-32) text, by its byte order mark: attrib reads UTF-8; save it as "
                      "UTF-8 (iconv -f UTF-16 -t UTF-8)")


def not_a_file(path: str | Path) -> str:
    """What a path that is not a regular file is instead: a named pipe, a device, a socket, a folder, a broken link."""
    try:
        kind = stat.S_IFMT(os.stat(path).st_mode)
    except FileNotFoundError:
        return "a broken link" if os.path.islink(path) else "missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    return _NOT_REGULAR.get(kind, "a folder" if kind == stat.S_IFDIR else "no regular file")


def walk(top: str | Path, onerror: Callable[[OSError], None] | None = None) -> Iterator[tuple[str, list[str], list[str]]]:
    """os.walk(top, onerror=onerror) without recursion: Python 3.11's recurses once per level, and a tree 1,100
    folders deep ended every command that reads folders in E170 ("nested past Python's recursion limit"), naming no
    folder. Top-down, in os.walk's order; a link to a folder is listed among the folders and not entered."""
    stack = [os.fspath(top)]
    while stack:
        here = stack.pop()
        try:
            with os.scandir(here) as entries:
                listed = list(entries)
        except OSError as exc:
            if onerror is not None:
                onerror(exc)
            continue
        folders, files = [], []
        for entry in listed:
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            (folders if is_folder else files).append(entry.name)
        yield here, folders, files
        stack.extend(path for path in (os.path.join(here, name) for name in reversed(folders)) if not os.path.islink(path))


def _open(path: str | Path, mode: str, **kwargs: Any) -> IO:
    try:
        kind = stat.S_IFMT(os.stat(path).st_mode)
        if kind in _NOT_REGULAR:  # checked before open(): opening a pipe nobody writes to would wait forever
            raise InputError(f"{path}: is {_NOT_REGULAR[kind]}, not a file: save what it gives to a file and read that")
        return open(path, mode, **kwargs)
    except FileNotFoundError:
        if str(path) == STDIO:  # read here as a file name: "-: no such file"
            raise InputError("- (standard input): this input is read as a file: name one") from None
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, expected a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot open ({exc.strerror})") from None


def _lines(path: str | Path) -> contextlib.AbstractContextManager[IO[bytes]]:
    if str(path) != STDIO:
        return open_binary(path)
    if wide(sys.stdin.buffer):  # it read as "binary data"
        raise wide_error("<stdin>")
    return contextlib.nullcontext(sys.stdin.buffer)


def iter_jsonl(path: str | Path) -> Iterator[JsonLine]:
    """Yield each non-blank line of a JSONL file, parsed, with its location; never loads the file whole.

    Lines are split on "\\n" and decoded one by one, so a line that is not valid UTF-8 is located exactly and
    the lines after it are read. A line that is not UTF-8 or not JSON is yielded with an `error`, one that
    is but cannot be used with its `problems`, so that the caller can report it and go on (or stop).
    A byte order mark before the first line is skipped.
    """
    with _lines(path) as handle:
        yield from parse_jsonl(handle, "<stdin>" if str(path) == STDIO else str(path))


_BLANK = re.compile(r"[ \t\r\n]*\Z")


def parse_jsonl(raw_lines: Iterable[bytes], name: str, first: int = 1) -> Iterator[JsonLine]:
    """iter_jsonl's reading of lines already split on "\\n" (a file's, or a slice of one starting at line `first`)."""
    decoder, limit = Decoder(), max_depth.get()
    for number, raw in enumerate(raw_lines, first):
        where = f"{name}:{number}"
        try:
            line = (raw.removeprefix(BOM) if number == 1 else raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            yield JsonLine(where, error=InputError(f"{where}: not valid UTF-8 (byte {exc.start + 1} of the line)"))
            continue
        if _BLANK.match(line):  # (line.strip() made a copy of the whole line to find it was not blank)
            continue
        try:
            value, problems = decoder.decode(line, limit)
        except json.JSONDecodeError as exc:
            yield JsonLine(where, error=InputError(f"{where}: not JSON ({exc.msg}, column {exc.colno})"))
            continue
        yield JsonLine(where, value, problems=problems)


def dumps_line(value: Any) -> str:
    """One JSONL line: compact, non-ASCII kept as is (offsets count code points, not escapes)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"


def temporary_prefix(target: Path) -> str:
    """How the temporary files and folders an output is written in start: `.NAME.PID.` (hidden, beside it)."""
    return f".{target.name}.{os.getpid()}."


def remove_orphans(target: Path) -> None:
    """Remove what runs killed outright (SIGKILL, out of memory, a power cut) left beside `target`: temporaries
    named for it by processes that no longer run. Nothing else can remove them, and they can be as large as
    the output. Only the names temporary_prefix and mkstemp make count: `.news.2024.jsonl.PID.RANDOM.part`, the live
    temporary of output `news.2024.jsonl`, was removed as an orphan of output `news` (process 2024 not running)."""
    ours = re.compile(re.escape(f".{target.name}.") + r"(\d+)\.[a-z0-9_]{8}\.(?:part|old)")
    with contextlib.suppress(OSError):
        for path in target.parent.iterdir():
            if (made := ours.fullmatch(path.name)) and not _running(int(made[1])):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's: it runs
        return True
    return True


def give_default_mode(path: str | Path) -> None:
    """Give a file made by mkstemp (0600) the mode open() would have given it under the umask."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


# errno values that mean the output cannot be written (the disk, the quota or the file size limit is full)
_WRITE_FAILURES = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO, errno.EROFS}


def write_failure(exc: BaseException) -> bool:
    """Whether `exc` is an output that cannot be written (no space, too large), as opposed to a bug."""
    return isinstance(exc, OSError) and exc.errno in _WRITE_FAILURES


def resolved(path: Path) -> Path:
    """Where a file written at `path` goes: a link's target, which the new file replaces (renaming it over the link
    made the link a file: `-o /dev/stdout > out` as root replaced /dev/stdout), else `path` itself."""
    try:
        return Path(os.path.realpath(path)) if path.is_symlink() else path
    except OSError as exc:  # a name longer than the system takes: Path raises (Python 3.11)
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None


def is_stream(path: str | Path) -> bool:
    """Whether `path` is stdout ("-") or a device or pipe (/dev/null): written to as it is, with nothing beside it."""
    if str(path) == STDIO:
        return True
    try:
        return stat.S_IFMT(os.stat(path).st_mode) in _NOT_REGULAR
    except OSError:
        return False


# what a file's name says it holds: every command reads a file by it (documents.py, lines.is_parquet)
PARQUET_SUFFIXES = (".parquet", ".pq")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
JSON_SUFFIXES = (".json",)
FOLDER_READS = (".txt", ".ann")  # what a folder input is read for: texts (annotate), brat standoff (import brat)


def refuse_overwriting(output: str | Path, inputs: Iterable[str | Path]) -> None:
    """OutputError when `output` is one of `inputs` (the same file under any name), or a file a folder among
    them is read for (FOLDER_READS), existing or not: writing it would destroy what the command reads, or add to
    what it and the next run read (`annotate corpus -o corpus/new.txt`). A link is judged by what it points to
    (`-o records.jsonl` linking to corpus/d.txt replaced that text)."""
    if str(output) == STDIO:
        return
    exists, target = os.path.isfile(output), Path(os.path.realpath(output))
    for name in inputs:
        with contextlib.suppress(OSError, ValueError):
            if exists and str(name) != STDIO and os.path.samefile(output, name):
                raise OutputError(f"{output}: is also an input of this command ({name}); write to another file")
            if os.path.isdir(name) and target.suffix.lower() in FOLDER_READS and \
                    Path(os.path.realpath(name)) in target.parents:
                what = f"links to {target}, " if os.path.islink(output) else "is "
                raise OutputError(f"{output}: {what}a file this command reads in the folder {name}; write to another file")


def refuse_misnamed(path: str | Path, parquet: bool) -> None:
    """OutputError when `path`'s name says Parquet and what is written is not, or the other way round: every command
    reads a file by its name, and said "not a Parquet file" (or "not UTF-8") of what attrib itself had written."""
    suffix = Path(path).suffix.lower()
    if not parquet and suffix in PARQUET_SUFFIXES:
        raise OutputError(f"{path}: a Parquet file's name, but this output is not Parquet: name it otherwise (`attrib "
                          "export -f parquet` writes Parquet)")
    if parquet and suffix in JSONL_SUFFIXES + JSON_SUFFIXES:
        raise OutputError(f"{path}: a JSON file's name, but this output is Parquet: name it .parquet")


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", parquet: bool = False) -> Iterator[IO]:
    """Write to a temporary file beside `path` and rename it into place only on success; `parquet`: what is written is
    Parquet, as the name must then say (refuse_misnamed).

    "-" writes to stdout, whole or not at all too: into a temporary file (in memory up to SPOOL bytes) copied to stdout
    on success, since stdout takes nothing back (records written before an input error reached the reader). Text is
    written as UTF-8 with "\\n" line ends, untranslated. A device or a named pipe (/dev/null) is written to as it is:
    renaming a file over it would replace the device.
    """
    if str(path) == STDIO:
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL)
        text = None if "b" in mode else io.TextIOWrapper(spool, encoding="utf-8", newline="", errors=UNWRITABLE)
        try:
            with failures_named(Path(tempfile.gettempdir()), SPOOL_FULL):  # stdout's own failures are the CLI's
                yield spool if text is None else text
                if text is not None:
                    text, wrapper = None, text
                    wrapper.detach()  # flushed into the spool, which stays open (closing the wrapper closes it)
                spool.flush()
            spool.seek(0)
            _copy_to_stdout(spool)
        finally:  # what a failed write left buffered fails again when closed: that is not the error to report
            with contextlib.suppress(OSError, ValueError):
                if text is not None:
                    text.detach()
            with contextlib.suppress(OSError):
                spool.close()
        return
    target = Path(path)
    refuse_misnamed(target, parquet)
    kwargs = {} if "b" in mode else {"encoding": "utf-8", "newline": "", "errors": UNWRITABLE}
    try:
        kind = stat.S_IFMT(os.stat(target).st_mode)
    except OSError:
        kind = None
    if kind == stat.S_IFDIR:
        raise OutputError(f"{target}: is a folder: name a file to write")
    if kind in _NOT_REGULAR:
        try:
            handle = open(target, mode, **kwargs)
        except OSError as exc:
            raise OutputError(f"{target}: cannot write ({exc.strerror})") from None
        with failures_named(target), handle:
            yield handle
        return
    target = resolved(target)
    made: list[Path] = []
    try:
        made = make_parents(target)
        fd, tmp = tempfile.mkstemp(prefix=temporary_prefix(target), suffix=".part", dir=target.parent)
    except OSError as exc:
        remove_made(made)
        raise cannot_write(target, exc) from None
    try:
        with failures_named(target):
            with os.fdopen(fd, mode, **kwargs) as handle:
                yield handle
            give_default_mode(tmp)
            os.replace(tmp, target)
        remove_orphans(target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        remove_made(made)
        raise


def _copy_to_stdout(spool: IO[bytes]) -> None:
    """The spooled bytes to stdout: its binary buffer, or as text where it has none (a test's StringIO)."""
    sys.stdout.flush()
    out = getattr(sys.stdout, "buffer", None)
    if out is not None:
        shutil.copyfileobj(spool, out, CHUNK)
        out.flush()
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    for chunk in iter(lambda: spool.read(CHUNK), b""):
        sys.stdout.write(decoder.decode(chunk))
    sys.stdout.write(decoder.decode(b"", final=True))


def make_parents(path: Path) -> list[Path]:
    """Create the missing folders above `path`; the ones made, outermost first (a failed write removes them again:
    `-o new/dir/out.jsonl` that fails leaves no empty `new/dir`)."""
    missing = [parent for parent in reversed(path.parents) if not parent.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    return missing


def cannot_write(target: Path, exc: OSError) -> OutputError:
    """The OutputError for `target`, whose folder could not be made or written in: naming the file that stands where a
    folder above it should be ("File exists" and "Not a directory" named neither)."""
    for parent in target.parents:
        try:
            if parent.exists():
                if not parent.is_dir():
                    return OutputError(f"{target}: {parent} is a file, not a folder: name another place")
                break
        except OSError:
            break
    return OutputError(f"{target}: cannot write ({exc.strerror})")


def remove_made(folders: list[Path]) -> None:
    """Remove the folders make_parents made, innermost first, where they are still empty."""
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            folder.rmdir()


@contextlib.contextmanager
def failures_named(target: Path, said: str = "{target}: cannot write ({reason})") -> Iterator[None]:
    """A write that fails for want of space (or of a size limit) as an OutputError: `said`, naming `target` and the
    reason."""
    try:
        yield
    except OSError as exc:
        if not write_failure(exc):
            raise
        raise OutputError(said.format(target=target, reason=exc.strerror)) from None
