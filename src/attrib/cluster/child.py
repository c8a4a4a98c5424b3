"""Each worker annotates in a single-threaded child process of its own.

A Dask worker is a process of several threads (its event loop, the task thread, a monitor), and in such a
process spaCy's parser runs 10-13% slower than in a process of one thread (see attrib.threads). So a worker
starts one child, `python -m attrib.cluster.child`, and hands it its partitions one at a time as pickled calls
over the child's stdin and stdout; the child loads the pipeline once and keeps it.

The child ends when its worker does: a worker that is killed closes the pipe, and the child exits once it has
finished the partition in hand (whose part it writes by rename, as any retry elsewhere would, byte for byte).
Dask's memory limit watches the worker process, not its child; the kernel's limits still hold for the child.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from functools import cache
from typing import Any, Callable

from ..errors import ClusterError
from ..threads import single_threaded

# Dask's nannies set it to 64 KiB so that workers hand memory back to the system at once; for the parser that costs
# page faults (6.6 s of system time instead of 2.2 s on 300 articles, about 9% of the run's wall time).
DROPPED_ENV = ("MALLOC_TRIM_THRESHOLD_",)


class Child:
    """One child process, started on first use and again after it died; calls run in it one at a time."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()

    @property
    def pid(self) -> int:
        """The running child's pid (started if none runs), without waiting for a call in progress."""
        process = self._process
        if process is not None and process.poll() is None:
            return process.pid
        with self._lock:
            return self._started().pid

    def call(self, function: Callable, *args: Any) -> Any:
        """`function(*args)` in the child (a module-level function: pickled by name); its value, or its exception.

        A child that dies during the call (killed, out of memory) is started again and the call made once more
        (a partition is written by rename, so doing it twice writes it once); a second death fails the call."""
        with self._lock:
            for attempt in (1, 2):
                process = self._started()
                try:
                    pickle.dump((function, args), process.stdin)
                    process.stdin.flush()
                    ok, value = pickle.load(process.stdout)
                    break
                except (EOFError, OSError, pickle.UnpicklingError):
                    code = process.wait()
                    self._process = None
                    if attempt == 2:
                        raise ClusterError(f"the annotating process of a worker ended twice on the same task, last "
                                           f"with exit status {code} (out of memory? try a smaller --partition-size)") from None
        if not ok:
            raise value
        return value

    def _started(self) -> subprocess.Popen:
        if self._process is None or self._process.poll() is not None:
            env = single_threaded({k: v for k, v in os.environ.items() if k not in DROPPED_ENV})
            self._process = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, env=env)
        return self._process


@cache
def child() -> Child:
    """This worker's child (one per worker process)."""
    return Child()


def serve(calls, answers) -> None:
    """The child's loop: a pickled (function, args) in, a pickled (True, value) or (False, exception) out."""
    while True:
        try:
            function, args = pickle.load(calls)
        except EOFError:  # the worker closed the pipe, or died
            return
        try:
            answer = pickle.dumps((True, function(*args)))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the worker's task
            try:
                answer = pickle.dumps((False, exc))
                pickle.loads(answer)  # an exception whose __init__ takes other arguments pickles, but does not load
            except Exception:  # then its type and message go
                answer = pickle.dumps((False, ClusterError(f"{type(exc).__name__}: {exc}")))
        try:
            answers.write(answer)
            answers.flush()
        except BrokenPipeError:  # the worker is gone
            return


def main() -> None:
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # what libraries print goes to the worker's log, not the pipe
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
