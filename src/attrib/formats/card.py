"""The dataset card: what a dataset holds, counted while it streams past, rendered as Markdown.

Counts documents, attributions by kind, fragments and attributions by role (and how many are
discontinuous), records by annotator, and names the record schema and attrib version that wrote it.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Iterator

from .. import __version__
from ..counts import amount
from ..records import ROLES
from ..schemas import load_schema

UNSET = "(none)"


class DatasetStats:
    """Running counts over records; `tally` counts records as a consumer pulls them."""

    def __init__(self) -> None:
        self.records = 0
        self.ids: set[str] = set()  # documents: an export of several annotators holds several records of one
        self.attributions = 0
        self.kinds: Counter[str] = Counter()
        self.fragments: Counter[str] = Counter()  # role -> fragments
        self.with_role: Counter[str] = Counter()  # role -> attributions with at least one fragment
        self.discontinuous: Counter[str] = Counter()  # role -> attributions with two or more fragments
        self.annotators: Counter[str] = Counter()  # annotator -> records

    def observe(self, record: dict) -> None:
        self.records += 1
        self.ids.add(record.get("id"))
        who = (record.get("provenance") or {}).get("annotator")
        self.annotators[UNSET if who is None else str(who)] += 1
        for attr in record.get("attributions") or []:
            self.attributions += 1
            self.kinds[attr.get("kind") or UNSET] += 1
            for role in ROLES:
                n = len(attr.get(role) or [])
                self.fragments[role] += n
                self.with_role[role] += n > 0
                self.discontinuous[role] += n > 1

    def tally(self, records: Iterable[dict]) -> Iterator[dict]:
        for record in records:
            self.observe(record)
            yield record

    def summary(self) -> dict:
        """The counts as plain JSON-ready data."""
        return {
            "documents": len(self.ids),
            "records": self.records,
            "attributions": self.attributions,
            "kinds": dict(sorted(self.kinds.items())),
            "roles": {role: {"fragments": self.fragments[role], "attributions": self.with_role[role],
                             "discontinuous": self.discontinuous[role]} for role in ROLES},
            "annotators": dict(sorted(self.annotators.items())),
            "schema": load_schema("record")["$id"],
            "attrib": __version__,
        }


def _table(header: list[str], rows: list[list]) -> list[str]:
    return [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}",
            *(f"| {' | '.join(_literal(c) if isinstance(c, str) else str(c) for c in r)} |" for r in rows)]


def _literal(text: str) -> str:
    """`text` from the data (an annotator, a file name) as Markdown shows it and does not obey: on one line, its
    ASCII punctuation escaped (an annotator "eve | 999 |" made a row of its own, and one holding a heading, raw HTML
    or a javascript: link made those of the card)."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", " ".join(text.split()))


def counted(summary: dict) -> str:
    """"12 documents", or "35 records of 17 documents" where some are in several versions (annotators)."""
    documents, records = summary["documents"], summary["records"]
    of_documents = amount(documents, "document")
    return of_documents if records == documents else f"{amount(records, 'record')} of {of_documents}"


def render(summary: dict, data_name: str) -> str:
    """A Markdown card for a JSONL dataset named `data_name`, from `DatasetStats.summary()`."""
    lines = [
        f"# Dataset card: {_literal(data_name)}",
        "",
        f"{counted(summary)}, {amount(summary['attributions'], 'attribution')}, written by attrib {summary['attrib']}.",
        "",
        f"Format: JSON Lines, one attrib record per line, following the schema `{summary['schema']}` "
        "(schemas/record.schema.json). Offsets are Python code points into `text`, end exclusive, and every "
        "fragment repeats the text it covers.",
        "",
        "## Attributions by kind",
        "",
        *_table(["kind", "attributions"], list(summary["kinds"].items())),
        "",
        "## Roles",
        "",
        *_table(["role", "fragments", "attributions with it", "discontinuous"],
                [[role, c["fragments"], c["attributions"], c["discontinuous"]] for role, c in summary["roles"].items()]),
        "",
        "## Annotators",
        "",
        *_table(["annotator", "records"], list(summary["annotators"].items())),
        "",
    ]
    return "\n".join(lines)
