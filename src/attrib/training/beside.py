"""A job run in a second process while this one goes on: `attrib train` trains the cross-fitting halves
(cross_fit.py) beside its main run, so that both cores train (spaCy's training loop uses one).

A plain spawned process and a pipe, not a pool: a pool whose worker is killed (out of memory) never
answers, and its running worker cannot be stopped when this process fails or is interrupted.
"""

from __future__ import annotations

import multiprocessing
from typing import Any, Callable

from ..errors import ModelError


def _run(connection, function: Callable, args: tuple) -> None:
    try:
        outcome = (True, function(*args))
    except BaseException as exc:  # handed to the parent, which raises it
        outcome = (False, exc)
    try:
        connection.send(outcome)
    except Exception as exc:  # an exception that does not pickle: its message at least
        connection.send((False, ModelError(f"{outcome[1]!r} ({exc})")))
    finally:
        connection.close()


class Beside:
    """`function(*args)` in a spawned process from the moment this is entered; `result()` waits for it and
    returns its value or raises its exception. Leaving the `with` block stops the process if it still runs."""

    def __init__(self, what: str, function: Callable, *args: Any):
        self.what = what
        context = multiprocessing.get_context("spawn")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_run, args=(send, function, args), name=what)
        self._send = send

    def __enter__(self) -> "Beside":
        self._process.start()
        self._send.close()  # the child holds the sending end: its death ends the pipe
        return self

    def result(self) -> Any:
        try:
            ok, value = self._receive.recv()
        except EOFError:
            self._process.join()
            raise ModelError(f"{self.what}: the second process ended without a result (exit code "
                             f"{self._process.exitcode}; out of memory?)") from None
        self._process.join()
        if not ok:
            raise value
        return value

    def __exit__(self, *exc) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._receive.close()
