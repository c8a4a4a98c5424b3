"""Runs on this machine that must not overlap: an flock per (what, key) in a folder of the user's own under their
account's home (~/.cache/attrib, whatever $HOME says), released when the process ends however it ends. Not under the
temporary directory: a job's own TMPDIR (as batch schedulers set), or a service's private /tmp, gave two pushes at
once two locks, and the server two projects of one title. Runs on other machines, or of other users, are not
covered."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pwd
import tempfile
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def one_at_a_time(what: str, key: str, wait: bool = True) -> Iterator[bool]:
    """Hold this machine's lock on `key` among the locks of `what`; yields True. Without `wait`, a lock another
    process holds yields False at once (the caller says what to do), and nothing is held."""
    with open(beside_lock(what, key, ".lock"), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True


def beside_lock(what: str, key: str, suffix: str) -> Path:
    """The file named `suffix` of the lock on `key` among the locks of `what`: the lock itself (".lock"), or what
    the lock's holder keeps for the next holder, in a folder of the user's own."""
    name = f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}{suffix}"
    try:
        # the account's home, not $HOME: a command run with another HOME (or none) took another lock
        home = Path(pwd.getpwuid(os.getuid()).pw_dir)
        if not home.is_absolute() or not home.is_dir():
            raise RuntimeError(home)
        folder = home / ".cache" / "attrib" / f"{what}-locks"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK | os.X_OK):  # made by another user (`sudo`)
            raise PermissionError(folder)
        return folder / name
    except (KeyError, OSError, RuntimeError):  # no account (a uid a container made up), no home, or none to write in
        folder = Path(tempfile.gettempdir()) / f"attrib-{what}-locks-{os.getuid()}"  # a user's own
        folder.mkdir(mode=0o700, exist_ok=True)
        return folder / name
