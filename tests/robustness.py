"""The robustness property, shared by tests/test_robustness_properties.py (2,000 examples a property) and
benchmarks/bench_properties.py (30,000): whatever `attrib validate` passes, every later command accepts
and writes as valid output; whatever it does not, every command refuses with one line (an AttribError),
never a traceback.

Inputs are files, written byte for byte from mutated valid records and exports, so that the readers are
part of what is tested: besides deleted keys, values of other types and shifted offsets, the mutations
put in what JSON allows and attrib's outputs cannot carry (NaN, Infinity, 1e400, integers of thousands of
digits, lone surrogates), nesting past the limit, floats standing for integers, free-form values of every
kind where the schemas allow anything, a byte order mark, CRLF line ends, a line of invalid UTF-8.

The fast check (CI) runs the readers every command shares and the JSON writers: `labelstudio records`
with one --choose an example, `export -f jsonl`, `labelstudio tasks`. The full check (the benchmark) runs
every --choose and adds every other format, a brat round trip, `agreement` and `push --review`'s tasks.
"""

from __future__ import annotations

import contextlib
import copy
import json
import random
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

import pytest
from hypothesis import strategies as st

from attrib.errors import AttribError, InputError, NothingToDoError, OutputError
from attrib.formats import FORMATS, brat, export
from attrib.formats.inputs import read_input
from attrib.formats.jsonl import write_records
from attrib.formats.tasks import write_tasks
from attrib.jsonsafe import MAX_DEPTH
from attrib.lsjson.convert import CHOOSE, export_records
from attrib.records import ROLES
from attrib.validation import detect, validate_path
from attrib.validation.gate import checked_records, gated
from fragments import frag_of

CORPUS = Path(__file__).parent / "data" / "broken_exports"


def _corpus(name: str) -> list[dict]:
    return json.loads((CORPUS / name).read_text(encoding="utf-8"))


def _two_annotators() -> list[dict]:
    """A task annotated twice, by a user id and by an expanded user (what `attrib labelstudio pull` gets)."""
    tasks = _corpus("valid-accepted-prediction.json")
    second = {**copy.deepcopy(tasks[0]["annotations"][0]), "id": 13, "completed_by": {"id": 3, "email": "b@example.org"},
              "updated_at": "2026-11-27T09:00:00.000000Z", "ground_truth": True}
    tasks[0]["annotations"].append(second)
    return tasks


EXPORTS = [_corpus("valid-accepted-prediction.json"), _corpus("valid-redrawn-by-hand.json"),
           _corpus("valid-prediction-ids-only.json"), _two_annotators()]
TEXT = "Hier 🙂\r\nla ministre a déclaré : « Tout va bien. » Le cafe\u0301 ferme, selon elle."
RECORD = {"id": "doc-1", "text": TEXT, "meta": {"source": "test", "n": 3},
          "generator": {"attrib": "0.1.0", "model": "m"},
          "provenance": {"task_id": 7, "annotation_id": 9, "prediction_id": None, "annotator": "a@example.org",
                         "lead_time": 4.5, "accepted_unchanged": False, "origin": "annotation"},
          "attributions": [
              {"id": "a0", "kind": "direct", "confidence": 0.9, "source": [frag_of(TEXT, "la ministre")],
               "cue": [frag_of(TEXT, "a déclaré")], "content": [frag_of(TEXT, "« Tout va bien. »")],
               "source_entity": None, "source_type": "unnamed"},
              {"id": "a1", "kind": "indirect", "source": [frag_of(TEXT, "elle")], "cue": [frag_of(TEXT, "selon")],
               "content": [frag_of(TEXT, "Le cafe\u0301 ferme")], "source_entity": frag_of(TEXT, "la ministre")}]}
RECORDS = [RECORD, *(r for tasks in EXPORTS for r in export_records(iter(tasks)))]
EXPORT_TEXTS = [json.dumps(tasks) for tasks in EXPORTS]  # copied by json.loads: the fastest deep copy
RECORD_TEXTS = [json.dumps(record) for record in RECORDS]
FREE_FORM = ("meta", "data", "generator", "provenance")  # objects whose other keys the schemas leave free


class Raw:
    """A JSON literal written as is: what Python's json.dumps would not write (1e400, 5,000 digits)."""

    def __init__(self, literal: str) -> None:
        self.literal = literal


