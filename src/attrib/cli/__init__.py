"""Command line: parses arguments, calls the library, and turns its errors into one line each.

Each command lives in its own module and registers on `app`; the library never prints or exits.
"""

from __future__ import annotations

import sys

import typer

from ..errors import AttribError
from .app import app, state
from . import annotate as _annotate  # noqa: F401  (registers commands)
from . import cluster as _cluster  # noqa: F401
from . import evaluate as _evaluate  # noqa: F401
from . import export as _export  # noqa: F401
from . import labelstudio as _labelstudio  # noqa: F401
from . import validate as _validate  # noqa: F401
from . import train as _train  # noqa: F401

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the `attrib` console script."""
    try:
        code = app(standalone_mode=False)
    except AttribError as exc:
        if state["verbose"]:
            raise
        print(f"attrib: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # usage errors raised by typer's own click
        if not hasattr(exc, "show"):
            raise
        exc.show()
        sys.exit(getattr(exc, "exit_code", 2))
    except (typer.Abort, KeyboardInterrupt):
        print("attrib: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
