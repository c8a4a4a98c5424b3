"""Property tests: random mutations of a valid export never crash the validator, and what it passes converts.

Mutations: deleted keys, values replaced by values of other types, shifted offsets, ids pointing
nowhere, random Unicode text. The validator must answer each with findings or a clean pass; and
whenever it finds no error, the converter must turn the export into records the record schema accepts
(the gate's promise: nothing it lets through breaks `attrib labelstudio records`).
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attrib.lsjson.convert import export_records
from attrib.validation import CODES, Finding, check_export, check_records, check_tasks, validate_path
from attrib.validation.structure import element_validator, fast_validator

CORPUS = Path(__file__).parent / "data" / "broken_exports"
EXPORT = json.loads((CORPUS / "valid-accepted-prediction.json").read_text(encoding="utf-8"))
REDRAWN = json.loads((CORPUS / "valid-redrawn-by-hand.json").read_text(encoding="utf-8"))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 300) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def paths(value, prefix=()):
    """Every (container path, key) in a JSON value."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, child in items:
        yield prefix, key
        yield from paths(child, (*prefix, key))


def at(value, path):
    for key in path:
        value = value[key]
    return value


@st.composite
def mutated(draw, base=EXPORT):
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        places = list(paths(doc))
        if not places:
            break
        parent_path, key = draw(st.sampled_from(places))
        parent = at(doc, parent_path)
        old = parent[key]
        op = draw(st.sampled_from(["delete", "retype", "shift", "dangle", "unicode"]))
        if op == "delete":
            del parent[key]
        elif op == "retype":
            parent[key] = draw(json_values)
        elif op == "shift" and isinstance(old, int) and not isinstance(old, bool):
            parent[key] = old + draw(st.integers(-5, 5))
        elif op == "dangle" and isinstance(old, str):
            parent[key] = draw(st.text(min_size=1, max_size=10))
        elif op == "unicode" and isinstance(old, str):
            parent[key] = draw(st.text(st.characters(codec="utf-8"), max_size=40))
    return doc


def assert_findings(findings):
    for finding in findings:
        assert isinstance(finding, Finding)
        assert finding.severity == CODES[finding.code][0]
        assert finding.path.startswith("$")


@settings(max_examples=400, deadline=None)
@given(mutated())
def test_mutated_exports_never_crash_and_what_passes_converts(doc):
    findings = list(check_export(doc))
    assert_findings(findings)
    if not any(f.severity == "error" for f in findings):
        records = list(export_records(iter(doc)))
        assert not [f for f in check_records(records) if f.severity == "error"]


@settings(max_examples=300, deadline=None)
@given(mutated())
def test_the_fast_validator_agrees_with_jsonschema(doc):
    """The compiled validator only skips documents jsonschema finds nothing in."""
    for task in doc:
        assert fast_validator("export").is_valid(task) == element_validator("export").is_valid(task)


@settings(max_examples=200, deadline=None)
@given(mutated(REDRAWN))
def test_mutated_hand_drawn_exports_never_crash(doc):
    findings = list(check_export(doc))
    assert_findings(findings)
    if not any(f.severity == "error" for f in findings):
        list(export_records(iter(doc)))


@settings(max_examples=150, deadline=None)
@given(mutated([{"data": EXPORT[0]["data"], "predictions": EXPORT[0]["predictions"]}]))
def test_mutated_tasks_never_crash(doc):
    assert_findings(check_tasks(doc))


@settings(max_examples=150, deadline=None)
@given(mutated(list(export_records(iter(EXPORT)))))
def test_mutated_records_never_crash(doc):
    assert_findings(check_records(doc))
    for record in doc:
        assert fast_validator("record").is_valid(record) == element_validator("record").is_valid(record)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.integers(0, 400))
def test_mutated_files_never_crash(doc, cut):
    """Through the file reader too: the JSON written whole, or cut short anywhere."""
    body = json.dumps(doc, ensure_ascii=False)
    with tempfile.TemporaryDirectory() as tmp:
        for text in (body, body[: len(body) * cut // 400]):
            path = Path(tmp) / "export.json"
            path.write_text(text, encoding="utf-8")
            try:
                findings = list(validate_path(path, "export"))
            except Exception as exc:  # only the one-line "cannot read at all" error is allowed
                assert type(exc).__name__ == "InputError", exc
                continue
            assert_findings(findings)
