"""The worker processes of a multi-process `nlp.pipe` (`annotate --n-process N`), stopped by their parent.

spaCy forks them and, on an interrupt, waits for them. A forked worker took Ctrl-C or SIGTERM itself: each printed
a KeyboardInterrupt traceback and died, or one signalled alone kept working, while the parent waited on it and on
the pipes it no longer read, for good. While `quiet()` is on, a worker forked ignores both signals, and `stop()`,
which the command line's signal handlers call, kills them so the parent's wait ends at once. A parent killed outright
(SIGKILL, the out-of-memory killer) calls nothing: its workers, each blocked writing into a pipe it holds both ends
of, stayed for good with hundreds of MB each; on Linux they now die with it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import warnings
from typing import Iterator

_quiet = False  # while on, processes forked ignore Ctrl-C and SIGTERM: their parent stops them
_killed = False  # stop() killed workers: their queues' threads may wait for good
_parent = 0  # the process that forks: its workers die with it
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _find_prctl():
    """The C library's prctl, looked up here, before any fork (a lookup in a forked child is not fork-safe)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # no prctl in this C library: the workers outlive a killed parent, as before
        return None


_prctl = _find_prctl()


def _note_parent() -> None:
    global _parent
    _parent = os.getpid()


def _ignore_stop_signals() -> None:
    if _quiet:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _die_with_parent()


def _die_with_parent() -> None:
    """SIGKILL this worker when the thread that forked it ends (Linux's parent-death signal); at once if its parent
    is gone already (it died between the fork and here)."""
    if _prctl is None or _prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        return
    if os.getppid() != _parent:
        os._exit(1)


os.register_at_fork(before=_note_parent, after_in_child=_ignore_stop_signals)


@contextlib.contextmanager
def quiet(on: bool = True) -> Iterator[None]:
    """Processes forked inside (a multi-process nlp.pipe's workers) leave Ctrl-C and SIGTERM to this process."""
    global _quiet
    before, _quiet = _quiet, _quiet or on
    try:
        yield
    finally:
        _quiet = before


def stop() -> None:
    """Kill the workers forked under `quiet()`, if any run: the process is stopping (Ctrl-C, SIGTERM). spaCy's
    warning that they did not complete (W127) is not news then."""
    global _killed
    if not _quiet or "multiprocessing" not in sys.modules:
        return
    import multiprocessing

    for child in multiprocessing.active_children():
        child.kill()
        _killed = True
    warnings.filterwarnings("ignore", message=r"\[W127\]")


def stranded() -> bool:
    """Whether workers stop() killed left this process queue feeder threads that would block its exit for good
    (each waits to write into a pipe nobody reads any more; Python joins them at exit)."""
    return _killed and any(thread.name == "QueueFeederThread" and thread.is_alive() for thread in threading.enumerate())
