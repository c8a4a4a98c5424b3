"""The typer application every command module registers on, and the --verbose switch."""

from __future__ import annotations

import contextlib
import sys
from typing import Iterator

import typer
from rich.console import Console
from rich.progress import Progress

from .. import jsonsafe
from ..jsonsafe import MAX_DEPTH

app = typer.Typer(
    name="attrib",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)

state = {"verbose": False}


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks for errors."),
    max_depth: int = typer.Option(MAX_DEPTH, "--max-depth", min=1, envvar="ATTRIB_MAX_DEPTH",
                                  help="Levels of nesting a document (a JSONL line, an element of a JSON array) may "
                                       "have; deeper ones are reported, never parsed."),
) -> None:
    """Find, review and measure who says what in news text.

    Example: attrib annotate article.txt -o article.records.jsonl
    """
    state["verbose"] = verbose
    jsonsafe.max_depth.set(max_depth)


@contextlib.contextmanager
def progress_bar(*columns) -> Iterator:
    """A rich progress bar with these columns on stderr (never stdout, which may carry the output)
    when stderr is a terminal; None otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        yield bar
