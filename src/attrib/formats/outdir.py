"""Folder outputs written whole or not at all: files go to a hidden staging folder renamed into place at the end.

The folder counterpart of `jsonio.atomic_write`, for formats that are a tree of files (brat).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from ..errors import OutputError, shorten
from ..jsonio import cannot_write, make_parents, remove_made, remove_orphans, resolved, temporary_prefix


@contextlib.contextmanager
def staged_dir(out: Path, replace: bool = False) -> Iterator[Path]:
    """Yield an empty staging folder beside `out`; on success it becomes `out`, which must be absent or empty, or with
    `replace` may be an earlier output, swapped out in one step where the system can (a stop at any moment leaves
    the earlier folder or the new one at `out`, never neither). A link to a folder is written through: the folder it
    names becomes the output."""
    out = resolved(out)
    if out.exists() and not out.is_dir():  # "exists and is not an empty folder" said nothing of what it is
        raise OutputError(f"{out}: is a file: name a new folder to write into")
    if not replace and out.exists() and any(out.iterdir()):
        raise OutputError(f"{out}: exists and is not an empty folder: choose a new output folder")
    if out.resolve() == Path.cwd().resolve():  # put in place by a rename over it: the folder everyone stands in
        raise OutputError(f"{out}: is the current folder: name a new folder to write into")
    made: list[Path] = []
    try:
        made = make_parents(out)
        tmp = Path(tempfile.mkdtemp(prefix=temporary_prefix(out), suffix=".part", dir=out.parent))
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the output should get the usual permissions
    except OSError as exc:
        remove_made(made)
        raise cannot_write(out, exc) from None
    done = False
    try:
        yield tmp
        _put(tmp, out, replace)
        done = True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # the new folder after a failure; after a replacement, the earlier one
        if not done:
            remove_made(made)
    remove_orphans(out)


def _put(tmp: Path, out: Path, replace: bool) -> None:
    try:
        if replace and out.exists():
            if exchange(tmp, out):
                return  # the earlier folder is at `tmp` now
            old = tmp.with_name(f"{tmp.name[:-len('.part')]}.old")  # no exchange here: two renames, undone on a stop
            out.rename(old)
            try:
                tmp.rename(out)
            except BaseException:
                old.rename(out)
                raise
            old.rename(tmp)
            return
        if out.exists():
            out.rmdir()  # empty, or another run filled it meanwhile: ENOTEMPTY, one line below
        os.replace(tmp, out)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write ({exc.strerror})") from None


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux's renameat2 with RENAME_EXCHANGE); False where the system or the file
    system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def write_text(path: Path, content: str) -> None:
    """Write UTF-8 text exactly (no newline translation) inside a staging folder."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
    except OSError as exc:
        raise OutputError(f"{_final(path)}: cannot write ({exc.strerror})") from None


def _final(path: Path) -> Path:
    """Where a file of a staging folder will be once it is renamed: the name a message should give."""
    for staging in path.parents:
        if staging.name.startswith(".") and staging.name.endswith(".part"):
            out = staging.name[1:-len(".part")].rsplit(".", 2)[0]  # .NAME.PID.RANDOM.part
            return staging.parent / out / path.relative_to(staging)
    return path


NAME_BYTES = 200  # a file name's stem at most: file systems allow 255 bytes, with room for `_annotator.ann`


def safe_name(name: str, what: str) -> str:
    """`name` if it can be a file name in one folder, else OutputError: ids never choose where files go."""
    if name in ("", ".", "..") or name.startswith(".") or any(c in name for c in "/\\\0"):
        raise OutputError(f"{what}: {name!r} cannot be a file name (it is empty, hidden or holds a path separator)")
    if len(name.encode("utf-8")) > NAME_BYTES:
        raise OutputError(f"{what}: {shorten(name, 40)!r} cannot be a file name (longer than {NAME_BYTES} bytes)")
    return name
