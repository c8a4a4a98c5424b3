"""What `attrib export` and `attrib labelstudio records` read: attrib records (JSONL, gold format too)
or a Label Studio JSON export.

Both are streamed. Each exported task is validated (as `attrib validate` does) and goes through the
gate before it is converted, so a broken export stops with the first error and its location instead
of becoming a broken dataset; each record is checked against the record schema. An input that yields no
record at all (an export nobody has annotated yet, an empty file) stops with what to do instead of becoming an
empty dataset.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..counts import amount
from ..errors import InputError, NothingToDoError
from ..jsonio import open_binary
from ..lsjson.convert import export_records
from ..records import blank_span
from ..validation import detect
from ..validation.gate import checked_export, checked_records

BLANK_PROBE = 65536  # bytes read to tell an empty (or blank) file from one that holds something


def read_input(path: str | Path, choose: str = "each", drafts_do: bool = True,
               notice: Callable[[str], None] | None = None) -> Iterator[dict]:
    """attrib records from `path`: a records JSONL file as is, a Label Studio export converted
    (`choose` as in lsjson.convert.task_records). `drafts_do`: the caller has --choose prediction to offer when
    nobody annotated (train does not: drafts are nothing to learn from). `notice` is told, once all is read, how many
    of an export's tasks gave no record (what validate says V601 of)."""
    path = Path(path)
    if _blank(path):
        raise NothingToDoError(f"{path}: empty file, no records in it: give records (`attrib annotate` writes them) or a "
                               "Label Studio export (`attrib labelstudio pull`)")
    kind = detect(path)
    if kind == "records":
        return _not_empty(without_blank_spans(checked_records([path]), path), lambda: f"{path}: holds no records")
    tasks = _Counted(checked_export(str(path), choose))  # which refuses tasks to import
    none: list = []  # the ids of the tasks that give no record
    records = _not_empty(export_records(tasks, choose, str(path), lambda task: none.append(task.get("id"))),
                         lambda: nothing_chosen(path, tasks.count, choose, drafts_do))
    if notice is None:
        return records
    return _then(records, lambda: none and notice(
        f"{amount(len(none), 'task')} of the {tasks.count} in {path} gave no record under --choose {choose} (first: "
        f"task {none[0]}): {NO_RECORD.get(choose, NO_RECORD['each'])}"))


NO_RECORD = {  # why a task gives no record, by --choose
    "each": "no annotation, or cancelled (skipped) ones only",
    "ground_truth": "no annotation marked ground truth",
    "prediction": "no prediction",
}


def _then(records: Iterable[dict], done: Callable[[], object]) -> Iterator[dict]:
    """`records`, then `done()` once they are all read."""
    yield from records
    done()


def without_blank_spans(records: Iterable[dict], path: str | Path) -> Iterator[dict]:
    """`records`, stopping at one with a span of white space only (an export's tasks are refused it by the gate):
    `export -f conll` wrote its attribution without the span, `train` ended in spaCy's traceback."""
    for record in records:
        if (where := blank_span(record)) is not None:
            raise InputError(f"{path}: document {record['id']!r}, {where} covers white space only: correct or remove "
                             "it (`attrib validate` lists such spans: V205)")
        yield record


def nothing_chosen(path: str | Path, tasks: int, choose: str, drafts_do: bool = True) -> str:
    """Why an export of `tasks` tasks gave no record under --choose `choose`, and what to do."""
    if not tasks:
        return f"{path}: the export holds no tasks: push documents (`attrib labelstudio push`), then pull again"
    counted = amount(tasks, "task")
    if choose == "prediction":
        return f"{path}: no prediction in its {counted}: push records made by `attrib annotate`"
    if choose == "ground_truth":
        return (f"{path}: no annotation in its {counted} is marked ground truth: mark one in Label Studio "
                "(the star on an annotation), or use --choose latest")
    return (f"{path}: nobody has annotated yet (no annotation in its {counted}; cancelled ones do not count): "
            "annotate in Label Studio first (correct the drafts, Submit) and pull again"
            + (", or take the drafts as they are with --choose prediction" if drafts_do else ""))


class _Counted:
    """An iterable that counts what went through it."""

    def __init__(self, items: Iterable) -> None:
        self.items, self.count = items, 0

    def __iter__(self) -> Iterator:
        for item in self.items:
            self.count += 1
            yield item


def _not_empty(records: Iterable[dict], why: Callable[[], str]) -> Iterator[dict]:
    """`records`, then NothingToDoError(why()) if there were none (writers write to a temporary file, so
    the error leaves no output behind)."""
    empty = True
    for record in records:
        empty = False
        yield record
    if empty:
        raise NothingToDoError(why())


def _blank(path: Path) -> bool:
    try:
        if not path.is_file():
            return False
    except OSError as exc:  # a name longer than the system takes: Path raises (Python 3.11)
        raise InputError(f"{path}: cannot open ({exc.strerror})") from None
    with open_binary(path) as handle:
        head = handle.read(BLANK_PROBE)
    return len(head) < BLANK_PROBE and not head.strip()
