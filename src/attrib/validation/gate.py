"""The validation gate: nothing is written or pushed in which `attrib.validation` finds an error.

The server does not check predictions (unknown labels, offsets beyond the text, relations to
missing regions are all accepted), so attrib checks every task before it leaves, and every task
of an export before it becomes a record.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable, Iterator

from pathlib import Path

from ..errors import InputError, InvalidDataError, NothingToDoError
from ..lines import iter_lines
from ..lsjson.convert import as_chosen, reads_nothing
from ..records import normalize_record, repeated_id_hint
from .checks import Checker
from .findings import Finding, Where
from .reader import array_documents, detect, first_byte, is_parquet, starts_an_array
from .structure import schema_findings


def gate(findings: Iterable[Finding]) -> None:
    """Raise InvalidDataError for the first error found (saying how many more there are)."""
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more: `attrib validate` lists them)" if len(errors) > 1 else ""
        raise InvalidDataError(f"{first.where()}: {first.code} {first.message}{more}")


def gated(kind: str, documents: Iterable[Any], file: str | None = None) -> Iterator[Any]:
    """The documents of `kind` ("tasks", "export", "records"), each handed on only once it passed the gate.

    They are located `$[i]` in `file`; a stream stops at the first document with an error.
    """
    checker = Checker(kind)
    for index, document in enumerate(documents):
        gate(checker.check(Where(file, f"$[{index}]"), document))
        yield document


def checked_export(path: str, choose: str = "each") -> Iterator[dict]:
    """The tasks of the Label Studio JSON export at `path`, streamed, each validated before it is handed on, with the
    annotations and predictions `choose` reads (lsjson.convert.as_chosen: under `latest`, an older annotation with an
    error does not stop the export; under `prediction`, none does; a cancelled one never does). A task it reads
    nothing from (nobody annotated it) is handed on unjudged: no record comes of it.

    A task that cannot be read as it is (too deep, a number or string no output holds) stops it like any
    other error; BrokenJsonError where the JSON breaks off.
    """
    first = first_byte(path)
    if not first and path != "-" and Path(path).is_file() and not is_parquet(path):  # as every command says it
        raise NothingToDoError(f"{path}: empty file, no export in it: export the project from Label Studio (`attrib "
                               "labelstudio pull`) and give that")
    if first == b"[" and detect(path) == "tasks":  # agreement, push --review: "nobody has annotated yet"
        raise InputError(f"{path}: holds tasks to import, not an export: export the project from Label Studio "
                         "(`attrib labelstudio pull`) and give that")
    if first == b"{":  # records (JSON Lines): "expected a JSON array ([...]), found '{'"
        raise InputError(f"{path}: starts with '{{', not a JSON array as a Label Studio export does (JSON Lines of "
                         "records?): export the project from Label Studio (`attrib labelstudio pull`) and give that")
    checker = Checker("export")
    for where, task, unusable in array_documents(path):
        chosen, places = as_chosen(task, choose) if isinstance(task, dict) else (task, {})
        if not reads_nothing(chosen, choose):
            gate(f for f in unusable if _read(f, where.path, places))
            gate(_renumbered(finding, where.path, places) for finding in checker.check(where, chosen))
        yield chosen


def _item(path: str, root: str, places: dict[str, list[int]]) -> tuple[str, int, str] | None:
    """The list (annotations, predictions), index and rest of a finding's path inside one item of a chosen list."""
    for name in places:
        head = f"{root}.{name}["
        if path.startswith(head):
            index, _, rest = path[len(head):].partition("]")
            return name, int(index), rest
    return None


def _read(finding: Finding, root: str, places: dict[str, list[int]]) -> bool:
    """Whether a finding on the whole task (a value no output can hold) is in a part the choice reads."""
    item = _item(finding.path, root, places)
    return item is None or item[1] in places[item[0]]


def _renumbered(finding: Finding, root: str, places: dict[str, list[int]]) -> Finding:
    """`finding` of a task checked with only what its choice reads, its path naming the item's place in the file
    (`$[3].annotations[1]`, not its place among the chosen)."""
    item = _item(finding.path, root, places)
    if item is None:
        return finding
    name, index, rest = item
    return replace(finding, path=f"{root}.{name}[{places[name][index]}]{rest}")


def all_records(paths: list[str | Path], unique: bool = False) -> list[dict]:
    """checked_records, all of them; NothingToDoError when the files hold none (no empty output, no empty project).
    `unique`: an id given twice is an InputError at its second file and line, naming the first."""
    records = list(checked_records(paths, unique))
    if not records:
        raise NothingToDoError(f"{', '.join(map(str, paths))}: no records in it: write records with `attrib annotate` "
                               "(or `attrib labelstudio records` from an export)")
    return records


def checked_records(paths: Iterable[str | Path], unique: bool = False) -> Iterator[dict]:
    """attrib records (or the gold format, converted) from JSON Lines or Parquet files, streamed, each handed on only
    once it fits the record schema: what every writer relies on. Stops at the first that does not, with
    its file, line and JSON path; the meaning (`attrib validate`) is not judged here. With `unique`, also at an
    id seen before.
    """
    seen: dict[str, str] = {}
    for path in paths:
        if starts_an_array(path):
            raise InputError(f"{path}: is a JSON array (tasks, or a Label Studio export?), but records are JSON Lines "
                             "(one record a line): `attrib labelstudio records` makes records of an export")
        for line in iter_lines(path):
            record = normalize_record(line.checked(), line.where)
            gate(schema_findings("record", record, Where(str(path), line=line.number)))
            if unique and (first := seen.setdefault(record["id"], line.where)) is not line.where:
                hint = "the file is given twice" if first == line.where else repeated_id_hint(record)
                raise InputError(f"{line.where}: the id {record['id']!r} again, first at {first} ({hint})")
            yield record
