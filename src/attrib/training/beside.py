"""A command run as a second process while this one goes on (`attrib train` trains its cross-fitting halves
so: halves.py). Its stderr is kept in a temporary file, not a pipe nobody reads while it runs (a full pipe
would stall it); when it fails, its last line is the error. Leaving the `with` block stops it if it still
runs: when this process fails or is interrupted, no orphan trains on; and a command that calls
`end_with_parent()` ends when this process is killed outright (SIGKILL, out of memory), which no `with`
block sees."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

from ..errors import ModelError

STOP_SECONDS = 10  # after terminate, how long the command has to end before it is killed
PARENT_VARIABLE = "ATTRIB_BESIDE_PARENT"  # the starting process's pid, for end_with_parent
POLL_SECONDS = 1.0  # where the kernel cannot signal a parent's death, how often the command looks
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class Beside:
    """`command` started when the `with` block is entered; `wait()` for its end, stopped at the block's end."""

    def __init__(self, what: str, command: list[str]):
        self.what = what
        self.command = command
        self._stderr = tempfile.TemporaryFile()
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> "Beside":
        self._process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=self._stderr, env={**os.environ, PARENT_VARIABLE: str(os.getpid())})
        return self

    def wait(self) -> None:
        """Wait for the command; a ModelError with its last line of stderr if it failed."""
        code = self._process.wait()
        if code != 0:
            self._stderr.seek(0)
            lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
            how = f"killed by {_signal_name(-code)}" if code < 0 else f"exit code {code}"
            raise ModelError(f"{self.what}: {lines[-1] if lines else 'no message'} ({how})")

    def check(self) -> None:
        """The ModelError wait() raises, once the command has failed; nothing while it runs or after it succeeded."""
        if self._process.poll() not in (None, 0):
            self.wait()

    def __exit__(self, *exc) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._stderr.close()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:  # a real-time signal has no name of its own
        return f"signal {number}"


def end_with(parent: int) -> None:
    """End this process once process `parent` is gone (a thread looks every POLL_SECONDS): a worker pool's initializer
    (fit_revision's processes; a SIGKILLed `attrib train` left its two workers running, 500 MB, reparented to init),
    and end_with_parent's way where the kernel cannot signal a parent's death."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def end_with_parent() -> None:
    """In the command: end this process when the one that started it with Beside dies, however it dies.
    On Linux the kernel sends SIGTERM (prctl's parent-death signal: no thread, nothing to slow the work down);
    elsewhere a daemon thread looks every POLL_SECONDS. Does nothing outside a Beside."""
    parent = os.environ.get(PARENT_VARIABLE)
    if parent is None:
        return
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != int(parent):  # it died before the signal was asked for
            os._exit(1)
        return
    end_with(int(parent))
