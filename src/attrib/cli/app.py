"""The typer application every command module registers on, and the --verbose switch."""

from __future__ import annotations

import typer

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
) -> None:
    """Find, review and measure who says what in news text.

    Example: attrib annotate article.txt -o article.records.jsonl
    """
    state["verbose"] = verbose