def to_json(value, ascii_only: bool = True) -> str:
    """JSON text of `value` (json.dumps), each Raw as its literal; non-ASCII escaped or not."""
    raws: list[str] = []

    def placeholder(raw: Raw) -> str:
        raws.append(raw.literal)
        return f"\x00raw{len(raws) - 1}\x00"

    text = json.dumps(value, ensure_ascii=ascii_only, default=placeholder)
    for i, literal in enumerate(raws):
        text = text.replace(json.dumps(f"\x00raw{i}\x00", ensure_ascii=ascii_only), literal, 1)
    return text


def nested(depth: int):
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


ODD = [float("nan"), float("inf"), float("-inf"), Raw("1e400"), Raw("-1e400"), Raw("NaN"), Raw("Infinity"),
       Raw("1" * 5000), Raw("1" * 4300), 10**30, -(10**20), 2.0, -0.0, 1e-320, 1.7976931348623157e308,
       "\udc00", "a\ud800b", "\ud83d\ude00", "", "\x00", "\u2028\x85\r", "a/../b", ".hidden",
       nested(MAX_DEPTH + 5), nested(MAX_DEPTH - 8)]
CHARACTERS = "aé 🙂\r\n\t\"\\/\x00\x85\u2028\u0301\ufeff\udc00\ud800"  # controls, combining, BOM, surrogates


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(CHARACTERS) if rng.random() < 0.7 else chr(rng.randrange(0x110000))
                   for _ in range(rng.randrange(12)))


def _value(rng: random.Random, depth: int = 0):
    """A JSON value of any type, or one of the ODD ones."""
    kind = rng.randrange(9 if depth < 2 else 6)
    if kind == 0:
        return copy.deepcopy(rng.choice(ODD))
    if kind < 6:
        return [None, rng.random() < 0.5, rng.randrange(-3, 300), rng.uniform(-1e6, 1e6), _text(rng)][kind - 1]
    if kind < 8:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    return {_text(rng): _value(rng, depth + 1) for _ in range(rng.randrange(3))}


def _place(rng: random.Random, doc) -> tuple[object, object] | None:
    """A (container, key) in `doc`, found by walking down one to eight levels along random keys."""
    found, node = None, doc
    for _ in range(rng.randint(1, 8)):
        keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else []
        if not keys:
            break
        key = rng.choice(keys)
        found, node = (node, key), node[key]
    return found


def mutated(rng: random.Random, bases: list[str]):
    """One of `bases` (JSON text: json.loads is the fastest deep copy) with one to three random changes."""
    doc = json.loads(rng.choice(bases))
    for _ in range(rng.randint(1, 3)):
        place = _place(rng, doc)
        if place is None:
            break
        parent, key = place
        old = parent[key]
        op = rng.choice(["delete", "retype", "odd", "free", "free", "shift", "dangle", "unicode", "float", "twice",
                         "append"])
        if op == "delete":
            del parent[key]
        elif op == "retype":
            parent[key] = _value(rng)
        elif op == "odd":
            parent[key] = copy.deepcopy(rng.choice(ODD))
        elif op == "free" and key in FREE_FORM and isinstance(old, dict):
            old[_text(rng)] = _value(rng)
        elif op == "shift" and isinstance(old, int) and not isinstance(old, bool):
            parent[key] = old + rng.randint(-5, 5)
        elif op == "float" and isinstance(old, int) and not isinstance(old, bool):
            parent[key] = float(old)
        elif op == "dangle" and isinstance(old, str):
            parent[key] = "".join(rng.choice("ab-_0") for _ in range(rng.randint(1, 10)))
        elif op == "unicode" and isinstance(old, str):
            parent[key] = _text(rng)
        elif op == "append" and key == "text" and isinstance(old, str):
            parent[key] = old + _text(rng)  # the offsets still fit
        elif op == "twice" and isinstance(old, list) and old:
            parent[key] = old + old[:1]
    return doc


def _encoded(value, ascii_only: bool) -> bytes:
    """UTF-8 of the JSON text; a lone surrogate written raw becomes its escape (backslashreplace)."""
    return to_json(value, ascii_only).encode("utf-8", "backslashreplace")


