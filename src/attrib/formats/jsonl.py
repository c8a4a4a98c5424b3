"""`jsonl`: attrib records, one per line, plus a Markdown dataset card beside them. Keeps everything.

    attrib export annotations.json -f jsonl -o dataset.jsonl   # writes dataset.jsonl and dataset.card.md
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterable

from ..jsonio import atomic_write, dumps_line, failures_named, is_stream, resolved
from ..locks import one_at_a_time
from .card import DatasetStats, render


def card_path(out: Path) -> Path:
    """`dataset.jsonl` -> `dataset.card.md`."""
    stem = out.stem if out.suffix == ".jsonl" else out.name
    return out.with_name(f"{stem}.card.md")


def card_of(out: str | Path) -> Path | None:
    """Where the dataset card of records written to `out` goes: beside the file they go to, a link's target (not
    beside the link); None for a stream (stdout, a device or a pipe), which has nothing beside it."""
    return None if is_stream(out) else card_path(resolved(Path(out)))


def write_records(records: Iterable[dict], out: str | Path) -> int:
    """Stream `records` to the JSONL file `out` ("-": stdout); returns how many were written."""
    count = 0
    with atomic_write(out) as handle:
        for record in records:
            handle.write(dumps_line(record))
            count += 1
    return count


def write(records: Iterable[dict], out: Path) -> list[Path]:
    """Stream `records` to `out`, then write the card counted on the way. Both are written whole before either
    is renamed into place: a card that cannot be written (a full disk) leaves neither, not new records beside
    the earlier card. Then the earlier card is removed, the records renamed in, and the card last: a run stopped
    between those steps leaves records without a card, never a card that counts other records. Two writes of one
    output take turns, so a card always counts the records beside it."""
    stats = DatasetStats()
    card = card_of(out)
    if card is None:
        write_records(stats.tally(records), out)
        return []
    # two exports to one output at once take turns: the card of one was renamed in beside the records of the other
    with one_at_a_time("output", os.path.realpath(card)), atomic_write(card) as card_handle:  # one key however named
        with atomic_write(out) as handle:
            for record in stats.tally(records):
                handle.write(dumps_line(record))
            handle.flush()  # a full disk is found now, before anything is renamed or removed
            with failures_named(card):
                card_handle.write(render(stats.summary(), out.name))
                card_handle.flush()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(resolved(card))  # the file a card that is a link points to: the link stays
    return [out, card]
