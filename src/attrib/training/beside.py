"""A command run as a second process while this one goes on (`attrib train` trains its cross-fitting halves
so: halves.py). Its stderr is kept in a temporary file, not a pipe nobody reads while it runs (a full pipe
would stall it); when it fails, its last line is the error. Leaving the `with` block stops it if it still
runs: when this process fails or is interrupted, no orphan trains on."""

from __future__ import annotations

import subprocess
import tempfile

from ..errors import ModelError

STOP_SECONDS = 10  # after terminate, how long the command has to end before it is killed


class Beside:
    """`command` started when the `with` block is entered; `wait()` for its end, stopped at the block's end."""

    def __init__(self, what: str, command: list[str]):
        self.what = what
        self.command = command
        self._stderr = tempfile.TemporaryFile()
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> "Beside":
        self._process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=self._stderr)
        return self

    def wait(self) -> None:
        """Wait for the command; a ModelError with its last line of stderr if it failed."""
        code = self._process.wait()
        if code != 0:
            self._stderr.seek(0)
            lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
            raise ModelError(f"{self.what}: {lines[-1] if lines else 'no message'} (exit code {code})")

    def __exit__(self, *exc) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._stderr.close()
