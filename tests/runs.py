"""Running `attrib` in tests: in this process (fast: spaCy and the pipeline are loaded once per test
run), or as a real process where the process itself is the point (exit status, signals, stdin/stdout
pipes, the console script)."""

from __future__ import annotations

import contextlib
import contextvars
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from attrib.cli import main

ATTRIB = str(Path(sys.executable).parent / "attrib")


@dataclass(frozen=True)
class Ran:
    """What a run of `attrib` left: its exit status and what it wrote to stdout and stderr."""

    code: int
    out: str
    err: str


def attrib(*args: object, stdin: bytes = b"", env: dict[str, str] | None = None, merged: bool = False) -> Ran:
    """`attrib ARGS...` in this process: main() as the console script calls it, with stdin, stdout and
    stderr of its own and the environment changed by `env` for the run only, in a copy of the current context, so
    what the run sets (`attrib --max-depth`) ends with it. `merged`: stdout and stderr in one stream, in the order
    they were written, as a terminal shows them (Ran.out; Ran.err is empty)."""
    out = io.StringIO()
    err = out if merged else io.StringIO()
    fake_stdin = io.TextIOWrapper(io.BufferedReader(io.BytesIO(stdin)), encoding="utf-8")
    with mock.patch.dict(os.environ, env or {}), mock.patch.object(sys, "argv", ["attrib", *map(str, args)]), \
            mock.patch.object(sys, "stdin", fake_stdin), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            contextvars.copy_context().run(main)
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return Ran(code, out.getvalue(), "" if merged else err.getvalue())


def attrib_process(*args: object, stdin: bytes | None = None, env: dict[str, str] | None = None,
                   cwd: Path | None = None, timeout: float = 300) -> Ran:
    """`attrib ARGS...` as a real process (the console script), text decoded as UTF-8."""
    done = subprocess.run([ATTRIB, *map(str, args)], input=stdin, capture_output=True, env=env, cwd=cwd,
                          timeout=timeout)
    return Ran(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))