def _record_file(rng: random.Random) -> bytes:
    lines = [_encoded(mutated(rng, RECORD_TEXTS), rng.random() < 0.5) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.1:
        lines.insert(rng.randint(0, len(lines)), b'{"id": "x", "text": "caf\xe9"}')
    body = (b"\r\n" if rng.random() < 0.5 else b"\n").join(lines) + b"\n"
    return (b"\xef\xbb\xbf" if rng.random() < 0.1 else b"") + body


def _export_file(rng: random.Random) -> bytes:
    body = _encoded(mutated(rng, EXPORT_TEXTS), rng.random() < 0.5)
    return (b"\xef\xbb\xbf" if rng.random() < 0.1 else b"") + body


# Hypothesis draws the seed; the mutations are drawn by plain `random` from it, a hundred times faster than
# draws through Hypothesis (no shrinking: a failure shows the file's bytes instead).
record_files = st.randoms(use_true_random=True).map(_record_file)  # JSON Lines of 1-3 records; BOM, CRLF, bad UTF-8
export_files = st.randoms(use_true_random=True).map(_export_file)  # an export (a JSON array of tasks); a BOM


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A folder for the examples' files, in memory where the system has one (/dev/shm): thousands of small files
    are written and renamed, and a disk makes that most of the time."""
    memory = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=memory if memory.is_dir() else None) as folder:
        yield Path(folder)


def _strict_lines(path: Path) -> list:
    """Every line of a JSONL output parsed as strict JSON (no NaN, no Infinity) from strict UTF-8."""
    def refuse(literal):
        raise AssertionError(f"{path} holds {literal}, which is not JSON")
    lines = path.read_bytes().decode("utf-8").split("\n")  # (not splitlines: U+0085 and U+2028 are no line ends)
    assert lines.pop() == "", f"{path} does not end with a line end"
    return [json.loads(line, parse_constant=refuse) for line in lines]


def _clean(path: Path, kind: str) -> None:
    """The output at `path` is what attrib reads back without an error."""
    errors = [f for f in validate_path(path, kind) if f.severity == "error"]
    assert not errors, f"{path.name} written by attrib: {errors[0].code} {errors[0].where()} {errors[0].message}"


def _refused_or_done(action) -> None:
    """Run `action`; a refusal must be one line (an AttribError), never another exception."""
    try:
        action()
    except AttribError:
        pass


def _written_or_nothing(action: Callable[[], object], out: Path, nothing: Callable[[], bool]) -> bool:
    """Run `action`, which writes `out`: True when it did. E160 (nothing to do) is an answer only for an input
    that holds nothing for it (`nothing()`), and leaves no `out` behind."""
    _fresh(out)  # an earlier example's
    try:
        action()
    except NothingToDoError as exc:
        assert nothing(), f"E160 for an input that holds something: {exc}"
        assert not out.exists(), f"{out} written before E160"
        return False
    return True


def _annotated(task: dict) -> bool:
    """The task holds an annotation that counts: one not cancelled (a cancelled one is a skip, not a label)."""
    return any(isinstance(a, dict) and not a.get("was_cancelled") for a in task.get("annotations") or [])


def _validates(path: Path) -> bool | None:
    """True: validate finds no error; False: it finds errors; None: it cannot read the file at all."""
    try:
        return not any(f.severity == "error" for f in validate_path(path))
    except AttribError:
        return None


def _tasks(records: list[dict], out: Path) -> None:
    """`labelstudio tasks`: valid tasks, or (by design) a refusal of one document in several versions."""
    if len({r["id"] for r in records}) < len(records):
        with pytest.raises(InputError, match="share the id"):
            write_tasks(records, out)
        return
    write_tasks(records, out)
    with open(out, encoding="utf-8") as handle:
        json.load(handle, parse_constant=lambda literal: pytest.fail(f"{out} holds {literal}"))
    _clean(out, "tasks")


def _fresh(path: Path) -> Path:
    """`path` with nothing at it (a brat folder of an earlier example would be refused as not empty)."""
    if path.is_dir():
        shutil.rmtree(path)
    path.unlink(missing_ok=True)
    return path


def _brat_round_trip(records: list[dict], out: Path) -> None:
    """brat holds what it can name: an id that is no file name, or one document twice, is refused by design."""
    try:
        export(records, "brat", _fresh(out))
    except OutputError as exc:
        assert "cannot be a file name" in str(exc) or "two records for" in str(exc), exc
        return
    if not records:
        return  # an empty collection: `attrib import brat` refuses a folder without .ann files
    back = {r["id"]: r for r in brat.read(out)}
    for record in records:  # a fragment listed twice in one role is written once
        spans = lambda r: {(role, f["start"], f["end"]) for a in r["attributions"] for role in ROLES  # noqa: E731
                           for f in a[role]}
        assert spans(back[record["id"]]) == spans(record)


def check_records_file(data: bytes, tmp: Path, full: bool = False) -> None:
    """validate clean => export, labelstudio tasks (and push, show: the same reader) accept the file and
    write valid output; otherwise each refuses in one line."""
    source = tmp / "in.jsonl"
    source.write_bytes(data)
    formats = FORMATS if full else ("jsonl",)
    if not _validates(source):
        for fmt in formats:
            _refused_or_done(lambda: export(read_input(source), fmt, _fresh(tmp / f"refused-{fmt}")))
        _refused_or_done(lambda: write_tasks(list(checked_records([source])), tmp / "refused.tasks.json"))
        return
    records = list(checked_records([source]))
    if not records:  # a clean file with no record: every writer says there is nothing to do (E160), writes nothing
        for fmt in formats:
            _written_or_nothing(lambda: export(read_input(source), fmt, tmp / f"out-{fmt}"), tmp / f"out-{fmt}",
                                lambda: True)
        return
    for fmt in formats:
        if fmt != "brat":
            export(read_input(source), fmt, tmp / f"out-{fmt}")
    assert len(_strict_lines(tmp / "out-jsonl")) == len(records)
    _clean(tmp / "out-jsonl", "records")
    _tasks(records, tmp / "out.tasks.json")
    if full:
        _brat_round_trip(records, tmp / "out-brat")


def check_export_file(data: bytes, tmp: Path, chooses: tuple[str, ...] = CHOOSE, full: bool = False) -> None:
    """validate clean => labelstudio records (each of `chooses`) and export accept the file and write valid
    output (full: also every format, agreement, push --review's tasks); otherwise each refuses in one line."""
    from attrib.agreement import agreement
    from attrib.review import review_plan
    from attrib.validation.gate import checked_export

    source = tmp / "in.export.json"
    source.write_bytes(data)
    if not _validates(source) or detect(source) != "export":  # (a generated task with a string id and no
        # annotations reads as tasks to import, which validate passes as such and the export readers refuse)
        for choose in chooses:
            _refused_or_done(lambda: write_records(gated("records", read_input(source, choose)), tmp / "refused.jsonl"))
        if full:
            _refused_or_done(lambda: agreement(str(source)))
        return
    def chosen(choose: str) -> Callable[[], bool]:
        return lambda: not any(True for _ in export_records(checked_export(str(source)), choose))

    for choose in chooses:
        out = tmp / f"out-{choose}.jsonl"
        try:
            if not _written_or_nothing(lambda: write_records(gated("records", read_input(source, choose)), out), out,
                                       chosen(choose)):
                continue
        except InputError as exc:  # by design: the plain export lists predictions by id only
            assert choose == "prediction" and "prediction ids, not objects" in str(exc), exc
            continue
        _strict_lines(out)
        _clean(out, "records")
    if full:
        latest = chosen("latest")
        for fmt in FORMATS:
            if fmt != "brat":
                _written_or_nothing(lambda: export(read_input(source, "latest"), fmt, tmp / f"out-{fmt}"),
                                    tmp / f"out-{fmt}", latest)
        if not latest():
            _brat_round_trip(list(read_input(source, "latest")), tmp / "out-brat")
        _written_or_nothing(lambda: agreement(str(source)), tmp / "no-output",
                            lambda: not any(_annotated(t) for t in checked_export(str(source))))
        tasks, _ = review_plan(checked_export(str(source)))
        if tasks:
            with open(tmp / "review.tasks.json", "w", encoding="utf-8") as out:
                json.dump(tasks, out, ensure_ascii=False, allow_nan=False)
            _clean(tmp / "review.tasks.json", "tasks")
