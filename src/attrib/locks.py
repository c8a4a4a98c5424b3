"""Runs on this machine that must not overlap: an flock per (what, key) in the user's own folder under the
temporary directory, released when the process ends however it ends. Runs on other machines are not covered."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
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
    folder = Path(tempfile.gettempdir()) / f"attrib-{what}-locks-{os.getuid()}"  # a user's own: no one else's umask
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}{suffix}"
