"""Findings: what is wrong and exactly where, as plain values (like jsonschema's errors).

A check never prints or raises for bad data; it yields `Finding`s. Codes are stable (a test pins
the catalogue), so scripts can filter on them; severity belongs to the code, not to the call site.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable, Literal, NamedTuple

from ..errors import shorten
from ..jsonsafe import json_path

Severity = Literal["error", "warning"]

ERROR: Severity = "error"
WARNING: Severity = "warning"

# code -> (severity, what it means). Append new codes; never renumber.
CODES: dict[str, tuple[Severity, str]] = {
    # V0xx: reading
    "V001": (ERROR, "JSON breaks off inside the file"),
    "V002": (ERROR, "a line is not JSON"),
    "V003": (ERROR, "a document nests deeper than the limit (attrib --max-depth)"),
    "V004": (ERROR, "a number no JSON output can hold: NaN, Infinity, beyond the float range, or too many digits"),
    "V005": (ERROR, "a string holds a lone surrogate: not Unicode"),
    "V006": (WARNING, "the file starts with a UTF-8 byte order mark"),
    "V007": (ERROR, "an object holds one key more than once: which value was meant is unknown"),
    # V1xx: structure (the JSON Schemas)
    "V101": (ERROR, "a required key is missing"),
    "V102": (ERROR, "a value has the wrong type"),
    "V103": (ERROR, "a value is not one of those allowed"),
    "V104": (ERROR, "a value breaks a schema constraint"),
    "V105": (ERROR, "an unexpected key"),
    # V2xx: offsets against the text
    "V201": (ERROR, "a span does not fit the text"),
    "V202": (ERROR, "a span is empty or reversed (start >= end)"),
    "V203": (ERROR, "a region's text differs from the text at its offsets"),
    "V204": (WARNING, "a region's text differs from the text at its offsets in whitespace only, or as Label Studio "
                      "writes a selection across lines"),
    "V205": (ERROR, "a span covers whitespace only (a stray selection: nothing an attribution can be made of)"),
    "V206": (ERROR, "a gold-format role is not a [start, end] pair of integers inside the text spanning its parts"),
    # V3xx: names of attrib's labeling config, region ids, per-region choices
    "V301": (ERROR, "a region's label is not one of attrib's"),
    "V302": (ERROR, "a region needs exactly one label"),
    "V303": (ERROR, "from_name is not one of attrib's config"),
    "V304": (ERROR, "to_name is not attrib's Text tag"),
    "V305": (ERROR, "a result type attrib's config does not produce"),
    "V306": (ERROR, "two regions of one result share an id"),
    "V307": (ERROR, "a choice is not one of those allowed"),
    "V308": (ERROR, "a per-region choice belongs to no region"),
    "V309": (ERROR, "a per-region choice sits on a region it does not apply to"),
    "V310": (ERROR, "a per-region choice's span differs from its region's"),
    "V311": (WARNING, "an attribution's regions carry different kinds (the CONTENT's is kept)"),
    "V312": (WARNING, "an attribution has no kind (read as its content's quote marks say)"),
    # V4xx: relations
    "V401": (ERROR, "a relation points to a region that does not exist in its result"),
    "V402": (ERROR, "a relation needs exactly one label of attrib's"),
    "V403": (ERROR, "a relation joins regions whose roles the config does not allow"),
    "V404": (ERROR, "a relation joins a region to itself"),
    "V405": (WARNING, "the same relation twice"),
    "V406": (WARNING, "a relation's label differs from the role of the region it points to"),
    # V5xx: attributions (regions grouped by relations)
    "V501": (ERROR, "a CONTENT belongs to no attribution with a CUE"),
    "V502": (ERROR, "a SOURCE belongs to no attribution"),
    "V503": (ERROR, "a CUE belongs to no attribution with a CONTENT"),
    "V504": (WARNING, "a REFERENT no SOURCE refers to"),
    "V505": (WARNING, "two attributions claim the same CUE or CONTENT fragment"),
    "V506": (WARNING, "a SOURCE refers to two REFERENTs (the first is kept)"),
    "V507": (WARNING, "two fragments of one role of one attribution overlap"),
    "V508": (ERROR, "the attributions' fragments hold over 20 times the text (one span given to hundreds of them?)"),
    # V6xx: annotations
    "V601": (WARNING, "a cancelled (skipped) annotation"),
    "V602": (WARNING, "an annotation with no regions"),
    "V603": (ERROR, "one annotator has several annotations of one task"),
    "V604": (WARNING, "an annotation's time is not an ISO 8601 time (--choose latest then orders by id)"),
    # V7xx: documents
    "V701": (ERROR, "the same record id twice (imported twice)"),
    "V702": (WARNING, "a task carries no record id"),
    "V703": (ERROR, "two attributions of one record share an id"),
    # V8xx: the parts of a cluster run against its manifest (_SUCCESS.json)
    "V801": (ERROR, "a part's bytes differ from the manifest's hash"),
    "V802": (ERROR, "a part the manifest lists is missing"),
    "V803": (WARNING, "a part file the manifest does not list"),
    "V804": (ERROR, "a folder of parts has no manifest (the run did not finish)"),
    "V805": (WARNING, "a part's receipt is missing or unreadable: ids are not compared across parts"),
}


@dataclass(frozen=True)
class Finding:
    """One problem: its severity and stable code, a message, and where (any of the location fields)."""

    severity: Severity
    code: str
    message: str
    file: str | None = None
    task_id: int | str | None = None
    annotation_id: int | str | None = None
    region_id: str | None = None
    path: str = "$"  # JSON path inside the file (`$[3].annotations[0].result[2].value.end`)
    line: int | None = None  # line number, in JSON Lines files
    record_id: str | None = None  # the attrib record (document) the place belongs to

    def where(self) -> str:
        """`file:line $path (task 7, annotation 12, region abc)`: everything known about the place."""
        head = self.file or "<input>"
        if self.line is not None:
            head += f":{self.line}"
        ids = [f"{name} {shorten(str(value), 100, one_line=True)}" for name, value in (
            ("record", self.record_id), ("task", self.task_id), ("annotation", self.annotation_id),
            ("region", self.region_id)) if value is not None]  # an id can be megabytes long: its start names it
        return f"{head} {self.path}" + (f" ({', '.join(ids)})" if ids else "")

    def as_dict(self) -> dict:
        return asdict(self)


class Where(NamedTuple):
    """The location a check is looking at; checks extend it and turn it into findings.

    The JSON path is kept as keys below the document's own path and written out only for a
    finding: most places are fine.
    """

    file: str | None = None
    root: str = "$"  # the document's path in its file: "$[3]" in a JSON array, "$" on a JSON Lines line
    keys: tuple[str | int, ...] = ()  # below the root: ("annotations", 0) is $[3].annotations[0]
    task_id: int | str | None = None
    annotation_id: int | str | None = None
    line: int | None = None
    record_id: str | None = None

    @property
    def path(self) -> str:
        return self.root + json_path(self.keys)

    def at(self, *keys: str | int) -> Where:
        """This location, one or more steps deeper: `where.at("annotations", 0)`."""
        return Where(self.file, self.root, self.keys + keys, self.task_id, self.annotation_id, self.line, self.record_id)

    def but(self, **fields) -> Where:
        return self._replace(**fields)

    def finding(self, code: str, message: str, region_id: str | None = None) -> Finding:
        severity, _ = CODES[code]
        return Finding(severity, code, message, self.file, self.task_id, self.annotation_id,
                       None if region_id is None else str(region_id), self.path, self.line, self.record_id)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)
