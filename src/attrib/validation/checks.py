"""Checking streams of documents: tasks attrib imports, Label Studio exports, attrib records.

Each document is checked against its schema (structure), then for meaning; across documents only
the record ids seen so far are kept (to report a document imported twice), so a stream of any
length is checked in memory that grows with its number of documents, not with its size in bytes.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace
from typing import Any, Iterable, Iterator

from ..errors import AttribError, OffsetError, SchemaError, shorten
from ..lsjson.convert import RECORD_ID, annotator_key, annotator_of, instant
from ..lsjson.names import TEXT_NAME
from ..records import ROLES, is_gold, is_int, normalize_record
from .findings import Finding, Where
from .result import check_result
from .spans import first_overlap, overlap_message, span_findings
from .structure import schema_findings

DOCUMENT_KINDS = ("tasks", "export", "records")
PATH_STEP = re.compile(r"\.(\w+)|\[(\d+)\]")  # a step of a JSON path: .key or [index]
GOLD = ("gold format",)  # in a checker's `seen`: a gold record came in this stream

Located = tuple[Where, Any]  # a document and where it is in its file


def _located(docs: Iterable[Any], file: str | None) -> Iterator[Located]:
    for i, doc in enumerate(docs):
        yield Where(file, f"$[{i}]"), doc


def check_tasks(tasks: Iterable[dict], file: str | None = None) -> Iterator[Finding]:
    """Findings for the tasks attrib imports into Label Studio (a JSON array's elements)."""
    return check_located("tasks", _located(tasks, file))


def check_export(tasks: Iterable[dict], file: str | None = None) -> Iterator[Finding]:
    """Findings for the tasks of a Label Studio JSON export of an attrib project."""
    return check_located("export", _located(tasks, file))


def check_records(records: Iterable[dict], file: str | None = None) -> Iterator[Finding]:
    """Findings for attrib records (the elements of a stream, e.g. the lines of a JSONL file)."""
    return check_located("records", _located(records, file))


def check_located(kind: str, docs: Iterable[Located]) -> Iterator[Finding]:
    """Findings for documents of `kind` ("tasks", "export", "records"), each with its location."""
    checker = Checker(kind)
    for where, doc in docs:
        yield from checker.check(where, doc)


class Checker:
    """Checks the documents of one stream one at a time, remembering the record ids seen."""

    def __init__(self, kind: str) -> None:
        if kind not in DOCUMENT_KINDS:
            raise ValueError(f"kind must be one of {DOCUMENT_KINDS}, not {kind!r}")
        self.kind = kind
        self.seen: dict[Any, str] = {}  # record id (and annotation, for records) -> where it was first

    def check(self, where: Where, doc: Any) -> Iterator[Finding]:
        if self.kind == "records":
            return _record(doc, where, self.seen)
        return _task(self.kind, doc, where, self.seen)


def _first_seen(seen: dict, key: Any, where: Where) -> str | None:
    """Where `key` was seen before, or None (and remember it here)."""
    if key in seen:
        return seen[key]
    seen[key] = where.path if where.line is None else f"line {where.line}"
    return None


def _task(kind: str, task: Any, where: Where, seen: dict) -> Iterator[Finding]:
    if not isinstance(task, dict):
        yield from schema_findings(kind, task, where)
        return
    data = task.get("data")
    text = data.get(TEXT_NAME) if isinstance(data, dict) else None
    text = text if isinstance(text, str) else None  # else the schema reports it, and offsets go unchecked
    record_id = data.get(RECORD_ID) if isinstance(data, dict) else None
    where = where.but(task_id=task.get("id") if is_int(task.get("id")) else None,
                      record_id=record_id if isinstance(record_id, str) else None)
    yield from schema_findings(kind, task, where)
    if isinstance(data, dict) and record_id is None:
        yield where.at("data").finding("V702", f"no data.{RECORD_ID}: the task cannot be traced to a record")
    elif isinstance(record_id, str) and (first := _first_seen(seen, record_id, where)):
        yield where.at("data", RECORD_ID).finding("V701", f"record {record_id!r} was already imported at {first}")
    if isinstance(data, dict) and record_id is None and is_int(task.get("id")) and \
            (first := _first_seen(seen, str(task["id"]), where)):  # its records take the task id as their id
        yield where.at("id").finding("V701", f"task {task['id']} has no data.{RECORD_ID}, so its records take the "
                                     f"id {str(task['id'])!r}, which the record at {first} has")
    predictions = task.get("predictions")
    for j, prediction in enumerate(predictions if isinstance(predictions, list) else []):
        if isinstance(prediction, dict):  # an export without full predictions lists their ids only
            at = where.at("predictions", j)
            yield from check_result(prediction.get("result"), text, at.at("result"))
    # tasks to import may carry annotations too (Label Studio imports them, unchecked): checked as an export's
    yield from _annotations(task.get("annotations"), text, where)


def _annotations(annotations: Any, text: str | None, where: Where) -> Iterator[Finding]:
    by_annotator: dict[Any, Any] = {}
    for j, ann in enumerate(annotations if isinstance(annotations, list) else []):
        if not isinstance(ann, dict):
            continue
        at = where.at("annotations", j).but(annotation_id=ann.get("id") if is_int(ann.get("id")) else None)
        if ann.get("was_cancelled") is True:
            yield at.at("was_cancelled").finding("V601", "the annotator skipped this task: the annotation is not exported")
            continue
        for name in ("updated_at", "created_at"):
            if isinstance(ann.get(name), str) and instant(ann[name]) is None:
                yield at.at(name).finding("V604", f"{name} {shorten(ann[name], 40, one_line=True)!r} is not an ISO 8601 "
                                          "time: --choose latest orders this task's annotations by id")
        result = ann.get("result")
        if isinstance(result, list) and not result:
            yield at.at("result").finding("V602", "the annotation has no regions (submitted empty)")
        who = annotator_key(ann) if isinstance(ann.get("completed_by"), (int, dict)) else None
        if isinstance(who, (str, int)) and not isinstance(who, bool):
            if who in by_annotator:
                yield at.finding("V603", f"annotator {annotator_of(ann)!r} also made annotation {by_annotator[who]!r} "
                                 "of this task (--choose each_latest reads their latest)")
            else:
                by_annotator[who] = ann.get("id")
        yield from check_result(result, text, at.at("result"))


def _gold(record: dict, seen: dict) -> bool:
    """A record in the gold format: one of its attributions is, or it has none in a stream where a gold record came."""
    attributions = record.get("attributions")
    return isinstance(attributions, list) and (
        any(isinstance(attribution, dict) and is_gold(attribution) for attribution in attributions)
        or (not attributions and GOLD in seen))


FRAGMENT_PATH = re.compile(r"(?P<head>.*\.attributions\[(?P<i>\d+)\])\.(?P<role>source|cue|content)\[(?P<k>\d+)\].*")


def _in_gold(finding: Finding, gold: dict) -> Finding:
    """`finding` of the record a gold record reads as, at its place in the gold record: a fragment `content[1]` is
    `parts.content[i]` (its place among the parts, which are read in order of their starts), or the pair `content`."""
    found = FRAGMENT_PATH.fullmatch(finding.path)
    if found is None:
        return finding
    attribution = gold["attributions"][int(found["i"])]
    role, k = found["role"], int(found["k"])
    parts = attribution.get("parts", {}).get(role) if isinstance(attribution.get("parts"), dict) else None
    if parts is None:
        return replace(finding, path=f"{found['head']}.{role}")
    order = sorted(range(len(parts)), key=lambda n: tuple(parts[n]))
    return replace(finding, path=f"{found['head']}.parts.{role}[{order[k]}]")


def _record(record: Any, where: Where, seen: dict) -> Iterator[Finding]:
    if not isinstance(record, dict):
        yield from schema_findings("record", record, where)
        return
    if _gold(record, seen):  # the gold format of ../shared/data (pairs and parts), checked as the record every command
        # reads (a document without attributions is gold too in a file of gold documents: its other keys are its meta)
        seen[GOLD] = True
        try:
            read = normalize_record(record, "")
        except (OffsetError, SchemaError) as exc:  # a pair or part that reads as no span, a key with no place:
            path, _, why = str(exc.args[0]).removeprefix(": $").partition(": ")  # ": $.attributions[0].content: why"
            keys = [int(index) if index else name for name, index in PATH_STEP.findall(path)]
            yield where.at(*keys).finding("V105" if isinstance(exc, SchemaError) else "V206", why)
            return
        except AttribError as exc:  # the record itself: no id, a key given in meta too with another value
            yield where.finding("V104", str(exc.args[0]).removeprefix(": "))
            return
        for finding in _checked_record(read, where, seen):
            yield _in_gold(finding, record)
        return
    yield from _checked_record(record, where, seen)


def _checked_record(record: dict, where: Where, seen: dict) -> Iterator[Finding]:
    record_id = record.get("id") if isinstance(record.get("id"), str) else None
    provenance = record.get("provenance") if isinstance(record.get("provenance"), dict) else {}
    task_id, annotation_id = provenance.get("task_id"), provenance.get("annotation_id")
    where = where.but(record_id=record_id, task_id=task_id if is_int(task_id) else None,
                      annotation_id=annotation_id if is_int(annotation_id) else None)
    yield from schema_findings("record", record, where)
    if record_id is not None:
        prediction_id, annotator = provenance.get("prediction_id"), provenance.get("annotator")
        key = (record_id, where.annotation_id, prediction_id if is_int(prediction_id) else None,
               annotator if isinstance(annotator, (str, int)) else None)  # brat: one version per annotator
        if first := _first_seen(seen, key, where):
            yield where.at("id").finding("V701", f"record {record_id!r} is also at {first}")
    text = record.get("text")
    if not isinstance(text, str):
        return  # the schema reports it
    attributions = record.get("attributions")
    if not isinstance(attributions, list):
        return
    ids: set[str] = set()
    claims: dict[tuple, set[int]] = defaultdict(set)  # a fragment -> the attributions that list it
    listed: Counter = Counter()  # (a fragment, an attribution) -> how often the attribution lists it
    for i, attr in enumerate(attributions):
        if not isinstance(attr, dict):
            continue
        at = where.at("attributions", i)
        aid = attr.get("id")
        if isinstance(aid, str):
            if aid in ids:
                yield at.at("id").finding("V703", f"attribution id {aid!r} is used twice in this record")
            ids.add(aid)
        for role in ROLES:
            frags = attr.get(role)
            placed = {(f["start"], f["end"]): k for k, f in enumerate(frags if isinstance(frags, list) else [])
                      if isinstance(f, dict) and is_int(f.get("start")) and is_int(f.get("end"))}
            if overlap := first_overlap(sorted(placed)):
                yield at.at(role, placed[overlap[1]]).finding("V507", overlap_message(role, overlap))
            for k, frag in enumerate(frags if isinstance(frags, list) else []):
                yield from span_findings(text, frag, at.at(role, k), tolerant=False)
                if role != "source" and isinstance(frag, dict) and is_int(frag.get("start")) and is_int(frag.get("end")):
                    key = (role, frag["start"], frag["end"])
                    listed[key, i] += 1
                    said = ("is listed twice in this attribution" if listed[key, i] == 2
                            else "is claimed by two attributions" if i not in claims[key] and len(claims[key]) == 1
                            else None)
                    if said:
                        yield at.at(role, k).finding("V505", f"{role} [{frag['start']}, {frag['end']}) {said}")
                    claims[key].add(i)
        if attr.get("source_entity") is not None:
            yield from span_findings(text, attr["source_entity"], at.at("source_entity"), tolerant=False)
        if attr.get("content") and isinstance(attr.get("cue"), list) and not attr["cue"]:
            yield at.at("cue").finding("V501", "the attribution has CONTENT but no CUE")
