"""The typer application every command module registers on, the --verbose and --version switches,
and the help layout: each command's closing `Example:` paragraph printed last, on one line."""

from __future__ import annotations

import contextlib
import time
from typing import Iterator

import click
import typer
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.text import Text

from .. import __version__

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
EXAMPLE = "Example: "


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"attrib {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks for errors."),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                 help="Print attrib's version and exit."),
    max_depth: int = typer.Option(MAX_DEPTH, "--max-depth", min=1, envvar="ATTRIB_MAX_DEPTH",
                                  help="Levels of nesting a document (a JSONL line, an element of a JSON array) may "
                                       "have; deeper ones are reported, never parsed. Above about 950, Python's own "
                                       "parser is the limit."),
) -> None:
    """Find, review and measure who says what in news text.

    Example: attrib annotate annotations/examples/seed-000.txt -o out/seed.records.jsonl
    """
    state["verbose"] = verbose
    jsonsafe.max_depth.set(max_depth)


def typed(ctx: typer.Context, name: str) -> bool:
    """Whether the option of parameter `name` was given on the command line (not a default, nor the environment)."""
    return ctx.get_parameter_source(name).name == "COMMANDLINE"


def one_server(ctx: typer.Context, url: str | None, studio: object | None) -> tuple[str | None, object | None]:
    """`--url` or `--studio`, whichever was typed, over the other from the environment (a LABEL_STUDIO_URL exported
    for another server won over a typed --studio, silently); both typed, or neither and both in the environment, is
    refused."""
    given = {name: typed(ctx, name) for name, value in (("url", url), ("studio", studio)) if value is not None}
    if len(given) < 2:
        return url, studio
    if given["url"] != given["studio"]:
        return (url, None) if given["url"] else (None, studio)
    said = "--url and --studio name two servers" if given["url"] else "LABEL_STUDIO_URL and ATTRIB_STUDIO are both set"
    raise typer.BadParameter(f"{said}: give one of --url or --studio", param_hint="--url / --studio")


def examples_last(command: click.Command) -> click.Command:
    """Move the closing `Example:` paragraph of every command's help (its docstring's last line) after
    the options, where a reader looks for it, marked so that click does not rewrap it mid-command."""
    paragraphs = (command.help or "").rstrip().split("\n\n")
    if paragraphs[-1].strip().startswith(EXAMPLE):
        command.help = "\n\n".join(paragraphs[:-1])
        command.epilog = "\b\n" + paragraphs[-1].strip()
    for sub in getattr(command, "commands", {}).values():
        examples_last(sub)
    return command


def example_of(command: click.Command) -> str:
    """The command line of a command's example (after examples_last), '' if it has none."""
    return (command.epilog or "").removeprefix("\b\n").removeprefix(EXAMPLE)


@contextlib.contextmanager
def progress_bar(*columns) -> Iterator:
    """A rich progress bar with these columns on stderr (never stdout, which may carry the output)
    when stderr is a terminal (as rich tells it: TTY_COMPATIBLE=1 forces it); None otherwise."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    with CallerDrawnProgress(*columns, console=console, transient=True) as bar:
        yield bar


class CallerDrawnProgress(Progress):
    """A rich Progress redrawn by the thread that updates it, at most 10 times a second, instead of by a
    refresh thread of its own: a second thread slows spaCy's parser down (see attrib.threads)."""

    def __init__(self, *columns, **options) -> None:
        super().__init__(*columns, auto_refresh=False, **options)
        self._drawn = 0.0

    def _draw(self) -> None:
        now = time.monotonic()
        if now - self._drawn >= 1 / self.live.refresh_per_second:
            self._drawn = now
            self.refresh()

    def add_task(self, *args, **fields):
        task = super().add_task(*args, **fields)
        self.refresh()
        return task

    def update(self, *args, **fields) -> None:
        super().update(*args, **fields)
        self._draw()

    def advance(self, *args, **fields) -> None:
        super().advance(*args, **fields)
        self._draw()


class RateColumn(ProgressColumn):
    """Items per second, e.g. `12.5 docs/s` (rich's own speed column counts bytes)."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} {self.unit}/s" if speed else f"- {self.unit}/s", style="progress.data.speed")


def count_columns(unit: str) -> tuple[ProgressColumn, ...]:
    """A bar for counted items: description, bar, k/n, rate, time left and time spent."""
    return (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn(unit), RateColumn(unit),
            TextColumn("eta"), TimeRemainingColumn(), TimeElapsedColumn())
