"""Ordering documents by the model's uncertainty, and `attrib labelstudio push --order uncertain` on a real server."""

from __future__ import annotations

import sys

import pytest

from attrib.cli import main
from attrib.errors import InputError
from attrib.jsonio import dumps_line
from attrib.lsjson.convert import RECORD_ID
from attrib.records import fragment
from attrib.training.uncertainty import order_records, uncertainty

TEXT = "Officials said the road is closed."


def record(doc_id: str, *confidences: float) -> dict:
    attributions = [{"kind": "indirect", "confidence": c, "source": [fragment(TEXT, 0, 9)], "cue": [fragment(TEXT, 10, 14)],
                     "content": [fragment(TEXT, 15, 33)], "source_entity": None} for c in confidences]
    return {"id": doc_id, "text": TEXT, "meta": {}, "attributions": attributions}


def test_uncertainty_is_highest_for_coin_flips():
    assert uncertainty(record("sure", 0.99, 0.01)) == pytest.approx(0.02)
    assert uncertainty(record("flip", 0.5)) == 1.0
    assert uncertainty(record("mixed", 0.9, 0.5)) == pytest.approx(0.6)
    assert uncertainty(record("none")) == 0.5


def test_uncertain_order_puts_doubtful_documents_first_and_keeps_ties_in_input_order():
    records = [record("sure", 0.97), record("tie-1", 0.75), record("flip", 0.55), record("tie-2", 0.25)]
    assert [r["id"] for r in order_records(records, "uncertain")] == ["flip", "tie-1", "tie-2", "sure"]
    assert order_records(records, "input") == records
    with pytest.raises(InputError, match="--order"):
        order_records(records, "random")


@pytest.mark.labelstudio
def test_push_order_uncertain_imports_the_least_sure_documents_first(label_studio, tmp_path, monkeypatch):
    path = tmp_path / "records.jsonl"
    path.write_text("".join(dumps_line(r) for r in [record("sure", 0.95), record("flip", 0.5), record("so-so", 0.7)]),
                    encoding="utf-8")
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.token)
    monkeypatch.setattr(sys, "argv", ["attrib", "labelstudio", "push", str(path), "--project", "attrib order test",
                                      "--order", "uncertain"])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 0
    client = label_studio.client()
    project = client.find_project("attrib order test")
    tasks = sorted(client.tasks(project["id"]), key=lambda t: t["id"])
    assert [t["data"][RECORD_ID] for t in tasks] == ["flip", "so-so", "sure"]
