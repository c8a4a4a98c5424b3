"""Dataset formats: one module per format, each a `write(records, out) -> paths` that streams where it can.

Writers are imported on use, so `attrib --help` does not pay for spaCy or pyarrow.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any, Callable, Iterable

from ..errors import InputError
from .card import DatasetStats

# format name -> module in this package; each module documents what its format keeps and drops
MODULES = {"jsonl": "jsonl", "brat": "brat", "conll": "conll", "spacy": "docbin", "parquet": "parquet"}
FORMATS = tuple(MODULES)
CONLL_FORMS = ("flat", "rich")  # conll.py's two forms, named here so that the CLI need not import spaCy


def writer(fmt: str) -> Callable[..., list[Path]]:
    """The `write(records, out, **options) -> written paths` function of format `fmt`."""
    if fmt not in MODULES:
        raise InputError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return import_module(f".{MODULES[fmt]}", __name__).write


def export(records: Iterable[dict], fmt: str, out: str | Path, **options: Any) -> dict:
    """Write `records` to `out` in format `fmt`; returns the paths written and the counts of what was in them."""
    write = writer(fmt)
    stats = DatasetStats()
    paths = write(stats.tally(records), Path(out), **options)
    return {"format": fmt, "paths": [str(p) for p in paths], **stats.summary()}
