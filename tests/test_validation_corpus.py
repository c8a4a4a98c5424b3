"""The corpus of hand-made Label Studio exports: each broken one yields exactly its findings, where expected.

tests/data/broken_exports/expected.json lists every file with what it shows and the findings it must
give (code, JSON path, region id); a valid export gives none (or warnings only).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from attrib.lsjson.convert import export_records
from attrib.validation import CODES, check_records, validate_path

CORPUS = Path(__file__).parent / "data" / "broken_exports"
CASES = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


def _key(f) -> tuple:
    return (f["code"], f["path"], f["region_id"]) if isinstance(f, dict) else (f.code, f.path, f.region_id)


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_each_export_gives_exactly_its_findings(case):
    path = CORPUS / case["file"]
    found = list(validate_path(path))
    assert sorted(map(_key, found)) == sorted(map(_key, case["findings"])), case["about"]
    for finding in found:
        assert finding.file == str(path)
        assert finding.severity == CODES[finding.code][0]
        assert finding.message


def test_the_corpus_is_broad():
    broken = [c for c in CASES if any(CODES[f["code"]][0] == "error" for f in c["findings"])]
    assert len(broken) >= 30
    assert len({f["code"] for c in CASES for f in c["findings"]}) >= 35
    assert len({c["file"] for c in CASES}) == len(CASES) == len(list(CORPUS.glob("*.json"))) - 1


@pytest.mark.parametrize("name", sorted(c["file"] for c in CASES if c["file"].startswith("valid-")))
def test_valid_exports_convert_to_valid_records(name):
    """What the validator passes, the converter turns into records the record schema accepts."""
    tasks = json.loads((CORPUS / name).read_text(encoding="utf-8"))
    records = list(export_records(iter(tasks)))
    assert len(records) == sum(len(t["annotations"]) for t in tasks)
    assert list(check_records(records)) == []
