"""Ranking and formatting findings: a text report grouped by code, and JSON for machines.

Both consume findings as they stream: the text report keeps counts and the first `limit` of each
code; the JSON report writes each finding as it comes. Neither holds a whole file's findings.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import IO, Iterable

from ..counts import amount
from .findings import CODES, ERROR, Finding


class Summary:
    """Counts by code, and the first `limit` findings of each code (all when None; kept only with `keep`)."""

    def __init__(self, limit: int | None = 10, keep: bool = True) -> None:
        self.limit = limit
        self.keep = keep
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[Finding]] = {}

    def add(self, finding: Finding) -> bool:
        """Count `finding`; True when it is among the first `limit` of its code (the ones to show)."""
        self.counts[finding.code] += 1
        shown = self.limit is None or self.counts[finding.code] <= self.limit
        if shown and self.keep:
            self.examples.setdefault(finding.code, []).append(finding)
        return shown

    def total(self, severity: str) -> int:
        return sum(n for code, n in self.counts.items() if CODES[code][0] == severity)

    @property
    def errors(self) -> int:
        return self.total(ERROR)

    @property
    def warnings(self) -> int:
        return self.total("warning")

    def ranked(self) -> list[str]:
        """Codes, errors first, then the most frequent first, then by code."""
        return sorted(self.counts, key=lambda code: (CODES[code][0] != ERROR, -self.counts[code], code))

    def as_dict(self) -> dict:
        return {"errors": self.errors, "warnings": self.warnings,
                "counts": {code: self.counts[code] for code in self.ranked()}}


def format_text(summary: Summary, documents: int, files: int) -> str:
    """The terminal report: one block per code (ranked), its first findings, then a total line."""
    lines = []
    for code in summary.ranked():
        severity, title = CODES[code]
        count = summary.counts[code]
        lines.append(f"{severity} {code} {title} ({count})")
        shown = summary.examples.get(code, [])
        lines.extend(f"  {f.where()}: {f.message}" for f in shown)
        if count > len(shown):
            lines.append(f"  ... and {count - len(shown)} more (--limit to see more)")
    checked = f"{amount(documents, 'document')} in {amount(files, 'file')}"
    if summary.counts:
        lines.append(f"{checked}: {amount(summary.errors, 'error')}, {amount(summary.warnings, 'warning')}")
    else:
        lines.append(f"{checked}: clean")
    return "\n".join(lines) + "\n"


class JsonReport:
    """`{"findings": [...], "summary": {...}}`, the findings written as they arrive (at most `limit` a code)."""

    def __init__(self, out: IO[str], limit: int | None = None) -> None:
        self.out = out
        self.summary = Summary(limit, keep=False)
        self.written = 0
        out.write('{"findings": [')

    def add(self, finding: Finding) -> None:
        if self.summary.add(finding):
            self.out.write(("," if self.written else "") + "\n  " + json.dumps(finding.as_dict(), ensure_ascii=False))
            self.written += 1

    def close(self, documents: int, files: Iterable[str]) -> None:
        summary = {"files": list(files), "documents": documents, **self.summary.as_dict()}
        self.out.write("\n], \"summary\": " + json.dumps(summary, ensure_ascii=False) + "}\n")
