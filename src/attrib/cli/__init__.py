"""Command line: parses arguments, calls the library, and turns its errors into one line each.

Each command lives in its own module and registers on `app`; the library never prints or exits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import traceback

import click
import typer

from .. import pipe_workers
from ..errors import AttribError, InputError, OutputError, ResourceError, message_line
from ..jsonio import UNWRITABLE, write_failure
from ..threads import single_threaded
from .app import app, examples_last, state
from . import annotate as _annotate  # noqa: F401  (registers commands)
from . import backend as _backend  # noqa: F401
from . import cluster as _cluster  # noqa: F401
from . import evaluate as _evaluate  # noqa: F401
from . import export as _export  # noqa: F401
from . import labelstudio as _labelstudio  # noqa: F401
from . import validate as _validate  # noqa: F401
from . import train as _train  # noqa: F401

__all__ = ["app", "command", "main"]


def command() -> click.Command:
    """The click command tree of `app`, each command's example placed after its options."""
    return examples_last(typer.main.get_command(app))


def main() -> None:
    """Entry point of the `attrib` console script."""
    single_threaded()  # before any command imports numpy
    _utf8_stdout()
    stopped = _stop_on_sigterm()
    try:
        code = command()(standalone_mode=False)
    except AttribError as exc:
        if state["verbose"]:
            traceback.print_exc()  # and the same exit status as without -v
        print(f"attrib: {message_line(exc)}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except typer.BadParameter as exc:
        if "is not readable" not in exc.format_message():  # typer checks path arguments before attrib opens them
            _usage(exc)
        print(f"attrib: {InputError.code} {exc.format_message()}", file=sys.stderr)
        sys.exit(InputError.exit_code)
    except typer.TyperException as exc:  # usage errors raised by typer's own click
        _usage(exc)
    except (typer.Abort, KeyboardInterrupt):
        print(f"attrib: {'terminated' if stopped else 'interrupted'}", file=sys.stderr)
        _leave(128 + (signal.SIGTERM if stopped else signal.SIGINT))
    except (MemoryError, RecursionError) as exc:  # outputs are written whole or not at all: none is left half-written
        if state["verbose"]:
            traceback.print_exc()
        error = ResourceError.of(exc)
        print(f"attrib: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(1)
    except OSError as exc:  # no space left for an output written outside atomic_write: stdout (/dev/full), a folder
        if not write_failure(exc):
            raise
        _quiet_stdout()
        where = exc.filename or "standard output"  # a write() to stdout names no file; open() and mkdir() do
        print(f"attrib: {OutputError.code} {where}: cannot write ({exc.strerror})", file=sys.stderr)
        sys.exit(OutputError.exit_code)
    if stopped:  # typer turned the KeyboardInterrupt into exit status 130 by itself
        print("attrib: terminated", file=sys.stderr)
        _leave(128 + signal.SIGTERM)
    if code == 128 + signal.SIGINT:  # typer turns Ctrl-C into exit status 130 without a word
        print("attrib: interrupted", file=sys.stderr)
        _leave(code)
    sys.exit(code if isinstance(code, int) else 0)


def _leave(code: int) -> None:
    """Exit after an interrupt. Where killed pipe workers left queue threads that Python would wait for at exit
    for good, exit at once: every output was already removed on the way here, and stdout and stderr are flushed."""
    if pipe_workers.stranded():
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _utf8_stdout() -> None:
    """Records, tasks and CoNLL on standard output are UTF-8, as in a file, whatever the locale or
    PYTHONIOENCODING say (an encoding without the text's characters ended a write in a traceback); `show`'s
    table is then UTF-8 too, with what UTF-8 cannot hold escaped as in a file (jsonio.UNWRITABLE)."""
    if hasattr(sys.stdout, "reconfigure"):
        with contextlib.suppress(ValueError, OSError):  # a stream that cannot change encoding keeps its own
            sys.stdout.reconfigure(encoding="utf-8", errors=UNWRITABLE)


def _stop_on_sigterm() -> list[bool]:
    """Make SIGTERM (kill, timeout, systemd, docker stop) stop a command as Ctrl-C does: every output being written
    is removed and temporary folders are cleaned up on the way out, instead of the process vanishing mid-write.
    The list it returns becomes [True] once SIGTERM came. Either signal first kills the workers of a multi-process
    annotation (pipe_workers). Outside the main thread (a test's worker) nothing is set."""
    stopped: list[bool] = []

    def stop(signum, frame) -> None:
        if signum == signal.SIGTERM:
            stopped.append(True)
        pipe_workers.stop()
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, stop)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not where it is ignored (`cmd &`, nohup)
            signal.signal(signal.SIGINT, stop)
    return stopped


def _quiet_stdout() -> None:
    """Point standard output at /dev/null, so that Python's last flush at exit does not fail a second time."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _usage(exc: Exception) -> None:
    """What was wrong with the command line and where its help is, on one line as every other error, then exit 2
    (click's own message is four lines: the usage, the help hint, a blank line and the error)."""
    if not hasattr(exc, "format_message"):
        raise exc
    if type(exc).__name__ == "NoArgsIsHelpError":  # `attrib`, `attrib labelstudio`: the help as it is (typer's own click)
        exc.show()
        sys.exit(exc.exit_code)
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else _named_command(sys.argv[1:])
    print(f"attrib: {message} (see '{where} --help')", file=sys.stderr)
    sys.exit(getattr(exc, "exit_code", 2))


def _named_command(args: list[str]) -> str:
    """The command the words of `args` name (`attrib labelstudio push`), for an error click gives no context of
    (an option missing its value: "see 'attrib --help'" sent the user to the wrong help). Options are passed over."""
    group, path = command(), ["attrib"]
    for word in args:
        if word.startswith("-"):
            continue
        found = group.get_command(None, word) if hasattr(group, "list_commands") else None  # a group (typer's click)
        if found is None:
            break
        group, path = found, [*path, word]
    return " ".join(path)
