"""The JSON Schemas are the contract: valid 2020-12 schemas, documented, and consistent with each other."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from attrib.schemas import SCHEMA_NAMES, load_schema, schema_dir
from attrib.validation import check_export, check_tasks
from attrib.validation.structure import element_validator

from test_validation_corpus import CORPUS


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_each_schema_is_a_valid_2020_12_schema_with_id_title_and_description(name):
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://attrib.dev/schemas/{name}.schema.json"
    assert schema["title"] and schema["description"]


@pytest.mark.parametrize("name", ["tasks", "export"])
def test_every_definition_is_titled(name):
    for key, definition in load_schema(name)["$defs"].items():
        assert definition.get("title"), key


def test_tasks_and_export_describe_results_identically():
    """The two files cannot share $defs by reference (each validates alone), so they are kept equal."""
    tasks, export = load_schema("tasks")["$defs"], load_schema("export")["$defs"]
    shared = ("result", "resultItem", "span", "region", "choice", "relation", "prediction", "taskData")
    assert {key: tasks[key] for key in shared} == {key: export[key] for key in shared}


def test_schema_files_are_the_ones_on_disk():
    assert sorted(p.name for p in schema_dir().glob("*.schema.json")) == [f"{n}.schema.json" for n in sorted(SCHEMA_NAMES)]


def test_keys_label_studio_adds_are_allowed():
    export = json.loads((CORPUS / "valid-accepted-prediction.json").read_text(encoding="utf-8"))
    export[0]["fsm_state"] = "COMPLETED"
    export[0]["annotations"][0]["result"][0]["meta"] = {"text": ["a note"]}
    export[0]["annotations"][0]["result"][15]["readonly"] = False
    assert list(check_export(export)) == []


def test_element_validator_checks_one_array_element():
    assert element_validator("tasks").is_valid({"data": {"text": "x"}})
    assert not element_validator("tasks").is_valid([{"data": {"text": "x"}}])
    assert [f.path for f in check_tasks([{"data": {"text": 3}}])] == ["$[0].data.text", "$[0].data"]
