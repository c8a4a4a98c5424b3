"""The `attrib` console script. Importing the commands (spaCy, typer) takes a moment: a Ctrl-C in it ends in
one line, as it does once a command runs, not in a traceback of whatever was being imported."""

from __future__ import annotations

import signal
import sys


def main() -> None:
    try:
        from .cli import main as run
    except KeyboardInterrupt:
        print("attrib: interrupted", file=sys.stderr)
        sys.exit(128 + signal.SIGINT)
    run()
